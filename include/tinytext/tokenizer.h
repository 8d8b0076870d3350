// Tokenizers, streaming one byte at a time with bounded RAM.
//
// 1. SeedEncoder: bit-exact with the original Python encoder (HashedTextEncoder.py and the
//    notebook): Python lower(), split on ' ' only, empty pieces skipped, non-ASCII bytes dropped
//    per word, seed_py per word. Python's lower() leaves an ASCII letter behind for exactly two
//    non-ASCII characters, U+0130 -> 'i' (+ U+0307) and U+212A -> 'k'; both are reproduced.
//
// 2. The default tokenizer (push/finish below), built for accuracy. Byte classes:
//      'A'-'Z'                      lower-cased, part of a word
//      'a'-'z', '0'-'9', >= 0x80    part of a word (non-ASCII bytes are hashed as they are;
//                                   digits as '0' with fold_digits)
//      ASCII punctuation            !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~ : a one-byte word of its own
//      anything else                separator (space, tab, CR, LF, other control bytes, DEL)
//    Each word yields, in this order: its character n-grams of "<word>" for n in
//    [char_min, char_max] ordered by end position then n (emitted as the bytes arrive), its
//    unigram, then the bigram with the previous word (word_ngrams == 2). Every feature is a 32-bit
//    hash; bucket_of() maps it to [0, buckets). RAM: sizeof(TokenizerState), whatever the text.
#ifndef TINYTEXT_TOKENIZER_H
#define TINYTEXT_TOKENIZER_H

#include "config.h"
#include "hash.h"
#include "pgm.h"  // TT_NOINLINE

// TT_COLD_CALL: an out-of-line function whose frame should stay small: GCC may not clone it
// with its arguments split into fields (which can push a fifth argument onto the caller's stack).
#ifndef TT_COLD_CALL
#if defined(__GNUC__) && !defined(__clang__)
#define TT_COLD_CALL TT_NOINLINE __attribute__((noclone))
#else
#define TT_COLD_CALL TT_NOINLINE
#endif
#endif

namespace tt {

// ---------------------------------------------------------------------------------------------
// Seed-compatible encoder.

// Streams a text; reports each word's seed_py value as its separator (or the end) arrives.
// Words of up to Cap ASCII bytes are exact; see SeedWordHasher for longer ones.
template <uint8_t Cap>
struct SeedEncoder {
  SeedWordHasher<Cap> word;
  uint8_t piece;  // the current ' '-split piece is non-empty (it may hold only non-ASCII)
  uint8_t utf8;   // 0, or how far into C4 B0 (1) / E2 84 AA (2, 3) we are

  void reset() {
    word.reset();
    piece = 0;
    utf8 = 0;
  }

  // Pushes one byte. Returns true when a word ended; *out is then its seed_py value.
  TT_NODISCARD bool push(uint8_t b, uint64_t* out) {
    if (b == ' ') {
      utf8 = 0;
      return finish(out);
    }
    piece = 1;
    if (b < 0x80u) {
      utf8 = 0;
      if (b >= 'A' && b <= 'Z') b = (uint8_t)(b + 32);
      word.push(b);
      return false;
    }
    // Non-ASCII: dropped, except the two characters whose lower() leaves an ASCII letter.
    if (utf8 == 1 && b == 0xB0u) {
      word.push('i');
      utf8 = 0;
    } else if (utf8 == 2 && b == 0x84u) {
      utf8 = 3;
    } else if (utf8 == 3 && b == 0xAAu) {
      word.push('k');
      utf8 = 0;
    } else {
      utf8 = (b == 0xC4u) ? 1 : (b == 0xE2u) ? 2 : 0;
    }
    return false;
  }

