// tinytext size MODEL: flash and RAM of an int8 model on each target.
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/model_sizes.h"
#include "common/error.h"
#include "common/json.h"
#include "export/boards.h"
#include "export/size.h"
#include "model/model_io.h"
#include "quant/quantize.h"
#include "train/options.h"

namespace tt::cli {

namespace {

// What size --help prints after the options: the runtime code figures and the budget shapes.
std::string size_about() {
  std::ostringstream os;
  os << "Flash: the device image (exact: the bytes export writes) + the runtime's code, estimated from\n"
        "a table measured with the target toolchains (one model; a second model adds its image\n"
        "and up to the per-further-model code below): 'code~' for the static path (the generated NAME_model type, what an\n"
        "exported model compiles to), 'open~' for the generic path (tt::Model + model_open, an image\n"
        "loaded at run time). RAM: the state and scores structs (exact layout per target) + the stack\n"
        "of model_read (estimated from -fstack-usage). A float model is measured as it would be once\n"
        "quantised. Per board (docs/boards.md, each figure's source): the static path's flash and RAM plus\n"
        "a typical sketch's (Serial, setup/loop on the board's core) against what the board gives a\n"
        "sketch; 'fits' says whether all of it does, else why not.\n";
  for (const auto& t : exporter::target_costs())
    os << "  " << t.name << ": code " << t.code_static_linear << " bytes (linear) / " << t.code_static
       << " (other shapes), +" << t.code_table << " with an exact table, open " << t.code_first << " (+"
       << t.code_more << " per further model), measured with " << t.compiler << "\n";
  os << "\nThe shapes 'tinytext train --max-flash' picks (train::shape_for_budget; one byte per parameter):\n";
  for (const uint64_t kb : {uint64_t{4}, uint64_t{8}, uint64_t{32}})
    for (const uint32_t k : {1u, 3u}) {
      const ModelShape s = train::shape_for_budget(kb * 1024, k, k == 1 ? data::LabelKind::kBinary
                                                                        : data::LabelKind::kMultiClass);
      os << "  " << kb << "K, " << (k == 1 ? "1 output" : "3 classes") << ": " << s.describe() << "\n";
    }
  return os.str();
}

}  // namespace

int cmd_size(int argc, char** argv) {
  std::vector<Option> opts = {{"board", "NAME", "one board (default: every board): " + exporter::board_names(), ""},
                              flag("json", "print JSON on stdout")};
  Args args("size", "QMODEL [--board NAME] [--json]", opts, argc, argv, 2);
  if (args.help()) {
    args.show_help(size_about());
    return 0;
  }
  if (args.positional().size() != 1) throw UsageError("size: give exactly one MODEL (see --help)");
  const std::vector<exporter::Board> boards =
      args.has("board") ? std::vector<exporter::Board>{board_arg("size", args.get("board"))} : exporter::boards();
  const std::string in = args.positional()[0];
  bool is_float = false;
  const quant::QuantModel q = int8_of(in, &is_float);
  const auto img = static_cast<uint32_t>(q.image.size());
  if (args.has("json")) {
    std::cout << "{\"model\":" << json_quote(in) << ",\"kind\":" << (is_float ? "\"float32\"" : "\"int8\"")
              << ",\"image_bytes\":" << img << ",\"targets\":" << targets_json(q)
              << ",\"boards\":" << boards_json(q, boards) << "}\n";
    return 0;
  }
  if (is_float)
    std::printf("%s: a float model, measured as the int8 model 'tinytext quantize' would make of it: %s\n",
                in.c_str(), q.shape.describe().c_str());
  else
    std::printf("%s: int8 %s\n", in.c_str(), q.shape.describe().c_str());
  std::fputs(targets_text(q).c_str(), stdout);
  std::fputs(("\n" + boards_text(q, boards)).c_str(), stdout);
  std::printf("(~: estimates; see 'tinytext size --help'. flash = image + code~, the static path; open~: the "
              "code of the\ngeneric path with model_open instead. The image holds weights, requantisation parameters, "
              "thresholds,\nlabels and a CRC.)\n");
  return 0;
}

}  // namespace tt::cli
