// The int8 model runtime: full-integer inference of a quantised tinytext model, streaming one
// byte at a time. Freestanding C++11: no heap, no exceptions, no RTTI, no float; only
// <stdint.h>/<stddef.h> (and <avr/pgmspace.h> on AVR through pgm.h). Include this header.
//
//   tt::Model m;
//   if (tt::model_open(m, spam_model_data, spam_model_size) != tt::kOk) { ...refuse... }
//   tt::ModelState<16, 0, 1> st;            // or the generated spam_state type
//   if (tt::model_reset(m, st) != tt::kOk) { ...model too large for this state... }
//   for each byte b: tt::model_push(m, st, b);
//   tt::ModelScores<1> sc;
//   tt::model_read(m, st, sc);               // as if the text ended now; st keeps going
//   sc.prob[0] (Q15), sc.logit[0] (Q16.16), tt::model_positive(m, sc, 0)
//
// The calls, in the order of use (M is a Model or a StaticModel; each is documented where it is
// defined):
//   model_open(Model&, image, size) -> Status       image.h: checks an image once, fills the Model
//   model_reset(m, state) -> Status                 below: starts a new text
//   model_push(m, state, byte)                      detail/push.h: one byte of text
//   model_push_text(m, state, p, n)                 detail/push.h: n bytes in RAM at once, as
//                                                   model_push per byte would
//   model_read(m, state, scores)                    below: the scores as if the text ended now
//   model_positive(m, scores, k), model_threshold(m, k), model_label(m, k, buf, cap),
//   model_id(m), model_text_row_count(m)            below
// A model compiled in uses the generated spam_model type instead of Model (tt::StaticModel,
// image.h: the shape checked at build time, no model_open, the same calls).
//
// The model is one byte image (the "device image", docs/model-format.md and docs/export.md give
// its layout; image.h owns it): a 40-byte header, the int8/int32 tensors and fixed-point
// requantisation parameters, the labels, and a CRC-32. The image stays in flash (PROGMEM on AVR);
// every read of it goes through TT_READ_BYTE (pgm.h). The stages: tokenizer.h (bytes to feature
// hashes), detail/push.h (hashes to int32 sums), detail/layers.h (pooling, dense layers, head),
// detail/numerics.h (the integer arithmetic they share).
//
// Numerics (docs/numerics.md): int32 sums of int8 embedding columns; pooling by a factor (a
// Newton reciprocal square root, once per read) and the requantiser; int16 activations; int32
// accumulators; every requantisation is x * mult / 2^shift with mult, shift computed on the host,
// evaluated in 32-bit arithmetic (mult to 16 bits), rounded half away from zero, saturated to the
// destination range. Logits are Q16.16; probabilities Q15 (sigmoid from a table and its Taylor
// series; softmax from exp and a shift-subtract division). No 64-bit arithmetic and no libgcc
// division on the device.
#ifndef TINYTEXT_MODEL_H
#define TINYTEXT_MODEL_H

#include "config.h"
#include "detail/layers.h"
#include "detail/push.h"  // model_push, model_push_text
#include "image.h"        // Model, StaticModel, model_open
#include "pgm.h"
#include "state.h"  // ModelState, ModelScores
#include "tokenizer.h"

namespace tt {

// Starts a new text. Refuses (kBadSize) a model larger than the state's template sizes, or an
// unopened model (kBadArgument); model_push then ignores bytes and model_read gives zeros.
template <class M, uint16_t D, uint16_t H, uint16_t K>
TT_NODISCARD inline Status model_reset(const M& m, ModelState<D, H, K>& s) {
#if TT_SMALL
  // Every byte zeroed by one loop (avr-libc's memset if gcc makes it one), then the two fields
  // that start non-zero: the same state as below in a fraction of the AVR code (an AVR stores
  // one byte per 4-byte instruction).
  uint8_t* p = (uint8_t*)&s;
  for (uint16_t i = 0; i < sizeof s; ++i) p[i] = 0;
  s.tok.word.h = kWordSeed;
  s.tok.word.w = detail::kWordOpen;
#else
  s.limit = 0;
  tokenizer_reset(s.tok);
  s.count = 0;
  for (uint16_t d = 0; d < D; ++d) s.acc[d] = 0;
#endif
  TT_VERIFY(detail::model_ready(m), kBadArgument);
  TT_VERIFY(m.dim <= D && m.hidden <= H && m.outputs <= K, kBadSize);
  s.limit = kSaturateAt;
  return kOk;
}

// The scores as if the text ended now. `s` is not changed: its pending word's features are
// added into a copy of the sums (D == 1: a register), the tokenizer state is only read.
template <class M, uint16_t D, uint16_t H, uint16_t K>
TT_INLINE void model_read(const M& m, const ModelState<D, H, K>& s, ModelScores<K>& out) {
  detail::read<M>(m, s, out);
}

// The decision threshold of output k as a Q16.16 logit (sigmoid heads).
template <class M>
inline int32_t model_threshold(const M& m, uint16_t k) {
  TT_ASSERT(k < m.outputs);
  if (k >= m.outputs) return detail::kInt32Max;
  return detail::rd_i32(detail::image_of(m) + detail::section_of(m, kSecThresholds) + 4u * (uint32_t)k);
}

// The model's verdict for output k: softmax, k is the argmax; sigmoid, logit >= threshold.
template <class M, uint16_t K>
inline bool model_positive(const M& m, const ModelScores<K>& s, uint16_t k) {
  if (k >= m.outputs || k >= K) return false;
  if (m.flags & kModelSoftmax) return s.best == k;
  return s.logit[k] >= model_threshold(m, k);
}

// How many times model_read counts the text row: c (1 .. 255); 0 for a model without the row.
template <class M>
inline uint8_t model_text_row_count(const M& m) {
  return detail::model_ready(m) && (m.flags & kModelTextRow) ? detail::text_row_count(m) : (uint8_t)0;
}

// The CRC-32 of the float model the image was quantised from (header field kHdrParentCrc).
template <class M>
inline uint32_t model_id(const M& m) {
  return detail::model_ready(m) ? detail::rd_u32(detail::image_of(m) + kHdrParentCrc) : 0u;
}

// Copies the name of output k (NUL-terminated) into buf[0, cap). kOverflow (and an empty
// string when cap > 0) if it does not fit; kBadArgument for k out of range.
template <class M>
TT_NODISCARD inline Status model_label(const M& m, uint16_t k, uint8_t* buf, uint16_t cap) {
  TT_VERIFY(cap > 0 && buf != 0, kBadArgument);
  buf[0] = 0;
  TT_VERIFY(detail::model_ready(m) && k < m.outputs, kBadArgument);
  FlashAddr p = detail::image_of(m) + detail::section_of(m, kSecLabels);
  const FlashAddr end = p + detail::rd_u16(detail::image_of(m) + kHdrLabelBytes);
  for (uint16_t i = 0; i < k; ++i) {
    while (TT_READ_BYTE(p) != 0) ++p;
    ++p;
  }
  uint16_t n = 0;
  while (p < end) {
    const uint8_t c = TT_READ_BYTE(p++);
    if (n >= cap) {
      buf[0] = 0;
      return kOverflow;
    }
    buf[n++] = c;
    if (c == 0) return kOk;
  }
  buf[0] = 0;
  return kBadSize;
}

}  // namespace tt

#endif  // TINYTEXT_MODEL_H

