// The streaming kernel from text bytes to int32 sums: tokenizer.h's detail::tokenize (bytes to
// feature hashes) into Sums (each hash's embedding row added to the sums), behind model_push and
// model_push_text; model_read's pending word uses Sums too (detail/layers.h). One portable body
// for every model: a StaticModel and a Model differ only in where the shape comes from (constants
// of the spec, or fields model_open filled), so with a StaticModel every shape test folds. On
// ARMv6-M a StaticModel runs arch/thumb1/push_run.h instead (TT_THUMB1_KERNEL below): the same
// results, checked against this one by the thumb1_kernel board workload. Freestanding C++11;
// included by model.h.
#ifndef TINYTEXT_DETAIL_PUSH_H
#define TINYTEXT_DETAIL_PUSH_H

#include "../config.h"
#include "../image.h"
#include "../pgm.h"
#include "../state.h"
#include "../tokenizer.h"

// TT_THUMB1_KERNEL: 1 when push_run of a StaticModel runs arch/thumb1/push_run.h, the kernel in
// Thumb-1 assembly: ARMv6-M (Cortex-M0/M0+) with GCC (its inline asm syntax; Clang keeps the
// portable kernel), unless TT_PORTABLE_KERNEL is defined (the portable kernel everywhere).
#if defined(__ARM_ARCH_6M__) && defined(__GNUC__) && !defined(__clang__) && !defined(TT_PORTABLE_KERNEL) && \
    !TT_SMALL
#define TT_THUMB1_KERNEL 1
#include "../arch/thumb1/push_run.h"
#else
#define TT_THUMB1_KERNEL 0
#endif

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

// image_row (feature_row on the image's sorted groups) with the model's table: a wider model's
// row, expanded in its Sums::add (out of line: once per model type).
template <class M>
TT_INLINE uint32_t table_row(typename ModelArg<M>::Type m, uint32_t hash) {
  return image_row(hash, m.tokenizer.buckets, m.groups, table_fingerprints(m), table_first(m));
}

// The weight of a feature hash in a one-dim model with a table: its slot's (table_slot) or its
// bucket's (`buckets`: m.tokenizer.buckets). A hit's weight is read from the slot's address (the
// slot rows parallel the fingerprints); misses (most features) fall through to the bucket.
template <class M>
TT_INLINE int32_t table_weight_inline(typename ModelArg<M>::Type m, uint32_t hash, const uint32_t& buckets) {
  const FlashAddr fp = table_fingerprints(m);
  const FlashAddr slot = table_slot(hash, m.groups, fp);
  if (TT_UNLIKELY(slot != 0)) return rd_i8(slot + (emb_of(m) + table_first(m) - fp));
  return rd_i8(emb_of(m) + bucket_of(hash, buckets));
}
// The same out of line: one copy for the sites that do not take it inline (Sums, Run).
template <class M>
TT_NOINLINE int32_t table_weight(typename ModelArg<M>::Type m, uint32_t hash) {
  return table_weight_inline<M>(m, hash, m.tokenizer.buckets);
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
// Run (one-dim models): 1 in push_run for a static model (RunInline), whose loop takes the
// character n-grams' table lookups inline (no call in the hot path: inline everywhere, the
// static model_push path passes the 2 KB of M0 code); 0 elsewhere, which call table_weight.
template <class M, uint16_t D, bool Run = false>
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
template <class M, bool Run>
struct Sums<M, 1, Run> {
  typename ModelArg<M>::Type m;
  int32_t acc0;
  uint32_t buckets;
  // The bucket count as a variable: for a constant GCC multiplies with shifts and subtractions (4
  // Cortex-M0 instructions for 32,704; 2 to make 2,560), with the count in a register (or one load
  // from the stack, with a table's lookup inline) one muls. The empty asm hides the value from the
  // optimiser (it stays m.tokenizer.buckets).
  TT_INLINE Sums(const M& model, const int32_t* sums) : m(model), acc0(sums[0]), buckets(model.tokenizer.buckets) {
#if !TT_SMALL && defined(__GNUC__)
    __asm__("" : "+r"(buckets));
#endif
  }
  // (kind is a constant at each of the tokenizer's call sites: with Run, the character n-grams,
  // most features, take the inline lookup; a word and a bigram the call.)
  TT_INLINE void operator()(uint32_t hash, uint8_t kind) {
    if (Run && kind == kFeatureChar && m.groups)
      acc0 += table_weight_inline<M>(m, hash, buckets);
    else
      add(*this, hash);
  }
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

// Whether push_run takes a one-dim table model's lookups inline: a StaticModel's (its constants
// fold), not with TT_SMALL; a Model's stay the one out-of-line table_weight (its run-time
// n-gram code would carry a copy per n-gram size).
template <class M>
struct RunInline {
  static const bool value = false;
};
template <class S>
struct RunInline<StaticModel<S> > {
  static const bool value = !TT_SMALL;
};

// The portable kernel: the bytes [p, end) into the state, none of which can reach the
// saturation limit (the caller checked).
template <class M, uint16_t D>
TT_INLINE void push_run_portable(typename ModelArg<M>::Type m, SumsState<D>& s, const uint8_t* p,
                                 const uint8_t* end) {
  // (never address-taken: a one-dim sum stays in a register)
  Sums<M, D, D == 1 && RunInline<M>::value> sums(m, s.acc);
  uint32_t count = s.count;
  SumsState<D>* ps = &s;  // (no register for it during the run)
  TT_SPILL(ps);
  tokenize(m.tokenizer, s.tok, p, end, sums, count);
  TT_SPILL(ps);
  ps->count = count;
  sums.store(ps->acc);
}

// The kernel push_run runs: the portable one, or an architecture's (arch/) for a StaticModel
// with TT_THUMB1_KERNEL (a Model's shape is known at run time only).
template <class M, uint16_t D>
struct RunKernel {
  static TT_INLINE void run(typename ModelArg<M>::Type m, SumsState<D>& s, const uint8_t* p, const uint8_t* end) {
    push_run_portable<M, D>(m, s, p, end);
  }
};
#if TT_THUMB1_KERNEL
template <class S, uint16_t D>
struct RunKernel<StaticModel<S>, D> {
  static TT_INLINE void run(StaticModel<S>, SumsState<D>& s, const uint8_t* p, const uint8_t* end) {
    push_run_thumb1<StaticModel<S>, D>(s, p, end);
  }
};
#endif

// The bytes [p, end) into the state (the same result from either kernel). model_push,
// model_push_text and model_read call this one copy.
template <class M, uint16_t D>
TT_NOINLINE void push_run(typename ModelArg<M>::Type m, SumsState<D>& s, const uint8_t* p, const uint8_t* end) {
  RunKernel<M, D>::run(m, s, p, end);
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