  // Ends the text. Returns true when a last word was pending; *out is then its value.
  TT_NODISCARD bool finish(uint64_t* out) {
    if (!piece) return false;
    *out = word.value();
    word.reset();
    piece = 0;
    return true;
  }
};

// Token id of the 12-bit scheme (0 is padding).
inline uint32_t seed12_id(uint64_t v) { return (uint32_t)(v & 0xFFFu) + 1u; }
// Token id of the notebook scheme: the unmasked value + 1.
inline uint64_t seed_notebook_id(uint64_t v) { return v + 1u; }
static const uint8_t kSeedNotebookWords = 8;

// ---------------------------------------------------------------------------------------------
// The default tokenizer.

static const uint8_t kMaxCharN = 6;  // longest character n-gram
static const uint32_t kMaxBuckets = 65536;
// The hashing scheme of the default tokenizer, recorded in the device image (header byte 19) and
// the model file so a model trained with another scheme is refused, not mis-scored.
// 1: character n-grams by backward FNV-1a + mix (until the boards work); 2: packed bytes times an
// odd constant (below). Words and bigrams hash alike in both.
static const uint8_t kTokenizerScheme = 2;

enum FeatureKind { kFeatureChar = 0, kFeatureWord = 1, kFeatureBigram = 2 };

struct TokenizerConfig {
  uint32_t buckets;     // 1 .. kMaxBuckets
  uint8_t word_ngrams;  // 1: unigrams; 2: unigrams and bigrams
  uint8_t char_min;     // 0: no character n-grams; else 2 .. char_max
  uint8_t char_max;     // char_min .. kMaxCharN
  uint8_t fold_digits;  // 1: every digit of a word is hashed as '0' (word_byte_value); 0: as it is
};

// The same configuration known at compile time. Its members are static constants read with the
// same syntax (c.char_min), so every tokenizer function below, a template on the configuration
// type, folds them: no character n-gram code without char_min, no bigram code for word_ngrams 1,
// bucket_of with a constant. An empty object; the checks of check_config are static_asserts.
template <uint32_t Buckets, uint8_t WordNgrams, uint8_t CharMin, uint8_t CharMax, uint8_t FoldDigits = 0>
struct StaticTokenizerConfig {
  static_assert(Buckets >= 1 && Buckets <= kMaxBuckets, "buckets must be in [1, 65536]");
  static_assert(WordNgrams == 1 || WordNgrams == 2, "word_ngrams must be 1 or 2");
  static_assert(CharMin == 0 || (CharMin >= 2 && CharMin <= CharMax && CharMax <= kMaxCharN),
                "char n-grams: 0, or 2 <= char_min <= char_max <= 6");
  static const uint32_t buckets = Buckets;
  static const uint8_t word_ngrams = WordNgrams;
  static const uint8_t char_min = CharMin;
  static const uint8_t char_max = CharMax;
  static const uint8_t fold_digits = FoldDigits;
  static_assert(FoldDigits <= 1, "fold_digits must be 0 or 1");
};
template <uint32_t B, uint8_t W, uint8_t L, uint8_t U, uint8_t F>
const uint32_t StaticTokenizerConfig<B, W, L, U, F>::buckets;
template <uint32_t B, uint8_t W, uint8_t L, uint8_t U, uint8_t F>
const uint8_t StaticTokenizerConfig<B, W, L, U, F>::word_ngrams;
template <uint32_t B, uint8_t W, uint8_t L, uint8_t U, uint8_t F>
const uint8_t StaticTokenizerConfig<B, W, L, U, F>::char_min;
template <uint32_t B, uint8_t W, uint8_t L, uint8_t U, uint8_t F>
const uint8_t StaticTokenizerConfig<B, W, L, U, F>::char_max;
template <uint32_t B, uint8_t W, uint8_t L, uint8_t U, uint8_t F>
const uint8_t StaticTokenizerConfig<B, W, L, U, F>::fold_digits;

// How the out-of-line parts receive a configuration: a run-time one by reference, a static one by
// value (an empty object: nothing to load, no address to pass). Callers name Cfg explicitly.
template <class Cfg>
struct CfgArg {
  typedef const Cfg& Type;
};
template <uint32_t B, uint8_t W, uint8_t L, uint8_t U, uint8_t F>
struct CfgArg<StaticTokenizerConfig<B, W, L, U, F> > {
  typedef StaticTokenizerConfig<B, W, L, U, F> Type;
};

TT_NODISCARD inline Status check_config(const TokenizerConfig& c) {
  TT_VERIFY(c.buckets >= 1 && c.buckets <= kMaxBuckets, kBadArgument);
  TT_VERIFY(c.word_ngrams == 1 || c.word_ngrams == 2, kBadArgument);
  TT_VERIFY(c.char_min == 0 || (c.char_min >= 2 && c.char_min <= c.char_max && c.char_max <= kMaxCharN),
            kBadArgument);
  TT_VERIFY(c.fold_digits <= 1, kBadArgument);
  return kOk;
}

// Maps a feature hash to a bucket in [0, buckets) with one 16x16-bit multiply (cheap on a
// Cortex-M0 and an AVR; no division). Uses the hash's top 16 bits only.
TT_INLINE uint16_t bucket_of(uint32_t hash, uint32_t buckets) {
  return (uint16_t)(((hash >> 16) * buckets) >> 16);
}

// Character n-gram hashes (scheme 2). An n-gram's bytes g[0..n-1] (oldest first): its last
// min(n, 4) bytes read as a little-endian integer x; for n = 5, 6 its first n - 4 bytes, again
// little-endian, times kCharMix are added to x (mod 2^32). The hash is (x ^ (x >> 16)) times
// kCharMul<n> (odd): the fold lets the newest bytes (x's top half) reach the product's top 16
// bits, all bucket_of uses, through the carries (without it Jigsaw 32K lost 0.005 AUC).
// src/tokenize/reference.cc computes it that way over whole strings; the streaming tokenizer
// from packed registers.
static const uint32_t kCharMix = 0x9E3779B1u;
static const uint32_t kCharMul2 = 0x85EBCA77u;
static const uint32_t kCharMul3 = 0xC2B2AE3Du;
static const uint32_t kCharMul4 = 0x27D4EB2Fu;
static const uint32_t kCharMul5 = 0x165667B1u;
static const uint32_t kCharMul6 = 0xCC9E2D51u;

// Bigram hash of two word hashes.
TT_INLINE uint32_t bigram_hash(uint32_t prev, uint32_t cur) {
  uint32_t h = prev * 0x9E3779B1u + cur;
  h ^= h >> 16;
  h *= 0x85EBCA6Bu;
  h ^= h >> 13;
  return h;
}

enum ByteClass { kSeparator = 0, kWordByte = 1, kPunct = 2 };

// Ranges tested in order of frequency in text: lower-case letters first.
TT_INLINE uint8_t byte_class(uint8_t b) {
  if ((uint8_t)(b - 'a') < 26u) return kWordByte;
  if (b <= ' ') return kSeparator;
  if (b >= 0x80u || (uint8_t)(b - 'A') < 26u || (uint8_t)(b - '0') < 10u) return kWordByte;
  return b == 0x7Fu ? kSeparator : kPunct;
}

// A word byte as it is hashed: 'A'-'Z' lower-cased; with fold_digits, '0'-'9' as '0' (numbers
// of one shape share their features: CV, docs/training.md round 9). Every C++ streaming path
// calls this one; the Thumb-1 loop (model.h) folds on its own and runs folded models only
// (M0Asm), and src/tokenize/reference.cc keeps its own copy on purpose (a second implementation
// for the tests).
template <class Cfg>
TT_INLINE uint8_t word_byte_value(const Cfg& c, uint8_t b) {
  if ((uint8_t)(b - 'A') < 26u) return (uint8_t)(b + 32);
  if (c.fold_digits && (uint8_t)(b - '0') < 10u) return '0';
  return b;
}

struct TokenizerState {
  StreamHash word;  // the current word's hash; word.len == 0 between words. word.w holds the
                    // last 4 bytes of "<word" (newest in the top byte): the n-grams read it
  uint32_t old;     // the bytes before word.w's, newest in the top byte (5- and 6-grams)
  uint32_t prev;    // hash of the previous word (bigrams)
  uint8_t has_prev;
};

namespace detail {

static const uint32_t kWordOpen = (uint32_t)'<' << 24;  // word.w at a word's start: "<"

TT_INLINE void word_reset(TokenizerState& s) {
  s.word.h = kWordSeed;
  s.word.len = 0;
  s.word.w = kWordOpen;
  s.old = 0;
}

}  // namespace detail

inline void tokenizer_reset(TokenizerState& s) {
  detail::word_reset(s);
  s.prev = 0;
  s.has_prev = 0;
}

namespace detail {

TT_INLINE uint32_t char_fold(uint32_t x) { return x ^ (x >> 16); }

// The n-gram lengths a configuration can emit: [2, 6] for a run-time one, [char_min, char_max]
// for a static one (so the code below has none for the others); `fixed`: known at compile time.
template <class Cfg>
struct CharRange {
  static const uint8_t lo = 2, hi = kMaxCharN;
  static const bool fixed = false;
};
template <uint32_t B, uint8_t W, uint8_t L, uint8_t U, uint8_t F>
struct CharRange<StaticTokenizerConfig<B, W, L, U, F> > {
  static const uint8_t lo = L, hi = U;
  static const bool fixed = true;
};

// Whether the n-gram code may be expanded twice for a sink (the usual case first, below): yes,
// unless the sink is a loop itself (model.h: the sums of several embedding dims).
template <class Sink>
struct SinkIsSmall {
  static const bool value = true;
};

// Emits the character n-grams of "<word" (or "<word>") that end at its newest byte, n in
// [char_min, min(char_max, len)] ascending; `len` is the length of the marked word so far. From
// the packed bytes: a shift, for n >= 5 a multiply-add, the fold, then one multiply each.
//
// A static configuration first tests for the usual case inside a word, len >= char_max: every n,
// one compare instead of a chain of them (the same features in the same order), unless the sink
// is too large to expand twice.
template <class Cfg, class Sink>
TT_INLINE void emit_char_ngrams(const Cfg& c, uint32_t w, uint32_t old, uint32_t len, Sink& sink) {
  typedef CharRange<Cfg> R;
  if (R::fixed && SinkIsSmall<Sink>::value && R::lo && len >= R::hi) {
    if (R::lo <= 2) sink(char_fold(w >> 16) * kCharMul2, (uint8_t)kFeatureChar);
    if (R::lo <= 3 && R::hi >= 3) sink(char_fold(w >> 8) * kCharMul3, (uint8_t)kFeatureChar);
    if (R::lo <= 4 && R::hi >= 4) sink(char_fold(w) * kCharMul4, (uint8_t)kFeatureChar);
    if (R::lo <= 5 && R::hi >= 5) sink(char_fold(w + (old >> 24) * kCharMix) * kCharMul5, (uint8_t)kFeatureChar);
    if (R::hi >= 6) sink(char_fold(w + (old >> 16) * kCharMix) * kCharMul6, (uint8_t)kFeatureChar);
    return;
  }
  const uint8_t lo = c.char_min;
  const uint8_t hi = len < c.char_max ? (uint8_t)len : c.char_max;
  if (hi < lo) return;  // (only at the start of a word)
  if (lo <= 2) {
    sink(char_fold(w >> 16) * kCharMul2, (uint8_t)kFeatureChar);
    if (hi == 2) return;
  }
  if (lo <= 3) {
    sink(char_fold(w >> 8) * kCharMul3, (uint8_t)kFeatureChar);
    if (hi == 3) return;
  }
  if (lo <= 4) {
    sink(char_fold(w) * kCharMul4, (uint8_t)kFeatureChar);
    if (hi == 4) return;
  }
  if (lo <= 5) {
    sink(char_fold(w + (old >> 24) * kCharMix) * kCharMul5, (uint8_t)kFeatureChar);
    if (hi == 5) return;
  }
  sink(char_fold(w + (old >> 16) * kCharMix) * kCharMul6, (uint8_t)kFeatureChar);
}

// The same n-grams for a sink whose result does not depend on their order (model_push_text's
// sums): a static configuration emits them by descending n, one compare each (no copy of the code
// for the usual case); a run-time one as emit_char_ngrams.
template <class Cfg, class Sink>
TT_INLINE void emit_char_ngrams_unordered(const Cfg& c, uint32_t w, uint32_t old, uint32_t len, Sink& sink) {
  typedef CharRange<Cfg> R;
  if (!R::fixed) return emit_char_ngrams(c, w, old, len, sink);
  if (!R::lo) return;
  if (R::hi >= 6 && len >= 6) sink(char_fold(w + (old >> 16) * kCharMix) * kCharMul6, (uint8_t)kFeatureChar);
  if (R::lo <= 5 && R::hi >= 5 && len >= 5) sink(char_fold(w + (old >> 24) * kCharMix) * kCharMul5, (uint8_t)kFeatureChar);
  if (R::lo <= 4 && R::hi >= 4 && len >= 4) sink(char_fold(w) * kCharMul4, (uint8_t)kFeatureChar);
  if (R::lo <= 3 && R::hi >= 3 && len >= 3) sink(char_fold(w >> 8) * kCharMul3, (uint8_t)kFeatureChar);
  if (R::lo <= 2 && len >= 2) sink(char_fold(w >> 16) * kCharMul2, (uint8_t)kFeatureChar);
}

// The same, out of line and on a copy of the sink: the cold paths (end of a word, punctuation)
// share this one copy; only the hot path (word_byte in model_push) has its own, inline. Four
// arguments (all in registers on a Cortex-M0, so no outgoing-argument area on the caller's
// frame): the n-grams read only old's top 16 bits, so its low byte carries min(len, 255).
TT_INLINE uint32_t pack_old_len(uint32_t old, uint32_t len) { return (old & 0xFFFF0000u) | (len < 255u ? len : 255u); }

// The multiplier of the n-grams of n bytes, n in [2, 6] (a chain of selects, not a switch: a
// switch table would land in RAM on an AVR). Used by the TT_SMALL loop below.
TT_INLINE uint32_t char_mul_of(uint8_t n) {
  return n == 2 ? kCharMul2 : n == 3 ? kCharMul3 : n == 4 ? kCharMul4 : n == 5 ? kCharMul5 : kCharMul6;
}
template <uint8_t Lo, uint8_t Hi>
TT_INLINE uint32_t char_mul(uint8_t n) {  // n in [Lo, Hi]
  return (Lo <= 2 && Hi > 2 && n == 2)   ? kCharMul2
         : (Lo <= 3 && Hi > 3 && n == 3) ? kCharMul3
         : (Lo <= 4 && Hi > 4 && n == 4) ? kCharMul4
         : (Lo <= 5 && Hi > 5 && n == 5) ? kCharMul5
                                         : char_mul_of(Hi);
}

// With TT_SMALL (AVR) a loop over n: the same hashes in the same order as emit_char_ngrams,
// with the sink expanded once (about 270 bytes less AVR flash, about 12% more cycles per byte,
// since the AVR's hot path calls this copy too). Elsewhere the unrolled form (a loop costs the
// M0 about 8% more instructions per byte for 80 bytes).
template <class Cfg, class Sink>
TT_COLD_CALL void emit_char_ngrams_cold(typename CfgArg<Cfg>::Type c, uint32_t w, uint32_t old_len, Sink& out) {
#if TT_SMALL
  Sink& sink = out;  // (a copy would cost AVR code to load and store it)
  const uint32_t len = old_len & 0xFFu;
  const uint8_t hi = len < c.char_max ? (uint8_t)len : c.char_max;
  typedef CharRange<Cfg> R;
  for (uint8_t n = c.char_min; n <= hi; ++n) {
    uint32_t x = n < 4 ? w >> (32u - 8u * n) : w;                      // the last min(n, 4) bytes
    if (R::hi >= 5 && n >= 5) x += (old_len >> (64u - 8u * n)) * kCharMix;  // the first n - 4 (old's top bytes)
    sink(char_fold(x) * char_mul<R::lo, R::hi>(n), (uint8_t)kFeatureChar);
  }
#else
  Sink sink = out;
  emit_char_ngrams(c, w, old_len, old_len & 0xFFu, sink);
  out = sink;
#endif
}

#if TT_SMALL
#define TT_SHIFT_IN TT_NOINLINE inline
#else
#define TT_SHIFT_IN TT_INLINE
#endif
TT_SHIFT_IN void shift_in(TokenizerState& s, uint8_t b) {
  s.old = (s.old >> 8) | (s.word.w << 24);
  s.word.push(b);
}

template <class Cfg, class Sink>
TT_INLINE void word_byte(const Cfg& c, TokenizerState& s, uint8_t b, Sink& sink) {
  shift_in(s, b);
#if TT_SMALL
  if (c.char_min) emit_char_ngrams_cold<Cfg>(c, s.word.w, pack_old_len(s.old, s.word.len + 1u), sink);
#else
  if (c.char_min) emit_char_ngrams(c, s.word.w, s.old, s.word.len + 1u, sink);
#endif
}

// The word and bigram features of the pending word (len > 0), whose character n-grams were
// emitted; returns the word's hash. Out of line and on the sink itself (no copy: at most two
// features per word). Reads the state only, so model_read needs no copy of it.
template <class Cfg, class Sink>
TT_COLD_CALL uint32_t word_tail(typename CfgArg<Cfg>::Type c, const TokenizerState& s, Sink& sink) {
  const uint32_t h = s.word.value();
  sink(h, (uint8_t)kFeatureWord);
  if (c.word_ngrams >= 2 && s.has_prev) sink(bigram_hash(s.prev, h), (uint8_t)kFeatureBigram);
  return h;
}

// Emits the features of the pending word (if any) without changing the state: the character
// n-grams that end with '>', the word, the bigram. Returns the word's hash (undefined if none).
// Calls the two out-of-line parts one after the other, never nested, so the stack holds at most
// one of their frames on top of the caller's.
template <class Cfg, class Sink>
TT_INLINE uint32_t word_features(const Cfg& c, const TokenizerState& s, Sink& out) {
  if (c.char_min) {
    const uint32_t old = (s.old >> 8) | (s.word.w << 24);
    const uint32_t w = (s.word.w >> 8) | ((uint32_t)'>' << 24);
    emit_char_ngrams_cold<Cfg>(c, w, pack_old_len(old, s.word.len + 2u), out);
  }
  return word_tail<Cfg>(c, s, out);
}

// Ends the pending word (if any): its features, then the state moves on to the next word.
template <class Cfg, class Sink>
TT_INLINE void end_word(const Cfg& c, TokenizerState& s, Sink& out) {
  if (!s.word.len) return;
  s.prev = word_features(c, s, out);
  s.has_prev = 1;
  word_reset(s);
}

}  // namespace detail

// The two halves of tokenizer_push, for callers that want the hot path inline (model_push):
// tokenizer_word_byte handles a word byte (its character n-grams: most bytes of a text) and
// returns true, or returns false and changes nothing; tokenizer_other_byte (out of line) handles
// any other byte: the end of a word, a punctuation word.
template <class Cfg, class Sink>
TT_INLINE bool tokenizer_word_byte(const Cfg& c, TokenizerState& s, uint8_t b, Sink& sink) {
  if (byte_class(b) != kWordByte) return false;
  detail::word_byte(c, s, word_byte_value(c, b), sink);
  return true;
}

namespace detail {

// The body of tokenizer_other_byte. The pending word ends; a punctuation byte is then a one-byte
// word of its own (one loop, so end_word's code exists once).
template <class Cfg, class Sink>
TT_INLINE void other_byte(const Cfg& c, TokenizerState& s, uint8_t b, Sink& out) {
  bool punct = byte_class(b) == kPunct;
  for (;;) {
    end_word(c, s, out);
    if (!punct) return;
    punct = false;
    shift_in(s, b);
    if (c.char_min) emit_char_ngrams_cold<Cfg>(c, s.word.w, pack_old_len(s.old, 2u), out);
  }
}

}  // namespace detail

template <class Cfg, class Sink>
TT_COLD_CALL void tokenizer_other_byte(typename CfgArg<Cfg>::Type c, TokenizerState& s, uint8_t b, Sink& out) {
  detail::other_byte(c, s, b, out);
}

// Pushes one byte of text. sink(uint32_t hash, uint8_t kind) receives each finished feature.
template <class Cfg, class Sink>
TT_INLINE void tokenizer_push(const Cfg& c, TokenizerState& s, uint8_t b, Sink& sink) {
  if (!tokenizer_word_byte(c, s, b, sink)) tokenizer_other_byte<Cfg>(c, s, b, sink);
}

// Ends the text: emits the last word's features. The state can then be reset for the next text.
template <class Cfg, class Sink>
inline void tokenizer_finish(const Cfg& c, TokenizerState& s, Sink& sink) {
  detail::end_word(c, s, sink);
}

// The features tokenizer_finish would emit, in the same order, leaving the state unchanged (as
// if the text ended now, while it goes on): model_read needs no copy of the state.
template <class Cfg, class Sink>
inline void tokenizer_pending(const Cfg& c, const TokenizerState& s, Sink& sink) {
  if (s.word.len) (void)detail::word_features(c, s, sink);
}

}  // namespace tt

#endif  // TINYTEXT_TOKENIZER_H
