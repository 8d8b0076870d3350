// SuperFastHash (Paul Hsieh) in the variants tinytext needs, whole-string and streaming.
//
// All variants hash ASCII bytes only: bytes >= 0x80 are dropped first, as the original Python
// encoder did with encode("ascii", "ignore").
//
//   hsieh32     Paul Hsieh's C function, arithmetic mod 2^32, 16-bit reads little-endian.
//   seed_py     The original Python port (the seed notebook). Its last step is not masked, so the
//               result can reach 2^32 + 2^26; an intermediate carry out of bit 31 leaks into the
//               next right shift. Returned as uint64_t.
//   stream32    tinytext's own word hash: SuperFastHash's rounds with a fixed initial value and the
//               length folded in at the end, so it needs no look-ahead and streams in O(1) RAM.
//
// SuperFastHash starts from hash = length, so an exact hsieh32/seed_py value cannot be produced
// before the word's length is known. SeedWordHasher therefore keeps the word (bounded, Cap bytes);
// tinytext's own tokenizer uses stream32, which keeps 12 bytes whatever the word length.
#ifndef TINYTEXT_HASH_H
#define TINYTEXT_HASH_H

#include "config.h"
#include "pgm.h"

namespace tt {
namespace detail {

TT_INLINE uint32_t get16(const uint8_t* p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8); }

// One 4-byte round of SuperFastHash, mod 2^32.
TT_INLINE uint32_t sfh_round(uint32_t h, const uint8_t* p) {
  h += get16(p);
  uint32_t tmp = (get16(p + 2) << 11) ^ h;
  h = (h << 16) ^ tmp;
  h += h >> 11;
  return h;
}

// SuperFastHash's final avalanche, mod 2^32.
TT_INLINE uint32_t sfh_avalanche(uint32_t h) {
  h ^= h << 3;
  h += h >> 5;
  h ^= h << 4;
  h += h >> 17;
  h ^= h << 25;
  h += h >> 6;
  return h;
}

// The 1-3 byte tail and the final avalanche, mod 2^32.
inline uint32_t sfh_finish(uint32_t h, const uint8_t* p, uint8_t rem) {
  switch (rem) {
    case 3:
      h += get16(p);
      h ^= h << 16;
      h ^= (uint32_t)p[2] << 18;  // ASCII only, so Hsieh's (signed char) cast is a no-op
      h += h >> 11;
      break;
    case 2:
      h += get16(p);
      h ^= h << 11;
      h += h >> 17;
      break;
    case 1:
      h += p[0];
      h ^= h << 10;
      h += h >> 1;
      break;
    default:
      break;
  }
  return sfh_avalanche(h);
}

// The same tail and avalanche with the rem (0..3) tail bytes in the top bytes of w, oldest first
// (StreamHash's packing): a 16-bit read is (w >> (32 - 8 rem)) & 0xFFFF.
#if TT_SMALL
// With TT_SMALL (AVR, where every constant 32-bit shift is a long instruction sequence): each
// step above is h ^= (h << l) ^ x; h += h >> r, so one loop runs them with the shifts from a
// table: the tail step for rem (x: rem 3's third word), then the three avalanche steps. The same
// values; 128 bytes less AVR flash on sms4k (docs/boards.md), some 500 cycles more per word.
template <class Unused>
struct SfhSteps {
  static const uint8_t shifts[12];
};
template <class Unused>
const uint8_t SfhSteps<Unused>::shifts[12] TT_PROGMEM = {10, 1, 11, 17, 16, 11, 3, 5, 4, 17, 25, 6};
inline uint32_t sfh_finish_packed(uint32_t h, uint32_t w, uint8_t rem) {
  uint32_t x = 0;
  uint8_t k = 6;  // index into shifts: rem 1, 2, 3 at 0, 2, 4; the avalanche at 6
  if (rem) {
    const uint32_t t = w >> (32u - 8u * rem);
    h += rem == 3 ? (t & 0xFFFFu) : t;
    if (rem == 3) x = (t >> 16) << 18;
    k = (uint8_t)(2u * (rem - 1u));
  }
  for (; k < 12; k = k < 6 ? 6 : (uint8_t)(k + 2u)) {
    h ^= (h << TT_READ_BYTE(&SfhSteps<void>::shifts[k])) ^ x;
    x = 0;
    h += h >> TT_READ_BYTE(&SfhSteps<void>::shifts[k + 1]);
  }
  return h;
}
#else
// Inline: a call in the kernel's run keeps the loop's values in the M0's four callee-saved low
// registers.
TT_INLINE uint32_t sfh_finish_packed(uint32_t h, uint32_t w, uint8_t rem) {
  if (rem) {
    const uint32_t t = w >> (32u - 8u * rem);
    if (rem == 3) {
      h += t & 0xFFFFu;
      h ^= h << 16;
      h ^= (t >> 16) << 18;
      h += h >> 11;
    } else if (rem == 2) {
      h += t;
      h ^= h << 11;
      h += h >> 17;
    } else {
      h += t;
      h ^= h << 10;
      h += h >> 1;
    }
  }
  return sfh_avalanche(h);
}
#endif

}  // namespace detail

