// The streaming kernel from text bytes to int32 sums: tokenizer.h's detail::tokenize (bytes to
// feature hashes) into Sums (each hash's embedding row added to the sums), behind model_push and
// model_push_text; model_read's pending word uses Sums too (detail/layers.h). One body for every
// model: a StaticModel and a Model differ only in where the shape comes from (constants of the
// spec, or fields model_open filled), so with a StaticModel every shape test folds. Freestanding
// C++11; included by model.h.
#ifndef TINYTEXT_DETAIL_PUSH_H
#define TINYTEXT_DETAIL_PUSH_H

#include "../config.h"
#include "../image.h"
#include "../pgm.h"
#include "../state.h"
#include "../tokenizer.h"

namespace tt {
namespace detail {

// Where the embedding and the exact table's fingerprints are (image.h's sections; constants for
// a StaticModel), and the table's first slot row (B, plus the text row), for either kind of model.
template <class M>
TT_INLINE FlashAddr emb_of(const M& m) {
  return image_of(m) + section_at(kSecEmbedding, model_shape(m));
}
template <class M>
TT_INLINE uint32_t table_first(const M& m) {
  return m.tokenizer.buckets + ((m.flags & kModelTextRow) ? 1u : 0u);
}
template <class M>
TT_INLINE FlashAddr table_fingerprints(const M& m) {
  return image_of(m) + section_at(kSecFingerprints, model_shape(m));
}

// image_row (feature_row on the image's sorted groups) with the model's table. Expanded in
// table_weight and in a wider model's Sums::add, both out of line: once per model type, not at
// every feature of the kernel (inline there, the static model_push path passes the 2 KB of M0 code).
template <class M>
TT_INLINE uint32_t table_row(typename ModelArg<M>::Type m, uint32_t hash) {
  return image_row(hash, m.tokenizer.buckets, m.groups, table_fingerprints(m), table_first(m));
}

// The weight of a feature hash in a one-dim model with a table, out of line: the kernel's loop
// keeps no embedding address in a register for it.
template <class M>
TT_NOINLINE int32_t table_weight(typename ModelArg<M>::Type m, uint32_t hash) {
  return rd_i8(emb_of(m) + table_row<M>(m, hash));
}

// The embedding row of a feature hash (image_row): without a table the bucket, inline.
template <class M>
TT_INLINE uint32_t model_row(const M& m, uint32_t hash) {
  if (!m.groups) return bucket_of(hash, m.tokenizer.buckets);
  return table_row<M>(m, hash);
}

// The tokenizer's sink: adds each feature's embedding row into the sums (it does not count:
// tokenize counts per word). Used by value, so the sum of a one-dim model stays in a register for
// a whole run, and its add (one load) is inline; a wider row is a loop, added by one out-of-line
// copy. `dim` is min(m.dim, D): in bounds whatever model is passed.
template <class M, uint16_t D>
struct Sums {
  typename ModelArg<M>::Type m;
  int32_t* acc;
  uint16_t dim;
  TT_INLINE Sums(const M& model, int32_t* sums) : m(model), acc(sums), dim(model.dim < D ? model.dim : D) {}
  TT_INLINE void operator()(uint32_t hash, uint8_t) { add(*this, hash); }
  TT_NOINLINE static void add(const Sums& s, uint32_t hash) { s.add_rows(model_row(s.m, hash), 1); }
  TT_INLINE void store(int32_t*) const {}
  // Adds row r c times (the text row: c <= 255, so |w c| fits the int16 product).
  TT_INLINE void add_rows(uint32_t r, uint8_t c) const {
    const FlashAddr row = emb_of(m) + r * dim;
    for (uint16_t d = 0; d < dim; ++d) acc[d] += (int16_t)((int8_t)TT_READ_BYTE(row + d) * (int16_t)c);
  }
};
// With TT_SMALL (AVR) the one-dim add is out of line too: one copy of the bucket's 32-bit product
// and the flash read.
#if TT_SMALL
#define TT_SUM_ONE TT_NOINLINE
#else
#define TT_SUM_ONE TT_INLINE
#endif
template <class M>
struct Sums<M, 1> {
  typename ModelArg<M>::Type m;
  int32_t acc0;
  uint32_t buckets;
  // The bucket count in a register: for a constant GCC multiplies with shifts and subtractions (4
  // Cortex-M0 instructions for 32,704), with the count in a register one muls. The empty asm hides
  // the value from the optimiser (it stays m.tokenizer.buckets).
  TT_INLINE Sums(const M& model, const int32_t* sums) : m(model), acc0(sums[0]), buckets(model.tokenizer.buckets) {
#if !TT_SMALL && defined(__GNUC__)
    if (!model.groups) __asm__("" : "+r"(buckets));
#endif
  }
  TT_INLINE void operator()(uint32_t hash, uint8_t) { add(*this, hash); }
  TT_SUM_ONE static void add(Sums& s, uint32_t hash) {
    s.acc0 += s.m.groups ? table_weight<M>(s.m, hash) : rd_i8(emb_of(s.m) + bucket_of(hash, s.buckets));
  }
  TT_INLINE void store(int32_t* sums) const { sums[0] = acc0; }
  TT_INLINE void add_rows(uint32_t r, uint8_t c) {
    acc0 += (int16_t)((int8_t)TT_READ_BYTE(emb_of(m) + r) * (int16_t)c);
  }
};

// A sink that counts the features it passes on (model_push's word byte: tokenize counts per word).
template <class Sink>
struct Counting {
  Sink sink;
  uint32_t count;
  TT_INLINE void operator()(uint32_t hash, uint8_t kind) {
    ++count;
    sink(hash, kind);
  }
};

// The bytes [p, end) into the state, none of which can reach the saturation limit (the caller
// checked). model_push and model_push_text call this one copy.
template <class M, uint16_t D>
TT_NOINLINE void push_run(typename ModelArg<M>::Type m, SumsState<D>& s, const uint8_t* p, const uint8_t* end) {
  Sums<M, D> sums(m, s.acc);  // never address-taken: a one-dim sum stays in a register
  uint32_t count = s.count;
  tokenize(m.tokenizer, s.tok, p, end, sums, count);
  s.count = count;
  sums.store(s.acc);
}

}  // namespace detail

// Pushes one byte of text. O(features x D) int8 reads and adds; no allocation. Once
// kSaturateAt features were summed (a text of several megabytes), the rest of the text is
// ignored. A state that model_reset refused ignores every byte.
template <class M, uint16_t D, uint16_t H, uint16_t K>
inline void model_push(const M& m, ModelState<D, H, K>& s, uint8_t byte) {
  if (s.count >= s.limit) return;  // not reset, or saturated
#if !TT_SMALL
  // A word byte (most bytes of a text) without a run around it: tokenize's word_byte on the state,
  // its features counted one by one. With TT_SMALL every byte takes the run (less code).
  if (byte_class(byte) == kWordByte) {
    detail::Sums<M, D> sums(m, s.acc);
    detail::Counting<detail::Sums<M, D> > sink = {sums, s.count};
    detail::word_byte(m.tokenizer, s.tok, word_byte_value(m.tokenizer, byte), sink);
    s.count = sink.count;
    sink.sink.store(s.acc);
    return;
  }
#endif
  detail::push_run<M>(m, s, &byte, &byte + 1);
}

// Pushes n bytes of text: the same as model_push for each, in one call (a bulk API for a text
// that is in memory: a received line, a buffer; not PROGMEM on an AVR). Cheaper per byte: the
// word and the sums stay in registers across the bytes. The saturation rule is model_push's (a
// byte is taken while count < kSaturateAt): runs of bytes that cannot reach the limit (at most
// kMaxPerByte features each), the last few before it one at a time.
template <class M, uint16_t D, uint16_t H, uint16_t K>
inline void model_push_text(const M& m, ModelState<D, H, K>& s, const uint8_t* p, size_t n) {
  while (n) {
    if (s.count >= s.limit) return;  // not reset, or saturated
    // Bytes of at most 15 features each that stay below the limit; at least one (count < limit:
    // model_push would take this byte too).
    const uint32_t room = (s.limit - s.count) >> 4;
    const size_t run = !room ? 1u : room < n ? (size_t)room : n;
    detail::push_run<M>(m, s, p, p + run);
    p += run;
    n -= run;
  }
}

}  // namespace tt

#endif  // TINYTEXT_DETAIL_PUSH_H
