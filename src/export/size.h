// Flash and RAM of an int8 model on the device, per target (the boards that use each target and
// what fits them: export/boards.h).
//
// Flash = the device image (exact) + the runtime's code (an estimate from a table measured with
// the real toolchains: tests/export.cmake rebuilds the probe and fails if the code outgrows the
// table). RAM = the state and scores structs (exact, from each target's struct layout) + the
// stack of model_read (an estimate: its frame from -fstack-usage, which grows with 2D + 2H + 4K
// bytes of scratch, plus its deepest callee).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tinytext/model.h"

namespace tt::exporter {

struct TargetCosts {
  std::string name;      // "cortex-m0plus", "cortex-m4", "rv32imc", "atmega328p", "atmega2560"
  std::string compiler;  // what measured the table
  uint32_t code_first;   // runtime code with one model, generic path: tokenizer, model_open/push/read, libgcc helpers
  uint32_t code_static_linear;  // the same on the static path (NAME_model) for a linear model
  uint32_t code_static;  // ... for any other (hidden layer, softmax): upper bounds over the probe's shapes
  uint32_t code_more;    // code each further model adds (template instances for its sizes)
  uint32_t code_table;   // what an exact table adds to the static path (its lookup; the generic path has it)
  uint32_t state_base;   // sizeof(ModelState<D,H,K>) = state_base + 4 D
  uint32_t scores_base;  // sizeof(ModelScores<K>) = round_up(scores_base + 10 K, align)
  uint32_t align;
  uint32_t stack_base;   // model_read frame + callees, excluding its 6D + 2H + 4K scratch
  // AVR with far flash: what an image over 32,767 B adds (24-bit addresses, ELPM), static path and generic.
  uint32_t code_far_static = 0, code_far_first = 0;
};

const std::vector<TargetCosts>& target_costs();

struct SizeReport {
  std::string target;
  uint32_t image = 0, code = 0, flash = 0;            // static path (NAME_model, what export's users compile)
  uint32_t code_generic = 0, flash_generic = 0;       // generic path (tt::Model + model_open)
  uint32_t state = 0, scores = 0, stack = 0, ram = 0;
};

SizeReport size_on(const TargetCosts& t, const tt::Model& m, uint32_t image_bytes);

}  // namespace tt::exporter
