// A model's flash and RAM on each target (export/size.h) and each board (export/boards.h), as
// size, inspect and export print them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "export/boards.h"
#include "quant/quantize.h"

namespace tt::cli {

// The int8 model of a model file: the file's own, or for a float model the one 'tinytext
// quantize' would make without calibration data (ranges bounded from the weights). *is_float
// tells which.
quant::QuantModel int8_of(const std::string& path, bool* is_float);
// --board NAME or generic-TARGET:FLASH:RAM (sizes as --max-flash takes them).
exporter::Board board_arg(const std::string& command, const std::string& spec);
// "[{target, flash, image, code_estimate, ...}, ...]": one object per target.
std::string targets_json(const quant::QuantModel& q);
// One line per target for a person.
std::string targets_text(const quant::QuantModel& q);
// "[{board, mcu, target, flash_used, flash, ram_used, ram, fits, why}, ...]" and one line per board.
std::string boards_json(const quant::QuantModel& q, const std::vector<exporter::Board>& boards);
std::string boards_text(const quant::QuantModel& q, const std::vector<exporter::Board>& boards);

}  // namespace tt::cli
