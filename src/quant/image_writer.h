// The device image's writer: the header and every section of include/tinytext/image.h's layout,
// from integers. The quantiser fills an ImageContent from its plan; tests craft images with it
// (including ones model_open must refuse).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tinytext/image.h"

namespace tt::quant {

// A stored requantisation parameter (detail::rescale_at): x * mult / 2^shift.
struct Requant {
  int32_t mult = 0;
  uint8_t shift = 0;
};

// Every header field and section of an image, as the runtime reads them.
struct ImageContent {
  uint8_t flags = 0;  // ModelFlag bits (kModelFoldDigits among them: tokenizer.fold_digits is not stored)
  uint8_t pool = kPoolMean;
  uint8_t text_row_count = 1;   // c, stored as c - 1 (1 without the text row)
  TokenizerConfig tokenizer{};  // buckets, word_ngrams, char_min, char_max
  uint16_t dim = 0, hidden = 0, outputs = 0;
  uint16_t pool_limit = 0, hidden_limit = 0;  // the activation limits (0: that layer is absent)
  uint32_t parent_crc = 0;                    // the float model's CRC-32
  uint16_t groups = 0;                        // G, the exact table's groups
  std::vector<int8_t> emb;                    // (B + text row + 4G) x D
  std::vector<uint8_t> fingerprints;          // 4G
  std::vector<Requant> mpool;                 // D
  std::vector<int8_t> w1;                     // H x D
  std::vector<int32_t> b1;                    // H
  std::vector<Requant> m1;                    // H
  std::vector<int8_t> w2;                     // K x fan-in (none for a linear model)
  std::vector<int32_t> b2;                    // K
  std::vector<Requant> m2;                    // K (none for a linear model)
  std::vector<int32_t> thresholds;            // K
  std::vector<std::string> labels;            // K names, stored NUL-terminated

  // The shape the layout follows (section_bytes, section_at).
  ImageShape shape() const;
};

// The image: the header, each section (its length checked against section_bytes), the CRC-32.
// Throws tt::Error for a label holding a NUL or labels longer than 65535 bytes in all, and for a
// section whose length does not match the shape (an internal error). Does not check what
// model_open checks (ranges, limits): the quantiser opens what it wrote.
std::string write_image(const ImageContent& c);

}  // namespace tt::quant
