#include "export/size.h"

namespace tt::exporter {

const std::vector<TargetCosts>& target_costs() {
  // Measured on the probe of tests/export_test.cc (one sigmoid linear model, then a second model
  // with a hidden layer and a softmax head), -Os -ffunction-sections -Wl,--gc-sections, minus an
  // empty main() and the images. Rounded up. Generic path (tt::Model, model_open, which checks
  // the image's bounds; any image may hold an exact table; the one streaming kernel of
  // detail/push.h, whose run-time n-gram sizes are tested per feature): 3,946 / 7,882 B with one
  // model, 7,241 / 14,617 B with both.
  // code_table: the static path's lookup (bench/boards.sh, sms4k with and without the table:
  // +128 B on the M0, +188 B on the AVR), rounded up.
  // Static path (NAME_model; each model alone): linear 1,818 / 3,656 B, hidden + softmax
  // 2,443 / 5,357 B (the division-free read: the sigmoid without exp or division, the pooling by
  // a Newton reciprocal square root; the end of a word on locals, docs/boards.md); code_more
  // covers both paths. stack_base: the runtime's stack
  // on the boards (bench/boards.json stack_runtime, sms4k: 116 B on the M0 on either path; 75 B
  // static, 105 B checked on the AVR; 120 / 137 B when this was set, before the static path),
  // rounded up with a margin.
  // Capacities: the SAMD21G18's 256 KB flash, 8 KB of it the Arduino bootloader, and 32 KB RAM
  // (MKR Zero); the Uno's sketch limits from Debian's arduino-core-avr boards.txt
  // (uno.upload.maximum_size 32,256, maximum_data_size 2,048).
  static const std::vector<TargetCosts> t = {
      {"cortex-m0plus", "arm-none-eabi-g++ 12.2 -Os -mcpu=cortex-m0plus -mthumb", 4100, 1900, 2500, 3300, 140, 32, 8, 4, 136,
       "Arduino MKR Zero", 253952, 32768},
      {"atmega328p", "avr-g++ 5.4 -Os -mmcu=atmega328p (TT_SMALL)", 7900, 3900, 5400, 6800, 200, 29, 8, 1, 152,
       "Arduino Uno", 32256, 2048},
  };
  return t;
}

SizeReport size_on(const TargetCosts& t, const tt::Model& m, uint32_t image_bytes) {
  SizeReport r;
  r.target = t.name;
  r.image = image_bytes;
  r.code = ((m.flags & kModelLinear) ? t.code_static_linear : t.code_static) + (m.groups ? t.code_table : 0u);
  r.flash = r.image + r.code;
  r.code_generic = t.code_first;
  r.flash_generic = r.image + r.code_generic;
  r.state = t.state_base + 4u * m.dim;
  const uint32_t s = t.scores_base + 10u * m.outputs;
  r.scores = (s + t.align - 1) / t.align * t.align;
  const uint32_t softmax = (m.flags & kModelSoftmax) ? 4u * m.outputs : 0u;
  r.stack = t.stack_base + 6u * m.dim + 2u * (m.hidden ? m.hidden : 1u) + softmax;  // sums, x, a
  r.ram = r.state + r.scores + r.stack;
  r.fits = r.flash <= t.flash_avail && r.ram <= t.ram_avail;
  return r;
}

}  // namespace tt::exporter