// Number of ASCII bytes (< 0x80) in data[0, len).
inline size_t ascii_length(const uint8_t* data, size_t len) {
  size_t n = 0;
  for (size_t i = 0; i < len; ++i) n += (data[i] < 0x80u) ? 1u : 0u;
  return n;
}

namespace detail {
// Feeds the ASCII bytes of data[0, len) to step(blk) four at a time; returns how many (0..3)
// are left in blk for the tail. hsieh32 and seed_py differ only in their round and their tail.
// (The parameter is not named 'round': Arduino.h defines a macro of that name.)
template <class Step>
inline uint8_t ascii_blocks(const uint8_t* data, size_t len, uint8_t* blk, Step& step) {
  uint8_t k = 0;
  for (size_t i = 0; i < len; ++i) {
    if (data[i] >= 0x80u) continue;
    blk[k++] = data[i];
    if (k == 4) {
      step(blk);
      k = 0;
    }
  }
  return k;
}
struct SfhRound {
  uint32_t h;
  void operator()(const uint8_t* blk) { h = sfh_round(h, blk); }
};
}  // namespace detail

// Paul Hsieh's SuperFastHash over the ASCII bytes of data[0, len). 0 when there are none.
inline uint32_t hsieh32(const uint8_t* data, size_t len) {
  const size_t n = ascii_length(data, len);
  if (n == 0) return 0;
  detail::SfhRound r = {(uint32_t)n};
  uint8_t blk[4];
  const uint8_t k = detail::ascii_blocks(data, len, blk, r);
  return detail::sfh_finish(r.h, blk, k);
}

namespace detail {
// The seed notebook's round, with its 64-bit intermediate and its masks.
struct SeedPyRound {
  uint64_t h;
  void operator()(const uint8_t* blk) {
    const uint64_t M = 0xFFFFFFFFu;
    h += get16(blk);                            // may carry into bit 32
    const uint64_t tmp = ((uint64_t)get16(blk + 2) << 11) ^ h;
    h = ((h << 16) & M) ^ tmp;                  // the carry survives in tmp
    h += h >> 11;                               // ...and leaks into bit 21
    h &= M;
  }
};
}  // namespace detail

