#include "export/boards.h"

#include <algorithm>

#include "common/error.h"

namespace tt::exporter {

namespace {

// Sketch allowances. AVR: the example sketch `export --format arduino` writes (Serial at 115200,
// setup/loop, printing labels and probabilities) and Debian's arduino-core-avr for the Uno,
// measured by ctest boards_arduino (targets/arduino/build_example.sh: its image minus the model
// and the runtime: 7,039 B with the runtime, about 3.2 KB without), rounded up; RAM: Serial's two 64-byte buffers and
// the core's, about 200 B. 32-bit boards: an empty sketch with Serial on the vendor's Arduino core, as the vendor's IDE
// reports it (those cores are not in Debian: not measured here), rounded up.
const uint32_t kAvrSketchFlash = 3328, kAvrSketchRam = 256;

}  // namespace

const std::vector<Board>& boards() {
  static const std::vector<Board> b = {
      {"uno", "Arduino Uno", "ATmega328P", "atmega328p", 32256, 2048, kAvrSketchFlash, kAvrSketchRam, 32767,
       "Debian arduino-core-avr boards.txt: uno.upload.maximum_size 32256, maximum_data_size 2048"},
      {"nano", "Arduino Nano", "ATmega328P", "atmega328p", 30720, 2048, kAvrSketchFlash, kAvrSketchRam, 32767,
       "Debian arduino-core-avr boards.txt: nano.menu.cpu.atmega328.upload.maximum_size 30720, "
       "maximum_data_size 2048"},
      {"mega2560", "Arduino Mega 2560", "ATmega2560", "atmega2560", 253952, 8192, kAvrSketchFlash, kAvrSketchRam, 0,
       "Debian arduino-core-avr boards.txt: mega.menu.cpu.atmega2560.upload.maximum_size 253952, "
       "mega.upload.maximum_data_size 8192. An image over 32,767 B is placed above the code and read with "
       "far addresses (ELPM)"},
      {"mkrzero", "Arduino MKR Zero", "SAMD21G18A", "cortex-m0plus", 253952, 32768, 12288, 3072, 0,
       "SAMD21G18A datasheet: 256 KB flash, 32 KB SRAM; 8 KB of the flash hold the SAM-BA bootloader "
       "(ArduinoCore-samd's flash_with_bootloader.ld); sketch: an empty sketch with Serial (USB CDC), about 11 KB"},
      {"zero", "Arduino Zero", "SAMD21G18A", "cortex-m0plus", 253952, 32768, 12288, 3072, 0,
       "as the MKR Zero (the same SAMD21G18A and bootloader)"},
      {"pico", "Raspberry Pi Pico", "RP2040", "cortex-m0plus", 2093056, 262144, 65536, 12288, 0,
       "RP2040 datasheet: 264 KB SRAM (256 KB main); the Pico's 2 MB QSPI flash less 4 KB; the RP2040's "
       "Cortex-M0+ runs the M0+ code (same instruction set); sketch: an empty sketch with Serial on an "
       "Arduino RP2040 core, about 50-60 KB"},
      {"nano33ble", "Arduino Nano 33 BLE", "nRF52840", "cortex-m4", 983040, 262144, 98304, 49152, 0,
       "nRF52840: 1 MB flash, 256 KB RAM; the Arduino mbed core's bootloader takes 64 KB (983,040 B for a "
       "sketch); sketch: an empty sketch on the mbed core, about 80 KB flash and 45 KB RAM. Cortex-M4F: the "
       "runtime is integer-only, the M4 code"},
      {"esp32c3", "ESP32-C3", "ESP32-C3", "rv32imc", 1310720, 327680, 262144, 16384, 0,
       "ESP32-C3: rv32imc core, 400 KB SRAM; arduino-esp32's default partition table gives an app 1,310,720 B and "
       "a sketch 327,680 B of data RAM; sketch: an empty sketch with Serial, about 230 KB flash and 13 KB RAM"},
  };
  return b;
}

const std::vector<std::string>& generic_boards() {
  static const std::vector<std::string> g = {"generic-m0plus", "generic-m4", "generic-rv32", "generic-avr"};
  return g;
}

std::string board_names() {
  std::string o;
  for (const Board& b : boards()) o += b.name + ", ";
  for (const auto& g : generic_boards()) o += g + ":FLASH:RAM" + (g == generic_boards().back() ? "" : ", ");
  return o;
}

Board find_board(const std::string& name, uint64_t flash, uint64_t ram) {
  for (const Board& b : boards())
    if (b.name == name) return b;
  const auto& g = generic_boards();
  if (std::find(g.begin(), g.end(), name) == g.end())
    throw UsageError("--board: unknown board '" + name + "'; known: " + board_names());
  if (flash == 0 || ram == 0 || flash > 0xFFFFFFFFu || ram > 0xFFFFFFFFu)
    throw UsageError("--board " + name + " needs the board's flash and RAM: --board " + name + ":FLASH:RAM, e.g. " +
                     name + ":256K:32K");
  Board b;
  b.name = name;
  b.title = "generic " + name.substr(8);
  const std::string t = name.substr(8);
  b.target = t == "m0plus" ? "cortex-m0plus" : t == "m4" ? "cortex-m4" : t == "rv32" ? "rv32imc"
              : flash > 65536 ? "atmega2560" : "atmega328p";
  b.mcu = b.target;
  b.flash = static_cast<uint32_t>(flash);
  b.ram = static_cast<uint32_t>(ram);
  b.max_image = t == "avr" && flash <= 65536 ? 32767 : 0;  // an AVR with more than 64 KB has far flash (ELPM)
  b.source = "given by the user";
  return b;
}

const TargetCosts& costs_of(const Board& b) {
  for (const auto& t : target_costs())
    if (t.name == b.target) return t;
  throw Error("board table: no cost entry for target '" + b.target + "'");  // boards_test checks every board
}

BoardFit fit_on(const Board& b, const tt::Model& m, uint32_t image_bytes) {
  BoardFit f;
  f.size = size_on(costs_of(b), m, image_bytes);
  f.flash_used = f.size.flash + b.sketch_flash;
  f.ram_used = f.size.ram + b.sketch_ram;
  const auto n = [](uint32_t v) { return std::to_string(v); };
  if (b.max_image && image_bytes > b.max_image)
    f.why = "the image is " + n(image_bytes) + " bytes; the runtime on the " + b.mcu + " reads at most " +
            n(b.max_image) + " (one PROGMEM array, 16-bit flash addresses: an AVR with 64 KB of flash or less has "
            "no far flash)";
  else if (f.flash_used > b.flash)
    f.why = "flash " + n(f.flash_used) + " bytes (image " + n(image_bytes) + " + runtime ~" + n(f.size.code) +
            " + sketch ~" + n(b.sketch_flash) + ") of " + n(b.flash);
  else if (f.ram_used > b.ram)
    f.why = "RAM " + n(f.ram_used) + " bytes (runtime ~" + n(f.size.ram) + " + sketch ~" + n(b.sketch_ram) + ") of " +
            n(b.ram);
  f.fits = f.why.empty();
  return f;
}

uint64_t weights_budget(const Board& b) {
  const TargetCosts& t = costs_of(b);
  // The budget is set before the data is read, so before the head is known: room for the larger
  // of a sigmoid model with an exact table and a softmax one; on an AVR with far flash, with its
  // far reads (code_far_static: the image may pass 32,767 B).
  const uint64_t code = std::max<uint64_t>(t.code_static_linear + t.code_table, t.code_static) + t.code_far_static;
  uint64_t room = b.flash > code + b.sketch_flash ? b.flash - code - b.sketch_flash : 0;
  if (b.max_image) room = std::min<uint64_t>(room, b.max_image);
  return room > kImageOverhead ? room - kImageOverhead : 0;
}

}  // namespace tt::exporter
