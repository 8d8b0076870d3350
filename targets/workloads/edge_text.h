// Texts made to reach the corners of the streaming kernel (bulk_edge, thumb1_kernel): upper
// case, digits, bytes >= 0x80, control bytes, DEL, punctuation runs, one-letter words, words of
// 250-300 bytes, every byte value. draw() is the workloads' xorshift32 (the same sequence on
// every target).
#ifndef TT_WORKLOADS_EDGE_TEXT_H
#define TT_WORKLOADS_EDGE_TEXT_H

#include <stdint.h>

namespace {

uint8_t text[640];
uint32_t rng = 0x9E3779B9u;

uint32_t draw(uint32_t n) {  // xorshift32, in [0, n)
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng % n;
}

const char kPunct[] = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

// A text of about `cap` bytes: words and separators of many kinds.
uint32_t make_text(uint32_t cap) {
  uint32_t n = 0;
  while (n + 310 < cap) {
    const uint32_t kind = draw(10);
    uint32_t len = kind == 0 ? 250 + draw(51) : 1 + draw(kind < 4 ? 4 : 12);
    for (uint32_t i = 0; i < len; ++i) {
      uint8_t b;
      switch (kind) {
        case 1: b = (uint8_t)('A' + draw(26)); break;                        // upper case
        case 2: b = (uint8_t)('0' + draw(10)); break;                        // digits
        case 3: b = (uint8_t)(0x80 + draw(128)); break;                      // UTF-8-like
        case 4: b = (uint8_t)kPunct[draw(sizeof kPunct - 1)]; break;         // punctuation run
        case 5: b = (uint8_t)draw(256); break;                               // any byte
        case 6: b = (uint8_t)(draw(3) ? 'a' + draw(26) : 'A' + draw(26)); break;  // mixed case
        default: b = (uint8_t)('a' + draw(26)); break;                       // lower case
      }
      text[n++] = b;
    }
    const uint32_t sep = draw(8);  // separators, or none (the next word or punctuation follows)
    if (sep < 4) text[n++] = ' ';
    else if (sep == 4) text[n++] = (uint8_t)draw(33);  // control bytes and space
    else if (sep == 5) text[n++] = 0x7F;
    else if (sep == 6) text[n++] = (uint8_t)kPunct[draw(sizeof kPunct - 1)];
  }
  return n;
}

}  // namespace

#endif  // TT_WORKLOADS_EDGE_TEXT_H