// The seed notebook's Python SuperFastHash, reproduced step by step with its masks.
inline uint64_t seed_py(const uint8_t* data, size_t len) {
  const uint64_t M = 0xFFFFFFFFu;
  const size_t n = ascii_length(data, len);
  if (n == 0) return 0;
  detail::SeedPyRound r = {(uint64_t)n};
  uint8_t blk[4];
  const uint8_t k = detail::ascii_blocks(data, len, blk, r);
  uint64_t h = r.h;
  switch (k) {
    case 3:
      h += detail::get16(blk);
      h ^= (h << 16) & M;
      h ^= ((uint64_t)blk[2] << 18) & M;
      h += h >> 11;
      break;
    case 2:
      h += detail::get16(blk);
      h ^= (h << 11) & M;
      h += h >> 17;
      break;
    case 1:
      h += blk[0];
      h ^= (h << 10) & M;
      h += h >> 1;
      break;
    default:
      break;
  }
  h &= M;
  h ^= (h << 3) & M;
  h += h >> 5;
  h &= M;
  h ^= (h << 4) & M;
  h += h >> 17;
  h &= M;
  h ^= (h << 25) & M;
  h += h >> 6;  // not masked in the original
  return h;
}

// seed_py & 0xFFF: HashedTextEncoder.py's 12-bit hash (its token id adds 1; 0 is padding).
inline uint32_t seed_py12(const uint8_t* data, size_t len) { return (uint32_t)(seed_py(data, len) & 0xFFFu); }

// Streaming seed-compatible word hasher: push a word's bytes one at a time, then read the hash.
// SuperFastHash needs the word's length before its first round, so the ASCII bytes are kept:
// exact for words of up to Cap ASCII bytes. A longer word sets overflowed(); its value is then
// the hash of its first Cap ASCII bytes, the same on host and device, and the caller is told.
template <uint8_t Cap>
struct SeedWordHasher {
  uint8_t buf[Cap];
  uint8_t n;
  uint8_t over;

  void reset() {
    n = 0;
    over = 0;
  }
  void push(uint8_t b) {
    if (b >= 0x80u) return;
    if (n < Cap) {
      buf[n++] = b;
    } else {
      over = 1;
    }
  }
  bool empty() const { return n == 0 && !over; }
  bool overflowed() const { return over != 0; }
  uint64_t value() const { return seed_py(buf, n); }
  uint32_t hsieh() const { return hsieh32(buf, n); }
};

// tinytext's streaming word hash. Not SuperFastHash-compatible (see the file comment); state is
// 12 bytes whatever the word length. Hashes every byte it is given (the tokenizer decides which).
// stream32(data, len, seed) == pushing data byte by byte.
//
// The last four bytes pushed are kept packed in `w`, the newest in the top byte, so on every
// fourth byte `w` is the little-endian 32-bit block of SuperFastHash's round, and at the end its
// top (len % 4) bytes are the tail. (The tokenizer also reads `w` for its character n-grams; the
// bytes in it before the word's first byte never reach the hash.)
struct StreamHash {
  uint32_t h;
  uint32_t len;
  uint32_t w;

  void reset(uint32_t seed) {
    h = seed;
    len = 0;
    w = 0;
  }
  TT_INLINE void push(uint8_t b) {
    w = (w >> 8) | ((uint32_t)b << 24);
    if ((++len & 3u) == 0) word_round(h, w);
  }
  // The round on the 4 packed bytes w (SuperFastHash's round, sfh_round, on them). (Not "round":
  // Arduino.h defines a macro of that name.)
  TT_INLINE static void word_round(uint32_t& h, uint32_t w) {
    h += w & 0xFFFFu;
    h = (h << 16) ^ (((w >> 16) << 11) ^ h);
    h += h >> 11;
  }
  uint32_t value() const { return detail::sfh_finish_packed(h ^ len, w, (uint8_t)(len & 3u)); }
};

// Default seed of the stream hash for words; other feature kinds use other seeds.
static const uint32_t kWordSeed = 0x2F0B3A49u;

inline uint32_t stream32(const uint8_t* data, size_t len, uint32_t seed) {
  StreamHash s;
  s.reset(seed);
  for (size_t i = 0; i < len; ++i) s.push(data[i]);
  return s.value();
}

}  // namespace tt

#endif  // TINYTEXT_HASH_H
