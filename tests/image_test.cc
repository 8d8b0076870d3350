// The device image's owner (include/tinytext/image.h): the layout every writer and reader shares,
// the format version, and model_open's bounds, one test per bound: what it accepts at the edge
// runs without leaving int32 (checked against 64-bit sums), one step past the edge is refused.
// Images are crafted with the image writer (src/quant/image_writer.h), so any tensor value can be
// stored, -128 weights included.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "model/model_io.h"
#include "quant/image_writer.h"
#include "quant/quantize.h"
#include "tinytext/model.h"

namespace {

using tt::quant::ImageContent;
using tt::quant::Requant;

constexpr uint32_t kBuckets = 16;
constexpr Requant kUnit = {1 << 30, 30};  // x * 2^30 / 2^30: the identity (to rescale's 16 bits)

// The largest activation limit model_open accepts for a layer of this fan-in.
uint16_t max_limit(uint32_t fan_in) {
  return fan_in ? static_cast<uint16_t>(std::min<uint32_t>(tt::kMaxActLimit, tt::kMaxLimitFanIn / fan_in)) : 0;
}

// A valid image of this shape: words only, every weight 1, zero biases, unit requantisers, the
// largest accepted activation limits.
ImageContent content(uint16_t D, uint16_t H, uint16_t K, uint8_t flags = 0, uint8_t pool = tt::kPoolSum) {
  ImageContent c;
  c.flags = flags;
  c.pool = pool;
  c.tokenizer = {kBuckets, 1, 0, 0, 0};
  c.dim = D;
  c.hidden = H;
  c.outputs = K;
  const bool linear = (flags & tt::kModelLinear) != 0;
  c.pool_limit = linear ? 0 : max_limit(D);
  c.hidden_limit = H ? max_limit(H) : 0;
  const uint32_t rows = kBuckets + ((flags & tt::kModelTextRow) ? 1u : 0u);
  c.emb.assign(size_t{rows} * D, 1);
  c.mpool.assign(D, kUnit);
  c.w1.assign(size_t{H} * D, 1);
  c.b1.assign(H, 0);
  c.m1.assign(H, kUnit);
  if (!linear) {
    c.w2.assign(size_t{K} * (H ? H : D), 1);
    c.m2.assign(K, kUnit);
  }
  c.b2.assign(K, 0);
  c.thresholds.assign(K, 0);
  for (uint16_t k = 0; k < K; ++k) c.labels.push_back("c" + std::to_string(k));
  return c;
}

tt::Status open(const std::string& img, tt::Model& m) {
  return tt::model_open(m, reinterpret_cast<const uint8_t*>(img.data()), static_cast<uint32_t>(img.size()));
}
tt::Status open(const ImageContent& c) {
  const std::string img = tt::quant::write_image(c);
  tt::Model m;
  return open(img, m);
}

// A header byte changed after writing, the CRC resealed (so the structural checks see it).
std::string poke(std::string img, uint32_t at, uint8_t v) {
  img[at] = static_cast<char>(v);
  const uint32_t crc = tt::crc32(img.data(), img.size() - 4);
  for (int i = 0; i < 4; ++i) img[img.size() - 4 + size_t(i)] = static_cast<char>((crc >> (8 * i)) & 0xFFu);
  return img;
}

// The scores of `text` on an opened image.
template <uint16_t D, uint16_t H, uint16_t K>
tt::ModelScores<K> score(const std::string& img, const std::string& text) {
  tt::Model m;
  EXPECT_EQ(open(img, m), tt::kOk);
  auto st = std::make_unique<tt::ModelState<D, H, K>>();
  EXPECT_EQ(tt::model_reset(m, *st), tt::kOk);
  tt::model_push_text(m, *st, reinterpret_cast<const uint8_t*>(text.data()), text.size());
  tt::ModelScores<K> sc;
  tt::model_read(m, *st, sc);
  return sc;
}

// ---- The layout ---------------------------------------------------------------------------------

TEST(Image, WriterPutsEverySectionWhereSectionAtSays) {
  ImageContent c = content(3, 2, 2, tt::kModelSoftmax | tt::kModelTextRow | tt::kModelExactTable);
  c.groups = 5;
  c.emb.assign(size_t{kBuckets + 1 + 4 * 5} * 3, 2);
  c.fingerprints.clear();
  for (uint8_t g = 0; g < 5; ++g)
    for (uint8_t i = 0; i < 4; ++i) c.fingerprints.push_back(uint8_t(7 + i));
  c.text_row_count = 3;
  const std::string img = tt::quant::write_image(c);
  const tt::ImageShape s = c.shape();
  ASSERT_EQ(img.size(), tt::section_at(tt::kSecEnd, s));
  EXPECT_EQ(tt::section_at(tt::kSecFingerprints, s), tt::kModelHeaderBytes);  // 4-byte aligned
  EXPECT_EQ(tt::section_at(tt::kSecEmbedding, s), 40u + 20u);
  EXPECT_EQ(tt::section_at(tt::kSecPoolRequant, s), 60u + (kBuckets + 1 + 20) * 3);
  EXPECT_EQ(tt::section_bytes(tt::kSecW2, s), 2u * 2u);
  EXPECT_EQ(uint8_t(img[tt::section_at(tt::kSecFingerprints, s)]), 7);
  EXPECT_EQ(img.substr(tt::section_at(tt::kSecLabels, s), 6), std::string("c0\0c1\0", 6));
  tt::Model m;
  ASSERT_EQ(open(img, m), tt::kOk);
  EXPECT_EQ(m.off_mpool, tt::section_at(tt::kSecPoolRequant, s));
  EXPECT_EQ(m.off_b2, tt::section_at(tt::kSecB2, s));
  for (int sec = tt::kSecPoolRequant; sec <= tt::kSecLabels; ++sec)
    EXPECT_EQ(tt::detail::section_of(m, tt::ImageSection(sec)), tt::section_at(tt::ImageSection(sec), s)) << sec;
  EXPECT_EQ(tt::model_text_row_count(m), 3);
  EXPECT_EQ(uint8_t(img[tt::kHdrVersion]), TT_MODEL_FORMAT_VERSION);
  EXPECT_EQ(uint8_t(img[tt::kHdrFlags]), c.flags);
  EXPECT_EQ(uint8_t(img[tt::kHdrTableGroups]), 5);
}

TEST(Image, ImageFlagsAreTheFloatModelFileShapeFlagsShifted) {
  // SHAP keeps the device bits from the text row up (model_io.cc); the quantiser's image agrees.
  EXPECT_EQ(tt::kModelTextRow >> tt::kShapeFlagsShift, 1);
  EXPECT_EQ(tt::kModelExactTable >> tt::kShapeFlagsShift, 2);
  EXPECT_EQ(tt::kModelFoldDigits >> tt::kShapeFlagsShift, 4);
}

TEST(Image, OldFormatIsRefusedWithTheUpgradePath) {
  std::string img = tt::quant::write_image(content(2, 0, 1));
  img = poke(img, tt::kHdrVersion, TT_MODEL_FORMAT_VERSION - 1);
  tt::Model m;
  EXPECT_EQ(open(img, m), tt::kBadVersion);
  // The host loader says what to do.
  tt::FloatModel f;
  tt::ModelShape sh;
  sh.tokenizer = {kBuckets, 1, 0, 0, 0};
  sh.dim = 2;
  sh.outputs = 1;
  f.init(sh, {"c0"});
  tt::quant::QuantModel q = tt::quant::quantize(f, tt::quant::calibrate(f, {"a b"}, {}));
  q.image = poke(q.image, tt::kHdrVersion, 2);
  try {
    tt::quant::parse_quant(tt::quant::serialize_quant(q), "old.q8");
    FAIL() << "an old image was accepted";
  } catch (const tt::Error& e) {
    EXPECT_NE(std::string(e.what()).find("model image format 2; this tinytext reads format " +
                                         std::to_string(TT_MODEL_FORMAT_VERSION) + ": re-run 'tinytext quantize'"),
              std::string::npos)
        << e.what();
  }
}

// ---- Bounds: dense layers ------------------------------------------------------------------------

// Issue 13's image: D = 258, sum pooling, a saturating pooled requantiser, every w2 = -128,
// b2 = -2^30, the pooled limit 32767: |b2 + sum w x| would pass 2^31. Refused; with the largest
// limit the bound allows it opens, and the output layer's sum is exact.
ImageContent overflow_image(uint16_t pool_limit) {
  ImageContent c = content(258, 0, 1);
  c.pool_limit = pool_limit;
  c.mpool.assign(258, Requant{0x7FFFFFFF, 1});  // saturates: x = +-limit
  c.w2.assign(258, -128);
  c.b2 = {-(1 << 30)};
  return c;
}

TEST(ImageBounds, CraftedOutputLayerOverflowIsRefused) {
  EXPECT_EQ(open(overflow_image(32767)), tt::kBadSize);
  const uint16_t lim = max_limit(258);
  EXPECT_EQ(lim, tt::kMaxLimitFanIn / 258);
  EXPECT_EQ(open(overflow_image(lim + 1)), tt::kBadSize);
  const std::string img = tt::quant::write_image(overflow_image(lim));
  const auto sc = score<258, 0, 1>(img, "one word");
  const int64_t sum = -(int64_t{1} << 30) + int64_t{258} * -128 * lim;  // every x = +lim
  ASSERT_GE(sum, INT32_MIN);
  EXPECT_EQ(sc.logit[0],
            tt::detail::rescale(static_cast<int32_t>(sum), static_cast<uint32_t>(kUnit.mult), kUnit.shift));
}

TEST(ImageBounds, LimitTimesFanInCannotWrap) {
  // 16386 x 127 x 2064 passes 2^32 by less than 2^30: a 32-bit product of the three wraps.
  ImageContent c = content(2064, 0, 1);
  c.pool_limit = 16386;
  EXPECT_EQ(open(c), tt::kBadSize);
  c.pool_limit = max_limit(2064);
  EXPECT_EQ(open(c), tt::kOk);
}

TEST(ImageBounds, ActivationLimits) {
  ImageContent c = content(4, 3, 2);
  EXPECT_EQ(open(c), tt::kOk);
  for (const auto& [pool, hidden] : std::vector<std::pair<int, int>>{{0, 1}, {1, 0}, {32768, 1}, {1, 32768}}) {
    ImageContent d = c;
    d.pool_limit = static_cast<uint16_t>(pool);
    d.hidden_limit = static_cast<uint16_t>(hidden);
    EXPECT_EQ(open(d), tt::kBadSize) << pool << " " << hidden;
  }
  // A limit for a layer that is absent: the pooled one of a linear model, the hidden one with H = 0.
  ImageContent lin = content(2, 0, 2, tt::kModelLinear);
  EXPECT_EQ(open(lin), tt::kOk);
  lin.pool_limit = 1;
  EXPECT_EQ(open(lin), tt::kBadSize);
  ImageContent flat = content(2, 0, 1);
  flat.hidden_limit = 1;
  EXPECT_EQ(open(flat), tt::kBadSize);
  // The hidden limit bounds the output layer's fan-in H.
  ImageContent wide = content(2, 300, 1);
  wide.hidden_limit = static_cast<uint16_t>(max_limit(300) + 1);
  EXPECT_EQ(open(wide), tt::kBadSize);
}

TEST(ImageBounds, HiddenLayerAtTheEdgeIsExact) {
  // D = 300 (x = +lim), w1 = -128, b1 = -2^30: the hidden sum is -2^30 - 128 x 300 lim, within
  // 1,024 of -2^31. A wrap would make it positive and the ReLU pass it on (a = the hidden limit).
  ImageContent c = content(300, 1, 1);
  c.mpool.assign(300, Requant{0x7FFFFFFF, 1});
  c.w1.assign(300, -128);
  c.b1 = {-(1 << 30)};
  c.b2 = {5};
  const int64_t sum = -(int64_t{1} << 30) + int64_t{300} * -128 * max_limit(300);
  ASSERT_GE(sum, INT32_MIN);
  ASSERT_LE(sum, int64_t{INT32_MIN} + 1024);
  const auto sc = score<300, 1, 1>(tt::quant::write_image(c), "w");
  EXPECT_EQ(sc.logit[0], tt::detail::rescale(5, static_cast<uint32_t>(kUnit.mult), kUnit.shift));  // a = 0: b2 + 1 x 0
}

TEST(ImageBounds, Biases) {
  for (const bool hidden : {false, true}) {
    SCOPED_TRACE(hidden ? "b1" : "b2");
    for (const int64_t b : {int64_t{1} << 30, -(int64_t{1} << 30), (int64_t{1} << 30) + 1, -(int64_t{1} << 30) - 1}) {
      ImageContent c = content(2, 2, 1);
      (hidden ? c.b1[0] : c.b2[0]) = static_cast<int32_t>(b);
      EXPECT_EQ(open(c), (b >= -(int64_t{1} << 30) && b <= (int64_t{1} << 30)) ? tt::kOk : tt::kBadSize) << b;
    }
  }
  // A linear model's biases are added with saturation: any int32.
  ImageContent lin = content(2, 0, 2, tt::kModelLinear);
  lin.b2 = {INT32_MIN, INT32_MAX};
  lin.emb.assign(lin.emb.size(), 127);
  lin.mpool.assign(2, Requant{0x7FFFFFFF, 1});
  const auto sc = score<2, 0, 2>(tt::quant::write_image(lin), "a b c");
  EXPECT_EQ(sc.logit[0], 0x7FFFFFFF + INT32_MIN);  // INT32_MAX + INT32_MIN
  EXPECT_EQ(sc.logit[1], INT32_MAX);               // saturated
}

TEST(ImageBounds, Requantisers) {
  // mult in [0, 2^31), shift in [1, 62]; for the pooled, m1 and m2 parameters alike.
  for (int which = 0; which < 3; ++which) {
    for (const Requant r : {Requant{0, 1}, Requant{0x7FFFFFFF, 62}, Requant{-1, 30}, Requant{1, 0}, Requant{1, 63}}) {
      ImageContent c = content(2, 2, 1);
      (which == 0 ? c.mpool : which == 1 ? c.m1 : c.m2)[0] = r;
      const bool ok = r.mult >= 0 && r.shift >= 1 && r.shift <= 62;
      EXPECT_EQ(open(c), ok ? tt::kOk : tt::kBadSize) << which << " " << r.mult << " " << int(r.shift);
    }
  }
}

// ---- Bounds: the sums ----------------------------------------------------------------------------

TEST(ImageBounds, MinusOneTwentyEightAtTheSaturationCountIsExact) {
  // D = 1, every embedding weight -128, the text row counted 255 times: the sum at the largest
  // feature count a read can see is -128 x count > -2^31.
  ImageContent c = content(1, 0, 1, tt::kModelLinear | tt::kModelTextRow);
  c.text_row_count = 255;
  c.emb.assign(c.emb.size(), -128);
  c.mpool = {Requant{1 << 30, 38}};  // acc * 2^8 / 2^8
  const std::string img = tt::quant::write_image(c);
  tt::Model m;
  ASSERT_EQ(open(img, m), tt::kOk);
  tt::ModelState<1, 0, 1> st;
  ASSERT_EQ(tt::model_reset(m, st), tt::kOk);
  st.count = tt::kSaturateAt - 1;
  st.acc[0] = -128 * static_cast<int32_t>(st.count);
  const std::string text = "x y z, w";
  tt::model_push_text(m, st, reinterpret_cast<const uint8_t*>(text.data()), text.size());
  tt::ModelScores<1> sc;
  tt::model_read(m, st, sc);
  ASSERT_LT(sc.features, tt::kMaxFeatureCount);
  EXPECT_EQ(int64_t{st.acc[0]}, -128 * int64_t{st.count});
  uint32_t den;
  uint8_t p;
  tt::detail::pool_divisor(tt::kPoolSum, sc.features, &den, &p);
  const int64_t acc = -128 * int64_t{sc.features};
  ASSERT_GE(acc, INT32_MIN);
  EXPECT_EQ(sc.logit[0], tt::detail::rescale(tt::detail::pool_q8(static_cast<int32_t>(acc), den, p),
                                             static_cast<uint32_t>(c.mpool[0].mult), c.mpool[0].shift));
}

TEST(ImageBounds, TextRowCount) {
  ImageContent c = content(2, 0, 1, tt::kModelTextRow);
  c.text_row_count = 255;
  const std::string img = tt::quant::write_image(c);
  EXPECT_EQ(open(c), tt::kOk);
  tt::Model m;
  EXPECT_EQ(open(poke(img, tt::kHdrTextRowExtra, 255), m), tt::kBadSize);  // c = 256
  ImageContent plain = content(2, 0, 1);
  EXPECT_EQ(open(poke(tt::quant::write_image(plain), tt::kHdrTextRowExtra, 1), m), tt::kBadSize);  // no text row
}

// ---- Bounds: sizes -------------------------------------------------------------------------------

TEST(ImageBounds, Shape) {
  EXPECT_EQ(open(content(4096, 0, 1)), tt::kOk);
  EXPECT_EQ(open(content(1, 4096, 1)), tt::kOk);
  EXPECT_EQ(open(content(1, 0, 4096)), tt::kOk);
  EXPECT_EQ(open(content(4097, 0, 1)), tt::kBadSize);
  EXPECT_EQ(open(content(1, 4097, 1)), tt::kBadSize);
  EXPECT_EQ(open(content(1, 0, 4097)), tt::kBadSize);
  EXPECT_EQ(open(content(0, 0, 1)), tt::kBadSize);
  EXPECT_EQ(open(content(1, 0, 0)), tt::kBadSize);
  EXPECT_EQ(open(content(2, 0, 2, tt::kModelLinear)), tt::kOk);
  EXPECT_EQ(open(content(2, 0, 3, tt::kModelLinear)), tt::kBadSize);   // D != K
  EXPECT_EQ(open(content(2, 1, 2, tt::kModelLinear)), tt::kBadSize);   // H != 0
  EXPECT_EQ(open(content(2, 0, 1, tt::kModelSoftmax)), tt::kBadSize);  // softmax with K = 1
  ImageContent c = content(2, 0, 1);
  c.pool = tt::kPoolSum + 1;
  EXPECT_EQ(open(c), tt::kBadVersion);
  c = content(2, 0, 1);
  c.flags = 32;
  EXPECT_EQ(open(c), tt::kBadVersion);
}

TEST(ImageBounds, BucketsAndTable) {
  auto with = [](uint32_t buckets, uint8_t flags, uint16_t groups) {
    ImageContent c = content(1, 0, 1, flags);
    c.tokenizer.buckets = buckets;
    c.groups = groups;
    const uint32_t rows = buckets + ((flags & tt::kModelTextRow) ? 1u : 0u) + 4u * groups;
    c.emb.assign(rows, 1);
    for (uint32_t i = 0; i < 4u * groups; ++i) c.fingerprints.push_back(uint8_t(i % 4));
    return c;
  };
  EXPECT_EQ(open(with(0, 0, 0)), tt::kBadSize);
  EXPECT_EQ(open(with(65536, 0, 0)), tt::kOk);
  EXPECT_EQ(open(with(65537, 0, 0)), tt::kBadSize);
  // rows = B + text row + 4G <= 65536
  EXPECT_EQ(open(with(65535 - 4 * 100, tt::kModelTextRow | tt::kModelExactTable, 100)), tt::kOk);
  EXPECT_EQ(open(with(65536 - 4 * 100, tt::kModelTextRow | tt::kModelExactTable, 100)), tt::kBadSize);
  EXPECT_EQ(open(with(4, tt::kModelExactTable, tt::kMaxTableGroups)), tt::kOk);
  EXPECT_EQ(open(with(1, tt::kModelExactTable, tt::kMaxTableGroups + 1)), tt::kBadSize);
  EXPECT_EQ(open(with(16, tt::kModelExactTable, 0)), tt::kBadSize);  // the flag without groups
  EXPECT_EQ(open(with(16, 0, 3)), tt::kBadVersion);                  // groups without the flag
}

// The writer stores each group's fingerprints ascending, their slot rows moved with them:
// image_row on the image finds, for every hash, the weight feature_row finds in the unsorted table.
TEST(ImageTable, GroupsAreSortedWithTheirRowsAndFindTheSameWeights) {
  ImageContent c = content(1, 0, 1, tt::kModelLinear | tt::kModelTextRow | tt::kModelExactTable);
  const uint32_t G = 37, first = kBuckets + 1;
  c.groups = G;
  c.emb.clear();
  for (uint32_t r = 0; r < first + 4 * G; ++r) c.emb.push_back(int8_t(r % 251 - 125));
  uint64_t x = 0x9E3779B97F4A7C15ull;
  auto next = [&x]() { return x = x * 6364136223846793005ull + 1442695040888963407ull; };
  for (uint32_t g = 0; g < G; ++g) {
    std::vector<uint8_t> f;
    while (f.size() < 4) {
      const uint8_t v = uint8_t(next() >> 56);
      if (std::find(f.begin(), f.end(), v) == f.end()) f.push_back(v);
    }
    c.fingerprints.insert(c.fingerprints.end(), f.begin(), f.end());
  }
  const std::string img = tt::quant::write_image(c);
  tt::Model m;
  ASSERT_EQ(open(img, m), tt::kOk);
  const uint8_t* fp = reinterpret_cast<const uint8_t*>(img.data()) + tt::section_at(tt::kSecFingerprints, c.shape());
  const int8_t* emb = reinterpret_cast<const int8_t*>(img.data()) + tt::section_at(tt::kSecEmbedding, c.shape());
  for (uint32_t g = 0; g < G; ++g)
    for (uint32_t i = 1; i < 4; ++i) EXPECT_LT(fp[4 * g + i - 1], fp[4 * g + i]) << g;
  uint32_t hits = 0;
  for (int n = 0; n < 200000; ++n) {
    uint32_t h = uint32_t(next() >> 32);
    if (n % 2) {  // half of them with a fingerprint of their group
      const uint32_t g = tt::bucket_of(h, G);
      h = (h & ~0xFF00u) | uint32_t(c.fingerprints[4 * g + uint32_t(n % 8 / 2)]) << 8;
    }
    const uint32_t want = tt::feature_row(h, kBuckets, G, c.fingerprints.data(), first);
    const uint32_t got = tt::image_row(h, kBuckets, G, fp, first);
    hits += want >= first ? 1u : 0u;
    ASSERT_EQ(int(emb[got]), int(c.emb[want])) << std::hex << h;
    ASSERT_EQ(got >= first, want >= first) << std::hex << h;
  }
  EXPECT_GE(hits, 100000u);
}

// model_open refuses a group whose fingerprints do not strictly ascend (a repeat included).
TEST(ImageTable, UnsortedGroupIsRefused) {
  ImageContent c = content(1, 0, 1, tt::kModelLinear | tt::kModelExactTable);
  c.groups = 2;
  c.emb.assign(kBuckets + 8, 1);
  c.fingerprints = {1, 2, 3, 4, 5, 6, 7, 8};
  const std::string img = tt::quant::write_image(c);
  tt::Model m;
  ASSERT_EQ(open(img, m), tt::kOk);
  const uint32_t at = tt::section_at(tt::kSecFingerprints, c.shape());
  EXPECT_EQ(open(poke(img, at + 5, 4), m), tt::kBadSize);  // 5 4 7 8
  EXPECT_EQ(open(poke(img, at + 5, 5), m), tt::kBadSize);  // 5 5 7 8
  EXPECT_EQ(open(poke(img, at + 4, 4), m), tt::kOk);       // 4 6 7 8 (groups are independent)
  c.fingerprints = {1, 2, 3, 4, 9, 9, 7, 8};  // the writer sorts; the repeat stays
  EXPECT_EQ(open(c), tt::kBadSize);
}

TEST(ImageBounds, LabelsAndLength) {
  ImageContent c = content(2, 0, 2);
  const std::string img = tt::quant::write_image(c);
  tt::Model m;
  ASSERT_EQ(open(img, m), tt::kOk);
  const uint32_t labels = tt::section_at(tt::kSecLabels, c.shape());
  EXPECT_EQ(open(poke(img, labels + 2, 'x'), m), tt::kBadSize);  // "c0xc1\0": one name
  EXPECT_EQ(open(poke(img, labels + 5, 'x'), m), tt::kBadSize);  // the last byte not a NUL
  std::string longer = img;
  longer.insert(longer.size() - 4, 1, '\0');
  EXPECT_NE(open(longer, m), tt::kOk);  // the stored size and the shape disagree with the length
}

}  // namespace
