// Keyboard in, verdict out: the one piece of glue between the HID decoder (tinytext/hid.h), the
// Backspace-exact editor (HidEditor) and the int8 streaming model (tinytext/model.h).
//
// Freestanding C++11 like the device runtime (only the tinytext device headers; no heap,
// exceptions, RTTI or float), because three programs share it and must compute the same thing:
//   * `tinytext hid` on the host (src/cli/cmd_hid.cc), for int8 models;
//   * the board workload targets/workloads/hid_roundtrip.cc (host, Cortex-M0+, ATmega328P);
//   * the MKR Zero example (examples/arduino-mkrzero/), through keyboard_verdict.h.
//
//   tt::hid::KeyboardVerdict<D, H, K, N> kv;      // N: bytes Backspace can always erase (1..255)
//   if (tt::hid::verdict_init(kv, model, tt::hid_layout_us()) != tt::kOk) { ...refuse... }
//   per boot report:  verdict_feed_report(kv, report, 8, &step)
//   per press event:  verdict_feed_press(kv, code, mods, &step)      (Arduino KeyboardController)
//   step.changed: the text changed (or a Backspace was refused); step.ended: Enter ended the
//   message. Read the scores with verdict_read(kv, scores) -- as if the text ended now -- then,
//   after an Enter, verdict_next(kv) starts the next message.
//
// A report can carry several new keys (up to six, rollover). Enter inside such a report ends the
// message at once: the keys after it in the same report begin the next message (the step reports
// the scores of the ended message in `end_scores` before that happens).
#ifndef TT_HID_VERDICT_H
#define TT_HID_VERDICT_H

#include "tinytext/config.h"
#include "tinytext/hid.h"
#include "tinytext/model.h"

