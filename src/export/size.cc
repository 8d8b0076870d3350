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
  // Cortex-M4, rv32imc, ATmega2560: the same probe built with -mcpu=cortex-m4 -mthumb,
  // -march=rv32imc -mabi=ilp32, -mmcu=atmega2560: generic 3,950 / 4,874 / 7,826 B, static linear
  // 1,766 / 2,266 / 3,792 B, hidden + softmax 2,547 / 2,871 / 5,355 B, rounded up; stack_base from
  // bench/boards.json (sms4k / sms32k_mega stack_runtime: M4 144, rv32imc 196 (16-byte aligned
  // frames), 2560 162), rounded up; code_table: sms4k with and without its table, +124 B on the
  // rv32imc, +52 B on the M4 (+88 B on the M0+ in the same build). code_far_* (ATmega2560, an
  // image over 32,767 B: 24-bit addresses and ELPM, pgm.h): Export.FarImageOnTheMega's linear model
  // 3,910 B on the static path (3,776 B near), 8,728 B on the generic path (7,884 B near);
  // sms64k_mega 4,270 B against sms32k_mega's 4,097 B: +134 / +173 B static, +844 B generic,
  // rounded up.
  static const std::vector<TargetCosts> t = {
      {"cortex-m0plus", "arm-none-eabi-g++ 12.2 -Os -mcpu=cortex-m0plus -mthumb", 4100, 1900, 2500, 3300, 140, 32, 8, 4, 136},
      {"cortex-m4", "arm-none-eabi-g++ 12.2 -Os -mcpu=cortex-m4 -mthumb", 4100, 1900, 2600, 3400, 140, 32, 8, 4, 148},
      {"rv32imc", "riscv64-unknown-elf-g++ 12.2 -Os -march=rv32imc -mabi=ilp32", 5000, 2500, 3200, 4000, 140, 32, 8, 4,
       200},
      {"atmega328p", "avr-g++ 5.4 -Os -mmcu=atmega328p (TT_SMALL)", 7900, 3900, 5400, 6800, 200, 29, 8, 1, 152},
      {"atmega2560", "avr-g++ 5.4 -Os -mmcu=atmega2560 (TT_SMALL)", 7900, 3900, 5400, 6800, 200, 29, 8, 1, 168, 200, 900},
  };
  return t;
}

SizeReport size_on(const TargetCosts& t, const tt::Model& m, uint32_t image_bytes) {
  SizeReport r;
  r.target = t.name;
  r.image = image_bytes;
  // A linear softmax model runs the softmax head: the "other shapes" entry (code_static) covers it.
  const bool plain_linear = (m.flags & kModelLinear) && !(m.flags & kModelSoftmax);
  r.code = (plain_linear ? t.code_static_linear : t.code_static) + (m.groups ? t.code_table : 0u) +
           (image_bytes > 32767u ? t.code_far_static : 0u);
  r.flash = r.image + r.code;
  r.code_generic = t.code_first + (image_bytes > 32767u ? t.code_far_first : 0u);
  r.flash_generic = r.image + r.code_generic;
  r.state = t.state_base + 4u * m.dim;
  const uint32_t s = t.scores_base + 10u * m.outputs;
  r.scores = (s + t.align - 1) / t.align * t.align;
  const uint32_t softmax = (m.flags & kModelSoftmax) ? 4u * m.outputs : 0u;
  r.stack = t.stack_base + 6u * m.dim + 2u * (m.hidden ? m.hidden : 1u) + softmax;  // sums, x, a
  r.ram = r.state + r.scores + r.stack;
  return r;
}

}  // namespace tt::exporter
