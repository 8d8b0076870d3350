// The tinytext-facing half of the MKR Zero keyboard example: key presses in (as the USBHost
// library's KeyboardController reports them), a verdict out. Plain freestanding C++11 with no
// Arduino dependency, so it is compiled and tested on the host (tests/hid_cli_test.cc,
// HidArduinoGlue); the sketch (TinytextKeyboard.ino) only wires it to USB, Serial and the LED.
//
//   KeyboardApp<spam_state::kMaxDim, spam_state::kMaxHidden, spam_state::kMaxOutputs> app;
//   keyboard_begin(app, model, tt::hid_layout_us(), 0)      // watch output 0 on the LED
//   in keyPressed():  KeyUpdate u = keyboard_press(app, keyboard.getModifiers(), keyboard.getOemKey());
//     u.led: the watched output's live verdict (model_positive as if the text ended now)
//     u.message: Enter ended a message; u.line holds "spam 0.9917" style text for Serial
#ifndef TT_EXAMPLE_KEYBOARD_VERDICT_H
#define TT_EXAMPLE_KEYBOARD_VERDICT_H

#if defined(__has_include)
#if __has_include("verdict.h")
#include "verdict.h"  // the assembled sketch: src/verdict.h (make_sketch.sh)
#else
#include "hid/verdict.h"  // the tinytext source tree: src/hid/verdict.h
#endif
#else
#include "verdict.h"
#endif

namespace tt {
namespace example {

static const uint8_t kLineBytes = 96;

template <uint16_t D, uint16_t H, uint16_t K>
struct KeyboardApp {
  hid::KeyboardVerdict<D, H, K, hid::kEditorBytes> verdict;
  hid::VerdictStep<K> step;
  ModelScores<K> live;
  const Model* model;
  uint16_t watch;  // the output shown on the LED
};

struct KeyUpdate {
  uint8_t changed;   // the text changed: led is the new live verdict
  uint8_t led;       // the watched output is positive
  uint8_t message;   // Enter ended a message: line is its verdict
  uint8_t inexact;   // a Backspace reached committed text (HidEditor) in this message
  char line[kLineBytes];  // "LABEL 0.dddd[ LABEL 0.dddd...] -> VERDICT", NUL-terminated
};

namespace detail {

inline void append(char* line, uint8_t& n, const char* s) {
  while (*s && n + 1u < kLineBytes) line[n++] = *s++;
  line[n] = 0;
}

// Q15 probability as "0.dddd" or "1.0000" (rounded half up), no float.
inline void append_prob(char* line, uint8_t& n, uint16_t p) {
  const uint32_t v = ((uint32_t)p * 10000u + 16384u) >> 15;  // 0 .. 10000
  char s[7];
  s[0] = (char)('0' + v / 10000u);
  s[1] = '.';
  s[2] = (char)('0' + (v / 1000u) % 10u);
  s[3] = (char)('0' + (v / 100u) % 10u);
  s[4] = (char)('0' + (v / 10u) % 10u);
  s[5] = (char)('0' + v % 10u);
  s[6] = 0;
  append(line, n, s);
}

}  // namespace detail

// Formats scores as "label 0.dddd ... -> positive labels (or '-')"; for softmax the argmax.
template <uint16_t K>
inline void keyboard_format(const Model& m, const ModelScores<K>& s, char* line) {
  uint8_t n = 0;
  line[0] = 0;
  uint8_t name[24];
  for (uint16_t k = 0; k < s.outputs && k < K; ++k) {
    if (k) detail::append(line, n, " ");
    detail::append(line, n, model_label(m, k, name, sizeof name) == kOk ? (const char*)name : "?");
    detail::append(line, n, " ");
    detail::append_prob(line, n, s.prob[k]);
  }
  detail::append(line, n, " ->");
  bool any = false;
  for (uint16_t k = 0; k < s.outputs && k < K; ++k) {
    if (!model_positive(m, s, k)) continue;
    detail::append(line, n, " ");
    detail::append(line, n, model_label(m, k, name, sizeof name) == kOk ? (const char*)name : "?");
    any = true;
  }
  if (!any) detail::append(line, n, " -");
}

template <uint16_t D, uint16_t H, uint16_t K>
TT_NODISCARD inline Status keyboard_begin(KeyboardApp<D, H, K>& app, const Model& m, const HidLayout* layout,
                                          uint16_t watch) {
  TT_VERIFY(watch < m.outputs, kBadArgument);
  app.model = &m;
  app.watch = watch;
  return hid::verdict_init(app.verdict, m, layout);
}

// One key press: KeyboardController's getModifiers() and getOemKey() (the HID usage ID).
template <uint16_t D, uint16_t H, uint16_t K>
inline KeyUpdate keyboard_press(KeyboardApp<D, H, K>& app, uint8_t mods, uint8_t key) {
  KeyUpdate u;
  u.changed = u.led = u.message = u.inexact = 0;
  u.line[0] = 0;
  const uint8_t inexact_before = app.verdict.editor.inexact;
  if (hid::verdict_feed_press(app.verdict, key, mods, &app.step) != kOk) return u;
  if (app.step.ended) {
    u.message = 1;
    u.inexact = (uint8_t)(inexact_before | (app.step.refused ? 1u : 0u));
    keyboard_format(*app.model, app.step.end_scores, u.line);
    u.led = model_positive(*app.model, app.step.end_scores, app.watch) ? 1u : 0u;
    return u;
  }
  if (app.step.changed) {
    hid::verdict_read(app.verdict, app.live);
    u.changed = 1;
    u.led = model_positive(*app.model, app.live, app.watch) ? 1u : 0u;
  }
  return u;
}

}  // namespace example
}  // namespace tt

#endif  // TT_EXAMPLE_KEYBOARD_VERDICT_H
