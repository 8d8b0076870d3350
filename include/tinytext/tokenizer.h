// Tokenizers, streaming one byte at a time with bounded RAM.
//
// 1. SeedEncoder: bit-exact with the original Python encoder (HashedTextEncoder.py and the
//    notebook): Python lower(), split on ' ' only, empty pieces skipped, non-ASCII bytes dropped
//    per word, seed_py per word. Python's lower() leaves an ASCII letter behind for exactly two
//    non-ASCII characters, U+0130 -> 'i' (+ U+0307) and U+212A -> 'k'; both are reproduced.
//
// 2. The default tokenizer (push/finish below), built for accuracy. Byte classes:
//      'A'-'Z'                      lower-cased, part of a word
//      'a'-'z', '0'-'9', >= 0x80    part of a word (non-ASCII bytes are hashed as they are)
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
static const uint32_t kCharSeed = 0x6C8E9CF5u;

enum FeatureKind { kFeatureChar = 0, kFeatureWord = 1, kFeatureBigram = 2 };

struct TokenizerConfig {
  uint32_t buckets;     // 1 .. kMaxBuckets
  uint8_t word_ngrams;  // 1: unigrams; 2: unigrams and bigrams
  uint8_t char_min;     // 0: no character n-grams; else 2 .. char_max
  uint8_t char_max;     // char_min .. kMaxCharN
};

TT_NODISCARD inline Status check_config(const TokenizerConfig& c) {
  TT_VERIFY(c.buckets >= 1 && c.buckets <= kMaxBuckets, kBadArgument);
  TT_VERIFY(c.word_ngrams == 1 || c.word_ngrams == 2, kBadArgument);
  TT_VERIFY(c.char_min == 0 || (c.char_min >= 2 && c.char_min <= c.char_max && c.char_max <= kMaxCharN),
            kBadArgument);
  return kOk;
}

// Maps a feature hash to a bucket in [0, buckets) with one 16x16-bit multiply (cheap on a
// Cortex-M0 and an AVR; no division).
TT_INLINE uint16_t bucket_of(uint32_t hash, uint32_t buckets) {
  return (uint16_t)(((hash >> 16) * buckets) >> 16);
}

static const uint32_t kFnvPrime = 0x01000193u;

TT_INLINE uint32_t ngram_finish(uint32_t g) { return (g ^ (g >> 15)) * 0x2C1B3C6Du; }

// Hash of a character n-gram: FNV-1a over its bytes from the last to the first, then a mix.
// (Backwards, so the streaming tokenizer gets every n-gram ending at a byte in one pass.)
inline uint32_t ngram_hash(const uint8_t* p, size_t n) {
  uint32_t g = kCharSeed;
  while (n) g = (g ^ p[--n]) * kFnvPrime;
  return ngram_finish(g);
}

// Bigram hash of two word hashes.
TT_INLINE uint32_t bigram_hash(uint32_t prev, uint32_t cur) {
  uint32_t h = prev * 0x9E3779B1u + cur;
  h ^= h >> 16;
  h *= 0x85EBCA6Bu;
  h ^= h >> 13;
  return h;
}

enum ByteClass { kSeparator = 0, kWordByte = 1, kPunct = 2 };

TT_INLINE uint8_t byte_class(uint8_t b) {
  if (b >= 0x80u) return kWordByte;
  if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')) return kWordByte;
  if (b > ' ' && b < 0x7Fu) return kPunct;
  return kSeparator;
}

struct TokenizerState {
  StreamHash word;           // hash of the current word so far
  uint32_t prev;             // hash of the previous word (bigrams)
  uint8_t ring[kMaxCharN];   // last bytes of "<word", newest last; older bytes are stale
  uint8_t in_word;
  uint8_t has_prev;
};

inline void tokenizer_reset(TokenizerState& s) {
  s.word.reset(kWordSeed);
  s.prev = 0;
  for (uint8_t i = 0; i < kMaxCharN; ++i) s.ring[i] = 0;
  s.in_word = 0;
  s.has_prev = 0;
}

namespace detail {

TT_INLINE void ring_push(TokenizerState& s, uint8_t b) {
  for (uint8_t i = 0; i + 1 < kMaxCharN; ++i) s.ring[i] = s.ring[i + 1];
  s.ring[kMaxCharN - 1] = b;
}

// Emits the character n-grams that end at the newest ring byte. `len` is the length of the
// marked word so far ("<w..." or "<w>"), which may exceed the ring. One backward FNV-1a pass over
// the ring yields every n-gram's hash in turn: ngram_hash(last n bytes) for n = 1, 2, ...
template <class Sink>
TT_INLINE void emit_char_ngrams(const TokenizerConfig& c, const TokenizerState& s, uint32_t len, Sink& sink) {
  uint32_t g = kCharSeed;
  for (uint8_t n = 1; n <= c.char_max; ++n) {
    if (len < n) break;
    g = (g ^ s.ring[kMaxCharN - n]) * kFnvPrime;
    if (n >= c.char_min) sink(ngram_finish(g), (uint8_t)kFeatureChar);
  }
}

template <class Sink>
inline void word_byte(const TokenizerConfig& c, TokenizerState& s, uint8_t b, Sink& sink) {
  if (!s.in_word) {
    s.in_word = 1;
    s.word.reset(kWordSeed);
    if (c.char_min) ring_push(s, '<');
  }
  s.word.push(b);
  if (c.char_min) {
    ring_push(s, b);
    emit_char_ngrams(c, s, s.word.len + 1, sink);
  }
}

template <class Sink>
inline void end_word(const TokenizerConfig& c, TokenizerState& s, Sink& sink) {
  if (!s.in_word) return;
  if (c.char_min) {
    ring_push(s, '>');
    emit_char_ngrams(c, s, s.word.len + 2, sink);
  }
  const uint32_t h = s.word.value();
  sink(h, (uint8_t)kFeatureWord);
  if (c.word_ngrams >= 2 && s.has_prev) sink(bigram_hash(s.prev, h), (uint8_t)kFeatureBigram);
  s.prev = h;
  s.has_prev = 1;
  s.in_word = 0;
}

}  // namespace detail

// Pushes one byte of text. sink(uint32_t hash, uint8_t kind) receives each finished feature.
template <class Sink>
inline void tokenizer_push(const TokenizerConfig& c, TokenizerState& s, uint8_t b, Sink& sink) {
  const uint8_t cls = byte_class(b);
  if (cls == kWordByte) {
    if (b >= 'A' && b <= 'Z') b = (uint8_t)(b + 32);
    detail::word_byte(c, s, b, sink);
    return;
  }
  detail::end_word(c, s, sink);
  if (cls == kPunct) {
    detail::word_byte(c, s, b, sink);
    detail::end_word(c, s, sink);
  }
}

// Ends the text: emits the last word's features. The state can then be reset for the next text.
template <class Sink>
inline void tokenizer_finish(const TokenizerConfig& c, TokenizerState& s, Sink& sink) {
  detail::end_word(c, s, sink);
}

}  // namespace tt

#endif  // TINYTEXT_TOKENIZER_H
