// The streaming kernel from text bytes to int32 sums: the sinks that add embedding rows (Hot,
// RunEmb, StaticEmb; model_read's pending word uses them too, read_sums), model_push and
// model_push_text, and the Thumb-1 loop for Cortex-M0. Freestanding C++11; included by model.h.
#ifndef TINYTEXT_DETAIL_PUSH_H
#define TINYTEXT_DETAIL_PUSH_H

#include "../config.h"
#include "../image.h"
#include "../pgm.h"
#include "../state.h"
#include "../tokenizer.h"

namespace tt {
namespace detail {

// Where the embedding rows are: read from a Model once per call (RunEmb), or constants of a
// StaticModel (StaticEmb, empty). bucket(hash) is the row index (feature_row: the exact table, if
// any, then the buckets), at(i) the address of byte i of the embedding.
struct RunEmb {
  const uint8_t* emb;
  uint32_t buckets;
  uint32_t groups;  // the exact table's groups G, 0 without one
  TT_INLINE void init(const Model& m) {
    emb = m.image + section_at(kSecEmbedding, model_shape(m));
    buckets = m.tokenizer.buckets;
    groups = m.groups;
  }
  TT_INLINE uint32_t bucket(uint32_t hash) const { return row(hash, buckets, groups, emb); }
  // Out of line: the sink is expanded in many places, the lookup once (a call where the bucket's
  // multiply was, so the generic path's code stays about the same size). The table's first slot
  // row (B, plus the text row) from the checked header; its fingerprints end where the embedding
  // starts (ImageSection).
  TT_NOINLINE static uint32_t row(uint32_t hash, uint32_t buckets, uint32_t groups, const uint8_t* emb) {
    if (!groups) return bucket_of(hash, buckets);
    const uint8_t* fp = emb - kTableWays * groups;
    const uint32_t first = buckets + ((TT_READ_BYTE(fp - kModelHeaderBytes + kHdrFlags) & kModelTextRow) ? 1u : 0u);
    return feature_row(hash, buckets, groups, fp, first);
  }
  TT_INLINE const uint8_t* at(uint32_t i) const { return emb + i; }
};
template <class S>
struct StaticEmb {
#if !TT_SMALL && defined(__GNUC__)
  // The bucket count in a register: GCC multiplies by a constant with a chain of shifts and
  // subtractions (3 Cortex-M0 instructions for 32704), one muls with the count in a register.
  // The empty asm hides the value from the optimiser; it stays S::buckets.
  uint32_t buckets;
  TT_INLINE void init(const StaticModel<S>&) {
    buckets = S::buckets;
    __asm__("" : "+r"(buckets));
  }
  TT_INLINE uint32_t bucket(uint32_t hash) const {
    if (!StaticModel<S>::groups) return bucket_of(hash, buckets);
    return table_row(hash);
  }
#else
  TT_INLINE void init(const StaticModel<S>&) {}
  TT_INLINE uint32_t bucket(uint32_t hash) const {
    if (!StaticModel<S>::groups) return bucket_of(hash, S::buckets);
    return table_row(hash);
  }
#endif
  // With an exact table: the lookup out of line (the sink is expanded in many places), its
  // addresses and counts constants.
  TT_NOINLINE static uint32_t table_row(uint32_t hash) {
    return feature_row(hash, S::buckets, StaticModel<S>::groups, S::image() + StaticModel<S>::kTableAt,
                       StaticModel<S>::kTableFirst);
  }
  TT_INLINE const uint8_t* at(uint32_t i) const { return S::image() + StaticModel<S>::kEmbAt + i; }
};
template <class M>
struct EmbOf {
  typedef RunEmb Type;
};
template <class S>
struct EmbOf<StaticModel<S> > {
  typedef StaticEmb<S> Type;
};

// The tokenizer's sink: adds the embedding row of each feature into the sums. Inline and used by
// value, so on the hot path (a word byte's character n-grams) the count and, for D == 1 (a binary
// linear model), the one sum stay in registers; the tokenizer's out-of-line parts copy it in and
// out. model_push and model_read use the same type, so those parts exist once. `dim` is
// min(m.dim, D): in bounds whatever model is passed.
template <uint16_t D, class E>
struct Hot : E {
  uint32_t count;
  int32_t* acc;
  uint16_t dim;
  TT_INLINE void operator()(uint32_t hash, uint8_t) { add_row(this->bucket(hash)); }
  // Adds embedding row r (a bucket) as one more feature.
  TT_INLINE void add_row(uint32_t r) {
    ++count;
    const uint8_t* row = this->at(r * dim);
    for (uint16_t d = 0; d < dim; ++d) acc[d] += rd_i8(row + d);
  }
  // Adds row r (the text row B) as c more features: c times the row, exact (|w c| <= 128 x 255
  // fits the int16 product).
  TT_INLINE void add_rows(uint32_t r, uint8_t c) {
    count += c;
    const uint8_t* row = this->at(r * dim);
    for (uint16_t d = 0; d < dim; ++d) acc[d] += (int16_t)((int8_t)TT_READ_BYTE(row + d) * (int16_t)c);
  }
};
template <class E>
struct Hot<1, E> : E {
  uint32_t count;
  int32_t acc0;
#if TT_SMALL
  // One out-of-line copy for the tokenizer's parts that take the sink by reference (AVR). Its
  // body repeats add_row's: calling add_row here cost 10 B of AVR flash and 2 B of stack.
  TT_INLINE void operator()(uint32_t hash, uint8_t) { add(*this, hash); }
  TT_NOINLINE static void add(Hot& h, uint32_t hash) {
    ++h.count;
    h.acc0 += rd_i8(h.at(h.bucket(hash)));
  }
#else
  TT_INLINE void operator()(uint32_t hash, uint8_t) { add_row(this->bucket(hash)); }
#endif
  TT_INLINE void add_row(uint32_t r) {
    ++count;
    acc0 += rd_i8(this->at(r));
  }
  TT_INLINE void add_rows(uint32_t r, uint8_t c) {
    count += c;
    acc0 += (int16_t)((int8_t)TT_READ_BYTE(this->at(r)) * (int16_t)c);
  }
};

// A sink of several dims is a loop: emit_char_ngrams expands it once.
template <uint16_t D, class E>
struct SinkIsSmall<Hot<D, E> > {
  static const bool value = D == 1;
};

template <uint16_t D, class E>
TT_INLINE void hot_sums(Hot<D, E>& h, int32_t* acc, uint16_t dim) {
  h.acc = acc;
  h.dim = dim;
}
template <class E>
TT_INLINE void hot_sums(Hot<1, E>& h, int32_t* acc, uint16_t) { h.acc0 = acc[0]; }
template <uint16_t D, class E>
TT_INLINE void hot_store(const Hot<D, E>&, int32_t*) {}
template <class E>
TT_INLINE void hot_store(const Hot<1, E>& h, int32_t* acc) { acc[0] = h.acc0; }

#if !TT_SMALL
// other_byte on a word's packed registers, its length and a sink held in locals (the same
// features; a sum does not depend on their order): the pending word ends (end_word: the n-grams
// that end with '>', the word, the bigram, word_reset); a punctuation byte is then a one-byte
// word, ended at once (one loop: end_word's code exists once). The n-grams inline, only the word
// hash's finish out of line. Used by push_run (inline) and other_run (model_push).
template <class Cfg, class Sink>
TT_INLINE void other_on_locals(const Cfg& c, TokenizerState& t, uint8_t b, uint8_t k, uint32_t& w, uint32_t& old,
                               uint32_t& len, Sink& hot) {
  for (;;) {
    if (len) {
      if (c.char_min)
        emit_char_ngrams_unordered(c, (w >> 8) | ((uint32_t)'>' << 24), (old >> 8) | (w << 24), len + 2u, hot);
      const uint32_t h = sfh_finish_packed(t.word.h ^ len, w, (uint8_t)(len & 3u));
      hot(h, (uint8_t)kFeatureWord);
      if (c.word_ngrams >= 2 && t.has_prev) hot(bigram_hash(t.prev, h), (uint8_t)kFeatureBigram);
      t.prev = h;
      t.has_prev = 1;
      t.word.h = kWordSeed;
      w = kWordOpen;
      old = 0;
      len = 0;
    }
    if (k != kPunct) return;
    k = kSeparator;
    // shift_in on a reset word (h = kWordSeed, w = kWordOpen, old = 0): no hash round at len 1
    w = (kWordOpen >> 8) | ((uint32_t)b << 24);
    len = 1;
    if (c.char_min) emit_char_ngrams_unordered(c, w, old, 2u, hot);
  }
}

// Whether model_push and push_run end words on locals (other_on_locals): a static
// configuration and a one-dim sink. Otherwise other_byte, whose n-grams are out of line (the
// chain of a run-time configuration, or the loop of a wider sink, is not expanded again).
template <class M, uint16_t D>
struct EndOnLocals {
  static const bool value = CharRange<typename M::Tokenizer>::fixed && D == 1;
};

// model_push's path for any byte but a word byte (b, of class k) when EndOnLocals:
// other_on_locals on the state, out of line.
template <class M, uint16_t D, uint16_t H, uint16_t K>
TT_COLD_CALL void other_run(typename ModelArg<M>::Type m, ModelState<D, H, K>& s, uint8_t b, uint8_t k) {
  Hot<D, typename EmbOf<M>::Type> hot;
  hot.init(m);
  hot.count = s.count;
  hot_sums(hot, s.acc, D == 1 ? 1 : m.dim < D ? m.dim : D);
  uint32_t w = s.tok.word.w, old = s.tok.old, len = s.tok.word.len;
  other_on_locals(m.tokenizer, s.tok, b, k, w, old, len, hot);
  s.tok.word.w = w;
  s.tok.word.len = len;
  s.tok.old = old;
  s.count = hot.count;
  hot_store(hot, s.acc);
}
#endif
}  // namespace detail

// Pushes one byte of text. O(features x D) int8 reads and adds; no allocation. Once
// kSaturateAt features were summed (a text of several megabytes), the rest of the text is
// ignored. A state that model_reset refused ignores every byte.
template <class M, uint16_t D, uint16_t H, uint16_t K>
inline void model_push(const M& m, ModelState<D, H, K>& s, uint8_t byte) {
  if (s.count >= s.limit) return;  // not reset, or saturated
  const uint16_t dim = D == 1 ? 1 : m.dim < D ? m.dim : D;
#if TT_SMALL
  // One sink for both paths: its set-up and store exist once (the hot path calls out of line anyway).
  detail::Hot<D, typename detail::EmbOf<M>::Type> sink;
  sink.init(m);
  sink.count = s.count;
  detail::hot_sums(sink, s.acc, dim);
  if (!tokenizer_word_byte(m.tokenizer, s.tok, byte, sink)) detail::other_byte(m.tokenizer, s.tok, byte, sink);
  s.count = sink.count;
  detail::hot_store(sink, s.acc);
#else
  const uint8_t k = byte_class(byte);
  if (detail::EndOnLocals<M, D>::value && k == kWordByte) {
    detail::Hot<D, typename detail::EmbOf<M>::Type> hot;  // never leaves this block: its fields stay in registers
    hot.init(m);
    hot.count = s.count;
    detail::hot_sums(hot, s.acc, dim);
    detail::word_byte(m.tokenizer, s.tok, word_byte_value(m.tokenizer, byte), hot);
    s.count = hot.count;
    detail::hot_store(hot, s.acc);
    return;
  }
  if (detail::EndOnLocals<M, D>::value) {
    detail::other_run<M>(m, s, byte, k);
    return;
  }
  {  // a run-time configuration (generic path): as before the static path
    detail::Hot<D, typename detail::EmbOf<M>::Type> hot;  // never leaves this block: its fields stay in registers
    hot.init(m);
    hot.count = s.count;
    detail::hot_sums(hot, s.acc, dim);
    if (tokenizer_word_byte(m.tokenizer, s.tok, byte, hot)) {
      s.count = hot.count;
      detail::hot_store(hot, s.acc);
      return;
    }
  }
  detail::Hot<D, typename detail::EmbOf<M>::Type> sink;
  sink.init(m);
  sink.count = s.count;
  detail::hot_sums(sink, s.acc, dim);
  detail::other_byte(m.tokenizer, s.tok, byte, sink);  // inline: its calls sit one frame above model_push
  s.count = sink.count;
  detail::hot_store(sink, s.acc);
#endif
}

namespace detail {

// TT_M0_ASM: model_push_text's runs in hand-written Thumb-1 (m0_push_run, below) for the one
// configuration it covers (M0Asm). 1 by default when compiling for a little-endian ARMv6-M core
// (Cortex-M0/M0+) with GCC or Clang and pgm.h's own TT_READ_BYTE (the loop reads the image with
// plain loads, so a project's own accessor, e.g. for external flash, keeps the C++ loop); define
// it 0 for push_run's C++ everywhere.
#ifndef TT_M0_ASM
#if defined(__GNUC__) && defined(__ARM_ARCH_6M__) && !defined(__ARMEB__) && !TT_SMALL && \
    defined(TT_READ_BYTE_IS_DEFAULT)
#define TT_M0_ASM 1
#else
#define TT_M0_ASM 0
#endif
#endif

// Whether model_push_text takes the assembly path: a StaticModel with D == 1, character 3-5
// grams, word bigrams, digits folded and no exact table (the exported 32 KB default for one
// output). Everything else runs push_run.
template <class M, uint16_t D>
struct M0Asm {
  static const bool value = false;
};
template <class S>
struct M0Asm<StaticModel<S>, 1> {
  static const bool value = S::char_min == 3 && S::char_max == 5 && S::word_ngrams == 2 &&
                            !(S::flags & kModelExactTable) &&  // its loop adds bucket rows only
                            (S::flags & kModelFoldDigits);     // and hashes every digit as '0'
  static_assert(!value || StaticModel<S>::kEmbAt == 40, "m0_push_run reads the embedding at image + 40");
};

#if TT_M0_ASM
// push_run for M0Asm in Thumb-1: the same state afterwards, bit for bit (w, old, len, h, prev,
// has_prev, count, acc[0]; the board digests and the bulk_edge workload compare it with the C++
// code). Why: GCC's Thumb-1 code for push_run keeps 9-10 live values in 8 low registers and
// spills; here every value stays in a register. sms32k_bulk: 88.9 -> 59.8 M0 instructions per
// byte, +124 B of code (docs/boards.md).
//
// Arguments: r0 p, r1 end, r2 the ModelState (offsets: push_bytes' static_assert), r3 the image
// (buckets from header bytes 12-14, the embedding at +40). Registers in the loop:
//   r0 idx = p - end, < 0     r4 buckets      r8  w of the last round (w at len = 4k)
//   r1 w                      r5 embedding    r9  acc[0]
//   r2 end                    r6, r7 scratch  r10 h (the word hash)
//   r3 len                                    r11 prev
//   [sp] the state                            r12 old of the last round
//                                             lr  count | has_prev << 31
// Invariants and the ways they differ from the C++ code:
// - old is not kept per byte: it is 0 below len 4, and changes only with bytes w shifts out;
//   the 5-gram reads that byte (w's low byte) before the shift. At a round (len % 4 == 0) r12
//   takes r8 (the open mark at a word's first round) and r8 takes w; at the run's end old =
//   (r12 >> 8 j) | (r8 << (32 - 8 j)), j = len % 4 (a register shift by 32 gives 0).
// - After a word ends, w is stale (w' of the '>' n-grams) until the next word byte: len 1
//   builds w from the open mark; the run's end stores kWordOpen for len 0.
// - The count is not incremented per feature: a word adds 3 len - 1 when it ends (its n-grams,
//   the word and the bigram: the C++ code's increments summed), one fewer without has_prev, one
//   more for len 1; a word open at either end of the run is corrected by F(len), the n-grams of
//   its bytes so far (0, 0, 1, then 3 len - 6). count < 2^24, so bit 31 carries has_prev: the
//   add of a word's count sets N = has_prev.
// - A word ends with its hash (sfh_finish_packed), the word and the bigram, then its n-grams
//   with '>' through the word bytes' n-gram code (r1 = (w >> 8) | '>' << 24, r6 = w's low byte),
//   which continues with the next byte. A punctuation byte after a word is read twice: the
//   word ends, then it is a one-byte word of its own.
__attribute__((naked, noinline)) inline void m0_push_run(const uint8_t*, const uint8_t*, void*, const uint8_t*) {
  __asm__ volatile(
      ".syntax unified\n"
      "  push {r4, r5, r6, r7, lr}\n"
      "  mov r4, r8\n"
      "  mov r5, r9\n"
      "  mov r6, r10\n"
      "  mov r7, r11\n"
      "  push {r4, r5, r6, r7}\n"
      "  push {r2}\n"  // [sp] the state
      "  mov r9, r3\n"  // the image, for now
      "  subs r0, r0, r1\n"  // idx = p - end
      "  mov r8, r1\n"
      "  ldr r1, [r2, #8]\n"  // w
      "  ldr r3, [r2, #4]\n"  // len
      "  ldr r7, =0x3C000000\n"  // kWordOpen: the last round's w before a word's 4th byte
      "  cmp r3, #4\n"
      "  blo .Ltt_in_round\n"
      "  ldr r4, [r2, #12]\n"  // old
      "  lsls r6, r3, #30\n"
      "  lsrs r6, r6, #27\n"  // 8 j, j = len & 3
      "  movs r7, r4\n"
      "  lsls r7, r6\n"
      "  mov r12, r7\n"  // the old of the last round: old << 8 j (its low bytes are never read)
      "  negs r6, r6\n"
      "  adds r6, #32\n"
      "  lsrs r4, r6\n"  // old >> (32 - 8 j): 0 for j = 0
      "  lsls r6, r3, #30\n"
      "  lsrs r6, r6, #27\n"
      "  movs r7, r1\n"
      "  lsls r7, r6\n"
      "  orrs r7, r4\n"  // the w of the last round: (w << 8 j) | (old >> (32 - 8 j))
      ".Ltt_in_round:\n"
      "  mov r6, r8\n"
      "  mov r8, r7\n"
      "  mov r7, r2\n"
      "  mov r2, r6\n"  // end
      "  mov r6, r9\n"
      "  ldrb r4, [r6, #12]\n"  // buckets: header bytes 12-14, little-endian (<= 65536)
      "  ldrb r5, [r6, #13]\n"
      "  lsls r5, r5, #8\n"
      "  orrs r4, r5\n"
      "  ldrb r5, [r6, #14]\n"
      "  lsls r5, r5, #16\n"
      "  orrs r4, r5\n"
      "  adds r6, #40\n"
      "  mov r5, r6\n"  // the embedding
      "  ldr r6, [r7, #0]\n"
      "  mov r10, r6\n"
      "  ldr r6, [r7, #16]\n"
      "  mov r11, r6\n"
      "  ldr r6, [r7, #32]\n"
      "  mov r9, r6\n"
      "  ldr r6, [r7, #24]\n"
      "  ldrb r7, [r7, #20]\n"  // has_prev: 0 or 1
      "  lsls r7, r7, #31\n"
      "  orrs r6, r7\n"
      // count -= F(len)
      "  cmp r3, #2\n"
      "  blo .Ltt_in_f\n"
      "  beq .Ltt_in_f1\n"
      "  lsls r7, r3, #1\n"
      "  adds r7, r7, r3\n"
      "  subs r7, #6\n"
      "  subs r6, r6, r7\n"
      "  b .Ltt_in_f\n"
      ".Ltt_in_f1:\n"
      "  subs r6, #1\n"
      ".Ltt_in_f:\n"
      "  mov lr, r6\n"
      "  cmp r0, #0\n"
      "  bne .Ltt_loop\n"
      "  b .Ltt_done\n"
      // A byte; the steady path: a lower-case byte, len >= 4 after it: three n-grams.
      ".Ltt_loop:\n"
      "  ldrb r6, [r2, r0]\n"
      "  lsls r7, r6, #24\n"
      "  subs r6, #97\n"
      "  cmp r6, #25\n"
      "  bhi .Ltt_notlower\n"
      ".Ltt_word:\n"  // r7 = the (lower-cased) byte << 24
      "  adds r3, #1\n"
      "  cmp r3, #3\n"
      "  bls .Ltt_short\n"
      "  uxtb r6, r1\n"  // the byte shifted out of w (old's top byte, after)
      "  lsrs r1, r1, #8\n"
      "  orrs r1, r7\n"  // w = (w >> 8) | (b << 24)
      "  lsls r7, r3, #30\n"
      "  beq .Ltt_round\n"
      ".Ltt_f5:\n"  // fold(w + (old >> 24) kCharMix) kCharMul5
      "  ldr r7, =0x9E3779B1\n"
      "  muls r6, r7\n"
      "  adds r6, r6, r1\n"
      "  lsrs r7, r6, #16\n"
      "  eors r6, r7\n"
      "  ldr r7, =0x165667B1\n"
      "  muls r6, r7\n"
      "  lsrs r6, r6, #16\n"
      "  muls r6, r4\n"
      "  lsrs r6, r6, #16\n"
      "  ldrsb r6, [r5, r6]\n"
      "  add r9, r6\n"
      ".Ltt_f4:\n"  // fold(w) kCharMul4
      "  lsrs r6, r1, #16\n"
      "  eors r6, r1\n"
      "  ldr r7, =0x27D4EB2F\n"
      "  muls r6, r7\n"
      "  lsrs r6, r6, #16\n"
      "  muls r6, r4\n"
      "  lsrs r6, r6, #16\n"
      "  ldrsb r6, [r5, r6]\n"
      "  add r9, r6\n"
      ".Ltt_f3:\n"  // fold(w >> 8) kCharMul3
      "  lsrs r6, r1, #8\n"
      "  lsrs r7, r1, #24\n"
      "  eors r6, r7\n"
      "  ldr r7, =0xC2B2AE3D\n"
      "  muls r6, r7\n"
      "  lsrs r6, r6, #16\n"
      "  muls r6, r4\n"
      "  lsrs r6, r6, #16\n"
      "  ldrsb r6, [r5, r6]\n"
      "  add r9, r6\n"
      ".Ltt_next:\n"
      "  adds r0, #1\n"
      "  bne .Ltt_loop\n"
      "  b .Ltt_done\n"
      ".Ltt_short:\n"  // len 1..3 (the flags of cmp r3, #3)
      "  beq .Ltt_s3\n"
      "  cmp r3, #2\n"
      "  beq .Ltt_s2\n"
      "  ldr r1, =0x003C0000\n"  // len 1: w from the open mark (w is stale after a word end)
      "  orrs r1, r7\n"
      "  adds r0, #1\n"
      "  bne .Ltt_loop\n"
      "  b .Ltt_done\n"
      ".Ltt_s3:\n"
      "  lsrs r1, r1, #8\n"
      "  orrs r1, r7\n"
      "  b .Ltt_f4\n"
      ".Ltt_s2:\n"
      "  lsrs r1, r1, #8\n"
      "  orrs r1, r7\n"
      "  b .Ltt_f3\n"
      ".Ltt_round:\n"  // StreamHash::word_round(h, w); r6 (the 5-gram's first byte) kept
      "  cmp r3, #4\n"
      "  bne .Ltt_round_n\n"
      "  ldr r7, =0x3C000000\n"  // a word's first round: the last round's w is the open mark
      "  mov r8, r7\n"
      ".Ltt_round_n:\n"
      "  mov r12, r8\n"
      "  mov r8, r1\n"
      "  push {r6}\n"
      "  mov r7, r10\n"
      "  uxth r6, r1\n"
      "  adds r7, r7, r6\n"
      "  lsrs r6, r1, #16\n"
      "  lsls r6, r6, #11\n"
      "  eors r6, r7\n"
      "  lsls r7, r7, #16\n"
      "  eors r7, r6\n"
      "  lsrs r6, r7, #11\n"
      "  adds r7, r7, r6\n"
      "  mov r10, r7\n"
      "  pop {r6}\n"
      "  b .Ltt_f5\n"
      ".Ltt_notlower:\n"  // byte_class on r6 = b - 'a', most frequent first
      "  adds r6, #97\n"
      "  cmp r6, #32\n"
      "  bls .Ltt_sep\n"
      "  subs r6, #65\n"
      "  cmp r6, #25\n"
      "  bls .Ltt_upper\n"
      "  adds r6, #17\n"
      "  cmp r6, #9\n"
      "  bls .Ltt_digit\n"
      "  adds r6, #48\n"
      "  cmp r6, #127\n"
      "  bhi .Ltt_word\n"  // >= 0x80
      "  beq .Ltt_sep\n"  // DEL
      "  cmp r3, #0\n"  // punctuation
      "  beq .Ltt_punct_word\n"
      "  subs r0, #1\n"  // end the pending word, then see this byte again
      "  b .Ltt_end\n"
      ".Ltt_punct_word:\n"  // a one-byte word of a reset state
      "  lsls r6, r6, #24\n"
      "  ldr r1, =0x003C0000\n"
      "  orrs r1, r6\n"
      "  movs r3, #1\n"
      "  b .Ltt_end\n"
      ".Ltt_upper:\n"
      "  adds r6, #97\n"
      "  lsls r7, r6, #24\n"
      "  b .Ltt_word\n"
      ".Ltt_digit:\n"  // folded (M0Asm: kModelFoldDigits): hashed as '0'
      "  movs r7, #3\n"
      "  lsls r7, r7, #28\n"
      "  b .Ltt_word\n"
      ".Ltt_sep:\n"
      "  cmp r3, #0\n"
      "  beq .Ltt_next\n"
      // The end of a word (len >= 1): its hash, the word, the bigram, word_reset, then the
      // n-grams with '>' through .Ltt_f5/f4/f3 (w' = (w >> 8) | '>' << 24 and r6 = w's low
      // byte, the old of w' on top), which continue with the next byte.
      ".Ltt_end:\n"  // sfh_finish_packed(h ^ len, w, len & 3) into r6
      "  mov r6, r10\n"
      "  eors r6, r3\n"
      "  lsls r7, r3, #31\n"  // N: bit 0 of len, C: bit 1
      "  bcs .Ltt_rem23\n"
      "  bpl .Ltt_avalanche\n"
      "  lsrs r7, r1, #24\n"
      "  adds r6, r6, r7\n"
      "  lsls r7, r6, #10\n"
      "  eors r6, r7\n"
      "  lsrs r7, r6, #1\n"
      "  adds r6, r6, r7\n"
      "  b .Ltt_avalanche\n"
      ".Ltt_rem23:\n"
      "  bmi .Ltt_rem3\n"
      "  lsrs r7, r1, #16\n"
      "  adds r6, r6, r7\n"
      "  lsls r7, r6, #11\n"
      "  eors r6, r7\n"
      "  lsrs r7, r6, #17\n"
      "  adds r6, r6, r7\n"
      "  b .Ltt_avalanche\n"
      ".Ltt_rem3:\n"
      "  lsrs r7, r1, #8\n"
      "  uxth r7, r7\n"
      "  adds r6, r6, r7\n"
      "  lsls r7, r6, #16\n"
      "  eors r6, r7\n"
      "  lsrs r7, r1, #24\n"
      "  lsls r7, r7, #18\n"
      "  eors r6, r7\n"
      "  lsrs r7, r6, #11\n"
      "  adds r6, r6, r7\n"
      ".Ltt_avalanche:\n"
      "  lsls r7, r6, #3\n"
      "  eors r6, r7\n"
      "  lsrs r7, r6, #5\n"
      "  adds r6, r6, r7\n"
      "  lsls r7, r6, #4\n"
      "  eors r6, r7\n"
      "  lsrs r7, r6, #17\n"
      "  adds r6, r6, r7\n"
      "  lsls r7, r6, #25\n"
      "  eors r6, r7\n"
      "  lsrs r7, r6, #6\n"
      "  adds r6, r6, r7\n"
      // the word
      "  lsrs r7, r6, #16\n"
      "  muls r7, r4\n"
      "  lsrs r7, r7, #16\n"
      "  ldrsb r7, [r5, r7]\n"
      "  add r9, r7\n"
      // count += 3 len - 1 (as if has_prev); N = has_prev
      "  lsls r7, r3, #1\n"
      "  adds r7, r7, r3\n"
      "  add r7, lr\n"
      "  subs r7, #1\n"
      "  mov lr, r7\n"
      "  bpl .Ltt_first\n"
      // the bigram; prev = h
      "  mov r7, r11\n"
      "  mov r11, r6\n"
      "  ldr r6, =0x9E3779B1\n"
      "  muls r7, r6\n"
      "  add r7, r11\n"
      "  lsrs r6, r7, #16\n"
      "  eors r7, r6\n"
      "  ldr r6, =0x85EBCA6B\n"
      "  muls r7, r6\n"
      "  lsrs r6, r7, #13\n"
      "  eors r7, r6\n"
      "  lsrs r7, r7, #16\n"
      "  muls r7, r4\n"
      "  lsrs r7, r7, #16\n"
      "  ldrsb r7, [r5, r7]\n"
      "  add r9, r7\n"
      ".Ltt_reset:\n"  // h; len below; w stays stale until the next word
      "  ldr r7, =0x2F0B3A49\n"  // kWordSeed
      "  mov r10, r7\n"
      "  uxtb r6, r1\n"
      "  lsrs r1, r1, #8\n"
      "  ldr r7, =0x3E000000\n"
      "  orrs r1, r7\n"
      "  cmp r3, #2\n"
      "  bls .Ltt_end_short\n"
      "  movs r3, #0\n"
      "  b .Ltt_f5\n"
      ".Ltt_end_short:\n"
      "  beq .Ltt_end2\n"
      "  movs r3, #0\n"  // len 1: one feature more than 3 len - 1
      "  mov r7, lr\n"
      "  adds r7, #1\n"
      "  mov lr, r7\n"
      "  b .Ltt_f3\n"
      ".Ltt_end2:\n"
      "  movs r3, #0\n"
      "  b .Ltt_f4\n"
      ".Ltt_first:\n"  // no bigram: one feature fewer; has_prev = 1
      "  mov r11, r6\n"
      "  subs r7, #1\n"
      "  movs r6, #1\n"
      "  lsls r6, r6, #31\n"
      "  orrs r7, r6\n"
      "  mov lr, r7\n"
      "  b .Ltt_reset\n"
      ".Ltt_done:\n"
      "  ldr r6, [sp]\n"
      "  cmp r3, #0\n"
      "  bne .Ltt_out_w\n"
      "  ldr r1, =0x3C000000\n"
      ".Ltt_out_w:\n"
      "  str r1, [r6, #8]\n"
      "  str r3, [r6, #4]\n"
      // old: 0 before a word's 4th byte, else from the last round's w and old
      "  movs r0, #0\n"
      "  cmp r3, #4\n"
      "  blo .Ltt_out_old\n"
      "  lsls r2, r3, #30\n"
      "  lsrs r2, r2, #27\n"
      "  mov r0, r12\n"
      "  lsrs r0, r2\n"
      "  negs r2, r2\n"
      "  adds r2, #32\n"
      "  mov r7, r8\n"
      "  lsls r7, r2\n"
      "  orrs r0, r7\n"
      ".Ltt_out_old:\n"
      "  str r0, [r6, #12]\n"
      "  mov r7, r10\n"
      "  str r7, [r6, #0]\n"
      "  mov r7, r11\n"
      "  str r7, [r6, #16]\n"
      "  mov r7, r9\n"
      "  str r7, [r6, #32]\n"
      "  mov r7, lr\n"
      "  lsrs r0, r7, #31\n"
      "  strb r0, [r6, #20]\n"
      "  lsls r7, r7, #1\n"
      "  lsrs r7, r7, #1\n"  // count += F(len)
      "  cmp r3, #2\n"
      "  blo .Ltt_out_f\n"
      "  beq .Ltt_out_f1\n"
      "  lsls r0, r3, #1\n"
      "  adds r0, r0, r3\n"
      "  subs r0, #6\n"
      "  adds r7, r7, r0\n"
      "  b .Ltt_out_f\n"
      ".Ltt_out_f1:\n"
      "  adds r7, #1\n"
      ".Ltt_out_f:\n"
      "  str r7, [r6, #24]\n"
      "  add sp, #4\n"
      "  pop {r4, r5, r6, r7}\n"
      "  mov r8, r4\n"
      "  mov r9, r5\n"
      "  mov r10, r6\n"
      "  mov r11, r7\n"
      "  pop {r4, r5, r6, r7, pc}\n"
      "  .ltorg\n");
}
#endif

// push_run's word byte on its locals: word_byte_value, then shift_in / StreamHash::push on w, old
// and len; the hash itself (every 4th byte) stays in the state.
template <class Cfg>
TT_INLINE void word_byte_on_locals(const Cfg& c, uint32_t& h, uint8_t b, uint32_t& w, uint32_t& old, uint32_t& len) {
  b = word_byte_value(c, b);
  old = (old >> 8) | (w << 24);
  w = (w >> 8) | ((uint32_t)b << 24);
  if ((++len & 3u) == 0) StreamHash::word_round(h, w);
}

// push_run's path for any other byte through the state: stores the locals, runs other_byte
// (inline, as model_push does) on a copy of the sink, and reloads them.
template <class Cfg, class Sink>
TT_INLINE void other_byte_via_state(const Cfg& c, TokenizerState& t, uint8_t b, uint32_t& w, uint32_t& old,
                                    uint32_t& len, Sink& hot) {
  t.word.w = w;
  t.word.len = len;
  t.old = old;
  Sink sink = hot;  // the out-of-line parts take it by reference
  other_byte(c, t, b, sink);
  hot = sink;
  w = t.word.w;
  len = t.word.len;
  old = t.old;
}

// The body of model_push_text: n bytes, none of which can reach the saturation limit (the caller
// checked). The word's packed registers, its hash, the count and (D == 1) the sum live in locals
// for the whole run, not in the state: a word byte loads and stores nothing but its n-grams' rows.
// Any other byte ends the word on the locals (EndOnLocals) or goes through the state.
template <class M, uint16_t D, uint16_t H, uint16_t K>
TT_NOINLINE void push_run(const M& m, ModelState<D, H, K>& s, const uint8_t* p, const uint8_t* end) {
  typedef Hot<D, typename EmbOf<M>::Type> Sink;
  const uint16_t dim = D == 1 ? 1 : m.dim < D ? m.dim : D;
  Sink hot;  // never address-taken: its fields stay in registers
  hot.init(m);
  hot.count = s.count;
  hot_sums(hot, s.acc, dim);
  uint32_t w = s.tok.word.w, old = s.tok.old, len = s.tok.word.len;
  for (; p != end; ++p) {
    const uint8_t b = *p;
    const uint8_t k = byte_class(b);
    if (k == kWordByte) {
      word_byte_on_locals(m.tokenizer, s.tok.word.h, b, w, old, len);
#if TT_SMALL
      if (m.tokenizer.char_min)
        emit_char_ngrams_cold<typename M::Tokenizer>(m.tokenizer, w, pack_old_len(old, len + 1u), hot);
#else
      if (m.tokenizer.char_min) emit_char_ngrams_unordered(m.tokenizer, w, old, len + 1u, hot);
#endif
#if !TT_SMALL
    } else if (EndOnLocals<M, D>::value) {
      other_on_locals(m.tokenizer, s.tok, b, k, w, old, len, hot);
#endif
    } else {
      other_byte_via_state(m.tokenizer, s.tok, b, w, old, len, hot);
    }
  }
  s.tok.word.w = w;
  s.tok.word.len = len;
  s.tok.old = old;
  s.count = hot.count;
  hot_store(hot, s.acc);
}

// One run of model_push_text: m0_push_run where it applies (called from here: no push_run frame
// around it), else push_run.
template <class M, uint16_t D, uint16_t H, uint16_t K>
TT_INLINE void push_bytes(const M& m, ModelState<D, H, K>& s, const uint8_t* p, const uint8_t* end) {
#if TT_M0_ASM
  if (M0Asm<M, D>::value) {
    typedef ModelState<D, H, K> St;
    static_assert(offsetof(St, tok) == 0 && offsetof(TokenizerState, word) == 0 && offsetof(StreamHash, h) == 0 &&
                      offsetof(StreamHash, len) == 4 && offsetof(StreamHash, w) == 8 &&
                      offsetof(TokenizerState, old) == 12 && offsetof(TokenizerState, prev) == 16 &&
                      offsetof(TokenizerState, has_prev) == 20 && offsetof(St, count) == 24 &&
                      offsetof(St, acc) == 32,
                  "m0_push_run reads and writes the state at these offsets");
    static_assert(kHdrBuckets == 12 && kModelHeaderBytes == 40,
                  "m0_push_run reads B at image + 12 and the embedding at image + 40");
    m0_push_run(p, end, &s, image_of(m));
    return;
  }
#endif
  push_run(m, s, p, end);
}
}  // namespace detail

// Pushes n bytes of text: the same as model_push for each, in one call (a bulk API for a text
// that is in memory: a received line, a buffer; not PROGMEM on an AVR). Cheaper per byte: the
// tokenizer state and the sums stay in registers across the bytes of a word. The saturation rule
// is model_push's (a byte is taken while count < kSaturateAt): runs of bytes that cannot reach
// the limit (at most kMaxPerByte features each), the last few before it one at a time.
template <class M, uint16_t D, uint16_t H, uint16_t K>
inline void model_push_text(const M& m, ModelState<D, H, K>& s, const uint8_t* p, size_t n) {
  while (n) {
    if (s.count >= s.limit) return;  // not reset, or saturated
    // Bytes of at most 15 features each that stay below the limit; at least one (count < limit:
    // model_push would take this byte too).
    const uint32_t room = (s.limit - s.count) >> 4;
    const size_t run = !room ? 1u : room < n ? (size_t)room : n;
    detail::push_bytes(m, s, p, p + run);
    p += run;
    n -= run;
  }
}

namespace detail {

// The sums model_read pools. D == 1: the one sum travels in the sink (no copy of s.acc);
// otherwise s.acc is copied into `copy` and the sink adds into that.
template <uint16_t D, class E>
TT_INLINE void read_sums(Hot<D, E>& h, const int32_t* acc, int32_t* copy, uint16_t dim) {
  for (uint16_t d = 0; d < D; ++d) copy[d] = acc[d];
  hot_sums(h, copy, dim);
}
template <class E>
TT_INLINE void read_sums(Hot<1, E>& h, const int32_t* acc, int32_t*, uint16_t) { h.acc0 = acc[0]; }
}  // namespace detail
}  // namespace tt

#endif  // TINYTEXT_DETAIL_PUSH_H
