// tinytext export QMODEL --format c|arduino -o DIR [--name NAME]: the int8 model as device sources.
#include <filesystem>
#include <iostream>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/model_sizes.h"
#include "common/error.h"
#include "common/json.h"
#include "export/boards.h"
#include "export/export.h"
#include "model/model_io.h"
#include "quant/quantize.h"

namespace tt::cli {

namespace fs = std::filesystem;

int cmd_export(int argc, char** argv) {
  std::vector<Option> opts = {
      {"format", "c|arduino",
       "c: NAME_model.h + NAME_model.cc + tinytext/*.h, a directory that compiles by itself; arduino: a library "
       "folder DIR/NAME/ (library.properties, library.json for PlatformIO, src/, examples/)",
       "c"},
      {"output", "DIR", "output directory; created if missing", ""},
      {"name", "NAME", "symbol prefix (NAME_model_data, NAME_model, NAME_state, NAME_open ...): a lower-case C identifier "
                       "(default: the model file's base name)", ""},
      {"board", "NAME", "refuse, with the numbers, a model that does not fit this board: " + exporter::board_names(), ""},
      {"runtime-include", "DIR",
       "copy the runtime headers from DIR/tinytext/ (default: the ones built into this tinytext, its own version)", ""},
      flag("no-runtime",
           "--format c: write the model only (the runtime headers are on your include path, e.g. "
           "installed with cmake --install)"),
      flag("quiet", "print nothing on success"),
      flag("json", "print the files written as JSON on stdout"),
  };
  Args args("export", "QMODEL --format c|arduino -o DIR [--name NAME]", opts, argc, argv, 2);
  if (args.show_help(R"(Writes the int8 model (from 'tinytext quantize') as C++11 sources for the device runtime
(include/tinytext/model.h) with the runtime headers of this tinytext's own version: the device
image as a const array (PROGMEM on AVR), so the board runs
exactly the bytes the host evaluates. No timestamps: the same model gives identical files. The
header refuses to compile against another runtime or image format version. Float models are
refused: quantize them first (calibration needs your training data). See docs/export.md.
)"))
    return 0;
  if (args.positional().size() != 1) throw UsageError("export: give exactly one QMODEL (see --help)");
  if (!args.has("output")) throw UsageError("export: -o DIR is required");
  const std::string in = args.positional()[0], dir = args.get("output"), format = args.get("format");
  if (format != "c" && format != "arduino") throw UsageError("export: --format must be c or arduino, got '" + format + "'");
  const std::string name = args.has("name") ? args.get("name") : exporter::name_from_path(in);
  exporter::check_name(name);
  if (model_file_kind(in) == ModelKind::kFloat32)
    throw Error(in + ": this is a float model; the device runs int8 models only. Quantize it first:\n  tinytext quantize " +
                in + " --calib TRAINING_DATA -o " + name + ".q8\n  tinytext export " + name + ".q8 --format " + format +
                " -o " + dir);
  const quant::QuantModel q = quant::load_quant(in);
  if (args.has("board")) {
    const exporter::Board b = board_arg("export", args.get("board"));
    const exporter::BoardFit f = exporter::fit_on(b, q.view(), static_cast<uint32_t>(q.image.size()));
    if (!f.fits)
      throw Error("export: " + in + " does not fit the " + b.title + " (" + b.mcu + "): " + f.why +
                  ". Train for the board: tinytext train ... --board " + args.get("board") + " (see tinytext size " +
                  in + ")");
  }
  const std::vector<exporter::File> runtime =
      args.has("no-runtime") ? std::vector<exporter::File>{} : exporter::runtime_files(args.get("runtime-include"));
  std::vector<exporter::File> files;
  if (format == "c") {
    files = exporter::export_c(q, name);
    files.insert(files.end(), runtime.begin(), runtime.end());
  } else {
    if (args.has("no-runtime")) throw UsageError("export: --no-runtime applies to --format c only");
    files = exporter::export_arduino(q, name, runtime);
  }
  exporter::write_files(dir, files, {in});
  if (!args.has("quiet"))
    for (const auto& f : files) std::cerr << "export: wrote " << (fs::path(dir) / f.path).string() << "\n";
  if (args.has("json")) {
    std::string o = "{\"model\":" + json_quote(in) + ",\"format\":" + json_quote(format) +
                    ",\"name\":" + json_quote(name) + ",\"labels\":[";
    for (size_t k = 0; k < q.labels.size(); ++k) o += (k ? "," : "") + json_quote(q.labels[k]);
    o += "],\"files\":[";
    for (size_t i = 0; i < files.size(); ++i) o += (i ? "," : "") + json_quote((fs::path(dir) / files[i].path).string());
    std::cout << o << "]}\n";
    std::cout.flush();
    if (!std::cout) throw Error("export: cannot write the output");
  }
  return 0;
}

}  // namespace tt::cli
