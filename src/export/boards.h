// The boards tinytext knows, in one table (boards.cc, each figure with its source): what a sketch
// may use of each one's flash and RAM, which runtime target (size.h) its code is measured on, and
// what a typical sketch takes besides tinytext. `train --board`, `size --board` and
// `export --board` read it; docs/boards.md prints it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "export/size.h"
#include "tinytext/model.h"

namespace tt::exporter {

struct Board {
  std::string name;           // --board NAME: "uno"
  std::string title;          // "Arduino Uno"
  std::string mcu;            // "ATmega328P"
  std::string target;         // its TargetCosts::name (size.h): "atmega328p"
  uint32_t flash = 0;         // program flash a sketch may use, bytes
  uint32_t ram = 0;           // RAM a sketch may use, bytes
  uint32_t sketch_flash = 0;  // a typical sketch and its core besides tinytext (Serial, setup/loop)
  uint32_t sketch_ram = 0;
  uint32_t max_image = 0;  // the largest image the runtime reads there, 0: any (an AVR without far flash: 32,767)
  std::string source;      // where flash/ram/sketch come from
};

// The named boards, in the order `size` prints them (the generic entries are not in it).
const std::vector<Board>& boards();
// The generic entries: "generic-m0plus", "generic-m4", "generic-rv32", "generic-avr"; the user gives
// flash and RAM (--board generic-m4:256K:64K). Their sketch allowance is 0.
const std::vector<std::string>& generic_boards();
// A named board, or a generic one with the given flash and RAM (both > 0). Throws UsageError
// naming the known boards for an unknown name.
Board find_board(const std::string& name, uint64_t flash = 0, uint64_t ram = 0);
// "uno, nano, ..., generic-avr:FLASH:RAM": for --help and error messages.
std::string board_names();
// The cost table's entry for b.target.
const TargetCosts& costs_of(const Board& b);

// A model on a board: size.h's figures plus the sketch's share, and whether it fits.
struct BoardFit {
  SizeReport size;          // image, runtime code, state, scores, stack (the target's estimate)
  uint32_t flash_used = 0;  // image + runtime code + sketch allowance
  uint32_t ram_used = 0;    // state + scores + stack + sketch allowance
  bool fits = false;
  std::string why;  // empty when it fits, else the numbers that do not
};
BoardFit fit_on(const Board& b, const tt::Model& m, uint32_t image_bytes);

// The weights budget (train --max-flash) of the largest model whose image, with the static
// path's runtime code (a linear model with an exact table or a softmax head, whichever is
// larger: the head is not known yet) and the sketch allowance, fits b: what
// `train --board` trains to. The image's own overhead (header, labels, thresholds, CRC) is
// reserved as kImageOverhead.
static const uint32_t kImageOverhead = 128;
uint64_t weights_budget(const Board& b);

}  // namespace tt::exporter
