#include "quant/image_writer.h"

#include <algorithm>

#include "common/error.h"
#include "model/model_io.h"  // crc32

namespace tt::quant {

namespace {

void put_u32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFFu));
}
void set_u8(std::string& s, uint32_t at, uint32_t v) { s[at] = static_cast<char>(v & 0xFFu); }
void set_u16(std::string& s, uint32_t at, uint32_t v) {
  for (uint32_t i = 0; i < 2; ++i) set_u8(s, at + i, v >> (8 * i));
}
void set_u32(std::string& s, uint32_t at, uint32_t v) {
  for (uint32_t i = 0; i < 4; ++i) set_u8(s, at + i, v >> (8 * i));
}

size_t label_bytes(const std::vector<std::string>& labels) {
  size_t n = 0;
  for (const auto& l : labels) n += l.size() + 1;
  return n;
}

// The exact table as the image stores it: each group's fingerprints in ascending order, its slot
// rows moved with them, so a feature reaches the same weights (image_row's search needs the
// order). A group that repeats a fingerprint is written (stably sorted) for model_open to refuse.
struct SortedTable {
  std::vector<uint8_t> fingerprints;
  std::vector<int8_t> emb;
};
SortedTable sort_groups(const ImageContent& c, const ImageShape& s) {
  SortedTable t{c.fingerprints, c.emb};
  if (c.fingerprints.size() != section_bytes(kSecFingerprints, s) ||
      c.emb.size() != section_bytes(kSecEmbedding, s))
    throw Error("internal error: the exact table's size does not match its groups");
  const size_t D = c.dim, first = c.tokenizer.buckets + ((c.flags & kModelTextRow) ? 1u : 0u);
  for (size_t g = 0; g < c.groups; ++g) {
    const uint8_t* fp = &c.fingerprints[g * kTableWays];
    uint8_t order[kTableWays];
    for (uint8_t i = 0; i < kTableWays; ++i) order[i] = i;
    std::stable_sort(order, order + kTableWays, [&](uint8_t a, uint8_t b) { return fp[a] < fp[b]; });
    for (uint8_t i = 0; i < kTableWays; ++i) {
      t.fingerprints[g * kTableWays + i] = fp[order[i]];
      std::copy_n(&c.emb[(first + g * kTableWays + order[i]) * D], D, &t.emb[(first + g * kTableWays + i) * D]);
    }
  }
  return t;
}

}  // namespace

ImageShape ImageContent::shape() const {
  ImageShape s{};
  s.buckets = tokenizer.buckets;
  s.dim = dim;
  s.hidden = hidden;
  s.outputs = outputs;
  s.groups = groups;
  s.label_bytes = static_cast<uint16_t>(label_bytes(labels));
  s.flags = flags;
  return s;
}

std::string write_image(const ImageContent& c) {
  for (const auto& l : c.labels)
    if (l.find('\0') != std::string::npos)
      throw Error("label '" + l + "' holds a NUL byte; the device image cannot store it");
  if (label_bytes(c.labels) > 65535)
    throw Error("the labels take " + std::to_string(label_bytes(c.labels)) +
                " bytes; the device image holds at most 65535 (shorten the label names)");
  const ImageShape s = c.shape();
  const SortedTable table = sort_groups(c, s);

  std::string img(kModelHeaderBytes, '\0');
  set_u32(img, kHdrMagic, kImageMagic);
  set_u8(img, kHdrVersion, TT_MODEL_FORMAT_VERSION);
  set_u8(img, kHdrFlags, c.flags);
  set_u8(img, kHdrPool, c.pool);
  set_u8(img, kHdrTextRowExtra, c.text_row_count - 1u);
  set_u32(img, kHdrSize, section_at(kSecEnd, s));
  set_u32(img, kHdrBuckets, c.tokenizer.buckets);
  set_u8(img, kHdrWordNgrams, c.tokenizer.word_ngrams);
  set_u8(img, kHdrCharMin, c.tokenizer.char_min);
  set_u8(img, kHdrCharMax, c.tokenizer.char_max);
  set_u8(img, kHdrScheme, kTokenizerScheme);
  set_u16(img, kHdrDim, c.dim);
  set_u16(img, kHdrHidden, c.hidden);
  set_u16(img, kHdrOutputs, c.outputs);
  set_u16(img, kHdrLabelBytes, s.label_bytes);
  set_u16(img, kHdrPoolLimit, c.pool_limit);
  set_u16(img, kHdrHiddenLimit, c.hidden_limit);
  set_u32(img, kHdrParentCrc, c.parent_crc);
  set_u32(img, kHdrTableGroups, c.groups);

  // The sections in ImageSection's order, each where section_at says and section_bytes long.
  auto bytes = [&](const auto& v) { img.append(reinterpret_cast<const char*>(v.data()), v.size()); };
  auto words = [&](const std::vector<int32_t>& v) {
    for (int32_t x : v) put_u32(img, static_cast<uint32_t>(x));
  };
  auto requants = [&](const std::vector<Requant>& v) {
    for (const Requant& r : v) {
      put_u32(img, static_cast<uint32_t>(r.mult));
      img.push_back(static_cast<char>(r.shift));
    }
  };
  for (int i = 0; i < kSecEnd; ++i) {
    const auto sec = static_cast<ImageSection>(i);
    if (img.size() != section_at(sec, s)) throw Error("internal error: device image section " + std::to_string(i));
    switch (sec) {
      case kSecFingerprints:
        bytes(table.fingerprints);
        break;
      case kSecEmbedding:
        bytes(table.emb);
        break;
      case kSecPoolRequant:
        requants(c.mpool);
        break;
      case kSecW1:
        bytes(c.w1);
        break;
      case kSecB1:
        words(c.b1);
        break;
      case kSecM1:
        requants(c.m1);
        break;
      case kSecW2:
        bytes(c.w2);
        break;
      case kSecB2:
        words(c.b2);
        break;
      case kSecM2:
        requants(c.m2);
        break;
      case kSecThresholds:
        words(c.thresholds);
        break;
      case kSecLabels:
        for (const auto& l : c.labels) img.append(l.c_str(), l.size() + 1);
        break;
      case kSecCrc:
        put_u32(img, crc32(img.data(), img.size()));
        break;
      case kSecEnd:
        break;
    }
    if (img.size() != section_at(static_cast<ImageSection>(i + 1), s))
      throw Error("internal error: device image section " + std::to_string(i) + " has the wrong length");
  }
  return img;
}

}  // namespace tt::quant
