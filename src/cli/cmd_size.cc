// tinytext size MODEL: flash and RAM of an int8 model on each target.
#include <cstdio>
#include <iostream>

#include "cli/args.h"
#include "cli/commands.h"
#include "common/error.h"
#include "common/json.h"
#include "export/size.h"
#include "model/model_io.h"
#include "quant/quantize.h"
#include "train/options.h"

namespace tt::cli {

int cmd_size(int argc, char** argv) {
  std::vector<Option> opts = {{"json", "", "print JSON on stdout", ""}};
  Args args("size", "QMODEL [--json]", opts, argc, argv, 2);
  if (args.help()) {
    std::cout << args.usage() << "\nFlash: the device image (exact: the bytes export writes) + the runtime's code, "
                                 "estimated from\na table measured with the target toolchains (one model; a second "
                                 "model adds its image\nand up to the per-further-model code below): 'code~' for the static path (the generated "
                                 "NAME_model type, what an\nexported model compiles to), 'open~' for the generic path "
                                 "(tt::Model + model_open, an image\nloaded at run time). RAM: the state and scores "
                                 "structs (exact "
                                 "layout per target) + the stack\nof model_read (estimated from -fstack-usage). A float "
                                 "model is measured as it would be once\nquantised. A line names each board the model does not fit "
                                 "(flash or RAM above the board's,\ntinytext alone: the sketch and the core need their "
                                 "share); --json gives 'fits' per target.\n";
    for (const auto& t : exporter::target_costs())
      std::cout << "  " << t.name << ": code " << t.code_static_linear << " bytes (linear) / " << t.code_static
                << " (other shapes), +" << t.code_table << " with an exact table, open " << t.code_first << " (+"
                << t.code_more
                << " per further model), measured with " << t.compiler << "\n";
    std::cout << "\nThe shapes 'tinytext train --max-flash' picks (train::shape_for_budget; one byte per parameter):\n";
    for (const uint64_t kb : {uint64_t{4}, uint64_t{8}, uint64_t{32}})
      for (const uint32_t k : {1u, 3u}) {
        const ModelShape s = train::shape_for_budget(kb * 1024, k, k == 1 ? data::LabelKind::kBinary
                                                                          : data::LabelKind::kMultiClass);
        std::cout << "  " << kb << "K, " << (k == 1 ? "1 output" : "3 classes") << ": " << s.describe() << "\n";
      }
    return 0;
  }
  if (args.positional().size() != 1) throw UsageError("size: give exactly one MODEL (see --help)");
  const std::string in = args.positional()[0];
  quant::QuantModel q;
  if (model_file_kind(in) == ModelKind::kFloat32) {
    const FloatModel f = load_model(in);
    numerics::QuantOptions o;
    q = quant::quantize(f, quant::calibrate(f, {}, o));
  } else {
    q = quant::load_quant(in);
  }
  const tt::Model m = q.view();
  const auto img = static_cast<uint32_t>(q.image.size());
  if (args.has("json")) {
    std::string o = "{\"model\":" + json_quote(in) + ",\"image_bytes\":" + std::to_string(img) + ",\"targets\":[";
    bool first = true;
    for (const auto& t : exporter::target_costs()) {
      const auto r = exporter::size_on(t, m, img);
      o += std::string(first ? "" : ",") + "{\"target\":" + json_quote(r.target) + ",\"flash\":" + std::to_string(r.flash) +
           ",\"image\":" + std::to_string(r.image) + ",\"code_estimate\":" + std::to_string(r.code) +
           ",\"flash_generic\":" + std::to_string(r.flash_generic) +
           ",\"code_estimate_generic\":" + std::to_string(r.code_generic) +
           ",\"ram\":" + std::to_string(r.ram) + ",\"state\":" + std::to_string(r.state) +
           ",\"scores\":" + std::to_string(r.scores) + ",\"stack_estimate\":" + std::to_string(r.stack) + ",\"board\":" + json_quote(t.board) +
           ",\"flash_available\":" + std::to_string(t.flash_avail) + ",\"ram_available\":" +
           std::to_string(t.ram_avail) + ",\"fits\":" + (r.fits ? "true" : "false") + "}";
      first = false;
    }
    std::cout << o << "]}\n";
    return 0;
  }
  std::printf("%s: int8 %s\n", in.c_str(), q.shape.describe().c_str());
  std::printf("%-14s %8s %8s %8s %8s   %6s %6s %6s %6s\n", "target", "flash", "image", "code~", "open~", "RAM", "state",
              "scores", "stack~");
  std::string misfits;
  for (const auto& t : exporter::target_costs()) {
    const auto r = exporter::size_on(t, m, img);
    std::printf("%-14s %8u %8u %8u %8u   %6u %6u %6u %6u\n", r.target.c_str(), r.flash, r.image, r.code, r.code_generic,
                r.ram, r.state, r.scores, r.stack);
    if (!r.fits)
      misfits += "does not fit the " + t.board + " (" + t.name + "): flash " + std::to_string(r.flash) + " of " +
                 std::to_string(t.flash_avail) + " bytes, RAM " + std::to_string(r.ram) + " of " +
                 std::to_string(t.ram_avail) + "\n";
  }
  std::printf("(~: estimates; see 'tinytext size --help'. flash = image + code~, the static path; open~: the "
              "code of the\ngeneric path with model_open instead. The image holds weights, requantisation parameters, "
              "thresholds,\nlabels and a CRC.)\n");
  if (!misfits.empty()) std::printf("%s", misfits.c_str());
  return 0;
}

}  // namespace tt::cli
