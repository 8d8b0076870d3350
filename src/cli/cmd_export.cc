// tinytext export QMODEL --format c|arduino -o DIR [--name NAME]: the int8 model as device sources.
#include <iostream>

#include "cli/args.h"
#include "cli/commands.h"
#include "common/error.h"
#include "export/export.h"
#include "model/model_io.h"
#include "quant/quantize.h"

namespace tt::cli {

namespace {

// The runtime headers: --runtime-include, else include/ of the source tree this binary was built
// from (found through this file's path).
std::string default_include_dir() {
  std::string f = __FILE__;  // .../src/cli/cmd_export.cc
  for (int i = 0; i < 3; ++i) {
    const size_t s = f.find_last_of('/');
    if (s == std::string::npos) return "include";
    f = f.substr(0, s);
  }
  return f + "/include";
}

}  // namespace

int cmd_export(int argc, char** argv) {
  std::vector<Option> opts = {
      {"format", "c|arduino", "c: NAME_model.h + NAME_model.cc; arduino: a library folder DIR/NAME/", "c"},
      {"output", "DIR", "output directory (also -o); created if missing", ""},
      {"name", "NAME", "symbol prefix (NAME_model_data, NAME_model, NAME_state, NAME_open ...): a lower-case C identifier "
                       "(default: the model file's base name)", ""},
      {"runtime-include", "DIR", "where tinytext/*.h are (copied into an Arduino library)", default_include_dir()},
      {"quiet", "", "print nothing on success", ""},
  };
  Args args("export", "QMODEL --format c|arduino -o DIR [--name NAME]", opts, argc, argv, 2);
  if (args.help()) {
    std::cout << args.usage()
              << "\nWrites the int8 model (from 'tinytext quantize') as C++11 sources for the device runtime\n"
                 "(include/tinytext/model.h): the device image as a const array (PROGMEM on AVR), so the board runs\n"
                 "exactly the bytes the host evaluates. No timestamps: the same model gives identical files. The\n"
                 "header refuses to compile against another runtime or image format version. Float models are\n"
                 "refused: quantize them first (calibration needs your training data). See docs/export.md.\n";
    return 0;
  }
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
  const std::vector<exporter::File> files = format == "c" ? exporter::export_c(q, name)
                                                          : exporter::export_arduino(q, name, args.get("runtime-include"));
  exporter::write_files(dir, files, {in});
  if (!args.has("quiet"))
    for (const auto& f : files) std::cerr << "export: wrote " << dir << "/" << f.path << "\n";
  return 0;
}

}  // namespace tt::cli
