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
// of one shape share their features: CV, docs/training.md round 9). The streaming kernel calls
// this one; src/tokenize/reference.cc keeps its own copy on purpose (a second implementation for
// the tests).
template <class Cfg>
TT_INLINE uint8_t word_byte_value(const Cfg& c, uint8_t b) {
  if ((uint8_t)(b - 'A') < 26u) return (uint8_t)(b + 32);
  if (c.fold_digits && (uint8_t)(b - '0') < 10u) return '0';
  return b;
}

struct TokenizerState {
  StreamHash word;  // the current word's hash; word.len == 0 between words. word.w holds the
                    // last 4 bytes of "<word" (newest in the top byte): the n-grams read it
  uint32_t old;     // the bytes before word.w's, newest in the top byte, as far as the n-grams
                    // read them (detail::old_after): 6-grams all, 5-grams the newest, else none
  uint32_t prev;    // hash of the previous word (kept with bigrams only)
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

// The character n-gram of N bytes that ends at the newest byte, if the configuration has N-grams
// and the marked word is long enough (it has `before` bytes before the newest); false once the
// word is too short for it (and so for longer ones). An n-gram's hash (scheme 2): its last
// min(n, 4) bytes as a little-endian integer x, for n >= 5 plus its first n - 4 bytes (old's top
// bytes) times kCharMix; then char_fold(x) times kCharMul<n>.
template <uint8_t N, class Cfg, class Sink>
TT_INLINE bool emit_char_ngram(const Cfg& c, uint32_t w, uint32_t old, uint32_t before, Sink& sink) {
  if (N < c.char_min || N > c.char_max) return true;
  if (before < N - 1u) return false;
  uint32_t x = N < 4 ? w >> (32u - 8u * (N < 4 ? N : 0u)) : w;
  if (N >= 5) x += (old >> (N >= 5 ? 64u - 8u * N : 0u)) * kCharMix;
  const uint32_t mul = N == 2 ? kCharMul2 : N == 3 ? kCharMul3 : N == 4 ? kCharMul4 : N == 5 ? kCharMul5 : kCharMul6;
  sink(char_fold(x) * mul, (uint8_t)kFeatureChar);
  return true;
}

// The one emission of character n-grams: those of "<word" (or "<word>") that end at its newest
// byte, n in [char_min, min(char_max, before + 1)] ascending; `before` is the length of the
// marked word so far less one (the bytes before its newest; a compare with the word's length as
// it is, not length + 1, which GCC cannot fold). w holds its newest 4 bytes (newest in the top
// byte), old the bytes before them (newest on top; 5-grams read its top byte, 6-grams its top
// two). With a static configuration only the n-grams it has are compiled.
template <class Cfg, class Sink>
TT_INLINE void char_ngrams(const Cfg& c, uint32_t w, uint32_t old, uint32_t before, Sink& sink) {
  if (!c.char_min) return;
  (void)(emit_char_ngram<2>(c, w, old, before, sink) && emit_char_ngram<3>(c, w, old, before, sink) &&
         emit_char_ngram<4>(c, w, old, before, sink) && emit_char_ngram<5>(c, w, old, before, sink) &&
         emit_char_ngram<6>(c, w, old, before, sink));
}

// TT_SMALL_CALL: a step of the kernel that TT_SMALL (AVR, where every 32-bit shift and multiply
// is a long instruction sequence) keeps out of line, one copy for its callers; inline elsewhere.
#if TT_SMALL
#define TT_SMALL_CALL TT_NOINLINE inline
#else
#define TT_SMALL_CALL TT_INLINE
#endif

// How the kernel calls it: inline for a static configuration (its few n-grams, constant shifts);
// one out-of-line copy for a run-time one (every size tested at run time) and with TT_SMALL.
template <class Cfg, class Sink>
TT_SMALL_CALL void emit_char_ngrams(const Cfg& c, uint32_t w, uint32_t old, uint32_t before, Sink& sink) {
  char_ngrams(c, w, old, before, sink);
}
template <class Sink>
TT_NOINLINE void emit_char_ngrams(const TokenizerConfig& c, uint32_t w, uint32_t old, uint32_t before, Sink& sink) {
  char_ngrams(c, w, old, before, sink);
}

// Character n-grams a marked word of length `marked` has: those ending at its positions 2 ..
// marked, for n in [char_min, char_max]. The kernel counts features per word with it (the sums'
// count needs no increment per feature).
template <class Cfg>
TT_SMALL_CALL uint32_t char_ngram_count(const Cfg& c, uint32_t marked) {
  if (!c.char_min) return 0;
  const uint32_t k = (uint32_t)c.char_max + 1u - c.char_min;
  if (marked >= c.char_max) return k * (marked + 1u) - k * ((uint32_t)c.char_min + c.char_max) / 2u;  // most words
  if (marked < c.char_min) return 0;
  const uint8_t m = (uint8_t)(marked + 1u - c.char_min);  // 1 .. char_max - char_min (<= 4)
  return (uint8_t)(m * (m + 1u) / 2u);
}

// The bytes w shifts out as b comes in, for the n-grams of 5 and 6 bytes: all of them when the
// configuration has 6-grams, only the newest when it has 5-grams at most, none below.
template <class Cfg>
TT_INLINE uint32_t old_after(const Cfg& c, uint32_t old, uint32_t w) {
  if (c.char_max < 5) return 0;
  return (c.char_max >= 6 ? old >> 8 : 0u) | (w << 24);
}

// Whether a word length is a multiple of 4 (a round of its hash is due): a 32-bit shift that
// sets the flags is one Cortex-M0 instruction, the mask two (3 in a register); on the AVR
// (TT_SMALL) a shift by 30 is a loop, the mask one instruction.
TT_INLINE bool round_due(uint32_t len) { return TT_SMALL ? (len & 3u) == 0 : (uint32_t)(len << 30) == 0; }

// A word byte (b already word_byte_value'd): StreamHash::push on the word (old as far as the
// n-grams read it) and the n-grams that end with it.
template <class Cfg, class Sink>
TT_SMALL_CALL void word_byte(const Cfg& c, TokenizerState& x, uint8_t b, Sink& sink) {
  if (c.char_max >= 5) x.old = old_after(c, x.old, x.word.w);
  x.word.w = (x.word.w >> 8) | ((uint32_t)b << 24);
  if (round_due(++x.word.len)) StreamHash::word_round(x.word.h, x.word.w);
  emit_char_ngrams(c, x.word.w, x.old, x.word.len, sink);
}

// The features of the pending word (x.word.len > 0) at its end: the n-grams that end with '>', the
// word, the bigram with the previous word; count grows by all of the word's features (its
// n-grams before '>' included: tokenize counts per word). Returns the word's hash.
template <class Cfg, class Sink>
TT_INLINE uint32_t word_end(const Cfg& c, const TokenizerState& x, Sink& sink, uint32_t& count) {
  const uint32_t w = x.word.w, len = x.word.len;
  emit_char_ngrams(c, (w >> 8) | ((uint32_t)'>' << 24), old_after(c, x.old, w), len + 1u, sink);
  const uint32_t h = sfh_finish_packed(x.word.h ^ len, w, (uint8_t)(len & 3u));
  sink(h, (uint8_t)kFeatureWord);
  count += char_ngram_count(c, len + 2u) + 1u;
  if (c.word_ngrams >= 2 && x.has_prev) {
    sink(bigram_hash(x.prev, h), (uint8_t)kFeatureBigram);
    ++count;
  }
  return h;
}

// A state copied field by field (GCC keeps such a copy's fields in registers, an aggregate
// copy on the stack). The fields the configuration never reads are 0 in the copy, not copied
// (no register for them across a run): old without 5- or 6-grams, prev and has_prev without
// bigrams (they stay 0 from tokenizer_reset on).
template <class Cfg>
TT_INLINE void copy_fields(const Cfg& c, TokenizerState& to, const TokenizerState& from) {
  to.word.h = from.word.h;
  to.word.len = from.word.len;
  to.word.w = from.word.w;
  to.old = c.char_max >= 5 ? from.old : 0u;
  to.prev = c.word_ngrams >= 2 ? from.prev : 0u;
  to.has_prev = c.word_ngrams >= 2 ? from.has_prev : (uint8_t)0;
}

// The streaming kernel: the bytes [p, end) through the tokenizer into sink(hash, kind). `count`
// (features so far) grows by the features emitted, counted per word (char_ngram_count), so a
// sink need not count. Byte classes: byte_class; a punctuation byte ends the pending word and is
// then a one-byte word of its own, ended at once. The state is a local copy for the run (its
// fields in registers), or with TT_SMALL used in place (a copy in and out costs AVR code).
template <class Cfg, class Sink>
TT_INLINE void tokenize(const Cfg& c, TokenizerState& t, const uint8_t* p, const uint8_t* end, Sink& sink,
                        uint32_t& count) {
#if TT_SMALL
  TokenizerState& x = t;
#else
  TokenizerState x;
  copy_fields(c, x, t);
  TokenizerState* tp = &t;  // (no register for it during the loop)
  TT_SPILL(tp);
#endif
  uint32_t n = count - char_ngram_count(c, x.word.len + 1u);  // the pending word's n-grams so far
  for (; p != end; ++p) {
    uint8_t b = *p;
    uint8_t k = kWordByte;
    if ((uint8_t)(b - 'a') >= 26u) {
      k = byte_class(b);
      b = word_byte_value(c, b);
    }
    if (k == kWordByte) {
      word_byte(c, x, b, sink);
      continue;
    }
    for (;;) {
      if (x.word.len) {
        const uint32_t h = word_end(c, x, sink, n);
        if (c.word_ngrams >= 2) {  // (only bigrams read them: no register for them otherwise)
          x.prev = h;
          x.has_prev = 1;
        }
        word_reset(x);
      }
      if (k != kPunct) break;
      k = kSeparator;
      // word_byte on a reset word: no hash round at length 1, only a 2-gram can end here. The
      // byte is read again through a pointer in its stack slot (TT_SPILL): otherwise GCC keeps
      // b's packing live across the word's end, computed for every separator.
      const uint8_t* q = p;
      TT_SPILL(q);
      x.word.w = (kWordOpen >> 8) | ((uint32_t)*q << 24);
      x.word.len = 1;
      emit_char_ngrams(c, x.word.w, 0u, 1u, sink);
    }
  }
  count = n + char_ngram_count(c, x.word.len + 1u);
#if !TT_SMALL
  TT_SPILL(tp);
  copy_fields(c, *tp, x);
#endif
}

}  // namespace detail

// Pushes one byte of text. sink(uint32_t hash, uint8_t kind) receives each finished feature.
template <class Cfg, class Sink>
inline void tokenizer_push(const Cfg& c, TokenizerState& s, uint8_t b, Sink& sink) {
  uint32_t count = 0;
  detail::tokenize(c, s, &b, &b + 1, sink, count);
}

// Ends the text: emits the last word's features (a separator ends a word and emits nothing
// else). The state can then be reset for the next text.
template <class Cfg, class Sink>
inline void tokenizer_finish(const Cfg& c, TokenizerState& s, Sink& sink) {
  tokenizer_push(c, s, (uint8_t)' ', sink);
}

// The features tokenizer_finish would emit, in the same order, leaving the state unchanged (as
// if the text ended now, while it goes on).
template <class Cfg, class Sink>
inline void tokenizer_pending(const Cfg& c, const TokenizerState& s, Sink& sink) {
  TokenizerState t = s;
  tokenizer_finish(c, t, sink);
}

}  // namespace tt

#endif  // TINYTEXT_TOKENIZER_H
