// Code generation for the device: the int8 model as C++ sources (`--format c`) or as a complete
// Arduino library (`--format arduino`). Output is a pure function of the model: no timestamps,
// the same model gives byte-identical files.
#pragma once

#include <string>
#include <vector>

#include "quant/quantize.h"

namespace tt::exporter {

struct File {
  std::string path;  // relative to the output directory
  std::string content;
};

// A C identifier for the model: [a-z_][a-z0-9_]* (lower case). Throws UsageError otherwise.
void check_name(const std::string& name);
// The default name from a model path: its base name without extension, lower-cased, other
// characters turned into '_' (a leading digit gets a 'm' prefix).
std::string name_from_path(const std::string& path);

// NAME_model.h / NAME_model.cc: the device image as a const (PROGMEM) array, its sizes as
// macros, the state and scores types, NAME_open(). The header includes "tinytext/model.h" (found
// beside it when the runtime headers are exported with it, else on the include path).
std::vector<File> export_c(const quant::QuantModel& q, const std::string& name, const std::string& source_ext = "cc");

// The runtime headers (runtime_headers(), as tinytext/...): from include_dir, or when it is empty
// the copy built into this binary (runtime_embedded.cc, generated from include/ at build time: the
// headers of the same version as the exporter, wherever the binary is).
std::vector<File> runtime_files(const std::string& include_dir = "");

// A header of include/ as built into this binary ("tinytext/model.h"), or null.
const std::string* embedded_header(const std::string& path);

// An Arduino library folder NAME/: library.properties, library.json (PlatformIO), README.md,
// src/ (the runtime headers and the model), examples/NAME/NAME.ino (reads lines from Serial,
// prints the verdict and scores).
std::vector<File> export_arduino(const quant::QuantModel& q, const std::string& name,
                                 const std::vector<File>& runtime);

// Writes files under dir (creating directories) as one set (write_files_atomic, common/file.h:
// the last file is written last); refuses first an output that is one of `inputs`.
void write_files(const std::string& dir, const std::vector<File>& files, const std::vector<std::string>& inputs = {});

// The runtime headers a generated model needs, in include order.
const std::vector<std::string>& runtime_headers();

}  // namespace tt::exporter
