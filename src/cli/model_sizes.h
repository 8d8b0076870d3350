// A model's flash and RAM on each target (export/size.h), as size and inspect print them.
#pragma once

#include <cstdint>
#include <string>

#include "quant/quantize.h"

namespace tt::cli {

// The int8 model of a model file: the file's own, or for a float model the one 'tinytext
// quantize' would make without calibration data (ranges bounded from the weights). *is_float
// tells which.
quant::QuantModel int8_of(const std::string& path, bool* is_float);
// "[{target, flash, image, code_estimate, ..., fits}, ...]": one object per target.
std::string targets_json(const quant::QuantModel& q);
// One line per target for a person, and one line per board the model does not fit.
std::string targets_text(const quant::QuantModel& q);

}  // namespace tt::cli