namespace tt {
namespace hid {

// Bytes Backspace can always erase exactly (HidEditor's N) in `tinytext hid`, the board workload
// and the MKR Zero example. Older bytes are committed: a Backspace reaching them is refused and
// the message is marked inexact (docs/hid.md).
static const uint8_t kEditorBytes = 64;

// The Classifier HidEditor needs: the model's streaming state plus the model it belongs to.
template <uint16_t D, uint16_t H, uint16_t K>
struct ModelStream {
  const Model* model;
  ModelState<D, H, K> state;
  void reset() {
    // verdict_init checked that this model fits the state; a failure here leaves the state
    // not ready (pushes ignored, reads zero), never out of bounds.
    const Status s = model_reset(*model, state);
    (void)s;
  }
  void push(uint8_t b) { model_push(*model, state, b); }
};

template <uint16_t D, uint16_t H, uint16_t K, uint8_t N>
struct KeyboardVerdict {
  HidKeyboard keyboard;
  HidEditor<ModelStream<D, H, K>, N> editor;
  uint8_t ready;
};

// What one report or press did.
template <uint16_t K>
struct VerdictStep {
  uint8_t changed;       // text or Backspace events applied to the current message
  uint8_t ended;         // messages ended by Enter in this report (usually 0 or 1)
  uint8_t refused;       // Backspaces refused (the character was already committed, see HidEditor)
  uint8_t events;        // decoder events
  ModelScores<K> end_scores;  // the last ended message's scores (valid when ended > 0)
};

template <uint16_t D, uint16_t H, uint16_t K, uint8_t N>
TT_NODISCARD inline Status verdict_init(KeyboardVerdict<D, H, K, N>& v, const Model& m, const HidLayout* layout) {
  v.ready = 0;
  TT_VERIFY(layout != 0, kBadArgument);
  hid_keyboard_init(v.keyboard, layout);
  v.editor.committed.model = &m;
  v.editor.current.model = &m;
  v.editor.reset();
  TT_VERIFY(model_reset(m, v.editor.current.state) == kOk, kBadSize);  // the model fits ModelState<D, H, K>
  v.ready = 1;
  return kOk;
}

// True when the current message holds no text (nothing typed, or all of it erased).
template <uint16_t D, uint16_t H, uint16_t K, uint8_t N>
inline bool verdict_empty(const KeyboardVerdict<D, H, K, N>& v) {
  return v.editor.len == 0 && v.editor.has_committed == 0;
}

// The current message's scores, as if it ended now.
template <uint16_t D, uint16_t H, uint16_t K, uint8_t N>
inline void verdict_read(const KeyboardVerdict<D, H, K, N>& v, ModelScores<K>& out) {
  model_read(*v.editor.current.model, v.editor.current.state, out);
}

// Starts the next message (after an Enter, or to drop the current one).
template <uint16_t D, uint16_t H, uint16_t K, uint8_t N>
inline void verdict_next(KeyboardVerdict<D, H, K, N>& v) {
  v.editor.reset();
}

namespace detail {

template <uint16_t D, uint16_t H, uint16_t K, uint8_t N, class Observer>
inline void verdict_apply(KeyboardVerdict<D, H, K, N>& v, const HidEvent* ev, uint8_t n, VerdictStep<K>* step,
                          Observer& observer) {
  step->events = (uint8_t)(step->events + n);
  for (uint8_t i = 0; i < n; ++i) {
    bool end = false;
    const Status s = v.editor.apply(ev[i], &end);
    observer(v, ev[i], s);
    if (end) {
      verdict_read(v, step->end_scores);
      ++step->ended;
      verdict_next(v);
    } else if (s == kOverflow) {
      ++step->refused;
      ++step->changed;
    } else {
      ++step->changed;
    }
  }
}

struct NoObserver {
  template <class V>
  void operator()(const V&, const HidEvent&, Status) {}
};

template <uint16_t K>
inline void step_clear(VerdictStep<K>* step) {
  step->changed = step->ended = step->refused = step->events = 0;
}

// The decoders verdict_feed takes: one boot report, or one key press.
struct ReportInput {
  static const uint8_t kMaxEvents = kHidMaxEventsPerReport;
  const uint8_t* report;
  size_t len;
  Status decode(HidKeyboard& kb, HidEvent* ev, uint8_t* n) const {
    return hid_feed_report(kb, report, len, ev, kMaxEvents, n);
  }
};
struct PressInput {
  static const uint8_t kMaxEvents = kHidMaxEventsPerKey;
  uint8_t code, mods;
  Status decode(HidKeyboard& kb, HidEvent* ev, uint8_t* n) const { return hid_feed_press(kb, code, mods, ev, kMaxEvents, n); }
};

// Decodes `in` and applies its events; nothing changes when the decoder refuses it.
template <uint16_t D, uint16_t H, uint16_t K, uint8_t N, class Input, class Observer>
TT_NODISCARD inline Status verdict_feed(KeyboardVerdict<D, H, K, N>& v, const Input& in, VerdictStep<K>* step,
                                        Observer& observer) {
  TT_VERIFY(step != 0, kBadArgument);
  step_clear(step);
  TT_VERIFY(v.ready, kBadArgument);
  HidEvent ev[Input::kMaxEvents];
  uint8_t n = 0;
  const Status s = in.decode(v.keyboard, ev, &n);
  if (s != kOk) return s;
  verdict_apply(v, ev, n, step, observer);
  return kOk;
}

}  // namespace detail

// One boot report (kHidReportSize bytes). kBadSize for another length; kBadArgument before
// verdict_init succeeded. Nothing changes on an error.
// `observer(v, event, status)` is called after each event is applied (for an End, before the
// next message starts, so verdict_read still gives the ended message); status is the editor's:
// kOverflow for a refused Backspace.
template <uint16_t D, uint16_t H, uint16_t K, uint8_t N, class Observer>
TT_NODISCARD inline Status verdict_feed_report(KeyboardVerdict<D, H, K, N>& v, const uint8_t* report, size_t len,
                                               VerdictStep<K>* step, Observer& observer) {
  const detail::ReportInput in = {report, len};
  return detail::verdict_feed(v, in, step, observer);
}

template <uint16_t D, uint16_t H, uint16_t K, uint8_t N>
TT_NODISCARD inline Status verdict_feed_report(KeyboardVerdict<D, H, K, N>& v, const uint8_t* report, size_t len,
                                               VerdictStep<K>* step) {
  detail::NoObserver none;
  return verdict_feed_report(v, report, len, step, none);
}

// One key press (code, modifiers), as Arduino's KeyboardController::OnKeyDown reports it.
template <uint16_t D, uint16_t H, uint16_t K, uint8_t N>
TT_NODISCARD inline Status verdict_feed_press(KeyboardVerdict<D, H, K, N>& v, uint8_t code, uint8_t mods,
                                              VerdictStep<K>* step) {
  const detail::PressInput in = {code, mods};
  detail::NoObserver none;
  return detail::verdict_feed(v, in, step, none);
}

}  // namespace hid
}  // namespace tt

#endif  // TT_HID_VERDICT_H
