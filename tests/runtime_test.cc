// The device runtime (include/tinytext/model.h) on the host: refusal of corrupt or mismatched
// images with a Status, a fuzz loop of random corruptions (run it under the sanitizer build),
// streaming reads, fixed-size state.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "model/model_io.h"
#include "quant/quantize.h"
#include "test_util.h"
#include "tinytext/model.h"

namespace {

using tt::quant::QuantModel;

tt::FloatModel make_f(uint32_t hidden, tt::Head head, uint32_t outputs, uint32_t dim = 6, bool text_row = false) {
  tt::ModelShape s;
  s.text_row = text_row;
  s.tokenizer = {64, 2, 3, 5, 0};
  s.dim = dim;
  s.hidden = hidden;
  s.outputs = outputs;
  s.head = head;
  std::vector<std::string> labels;
  for (uint32_t k = 0; k < outputs; ++k) labels.push_back("c" + std::to_string(k));
  tt::FloatModel m;
  m.init(s, labels);
  tt::test::SplitMix64 r{11};
  auto u = [&] { return r.pm1(); };
  for (auto* t : {&m.emb, &m.w1, &m.b1, &m.w2, &m.b2})
    for (auto& v : *t) v = u();
  return m;
}

// A model with the text row: linear (D = K = 2, no output layer) or with a hidden layer and a
// softmax head (H = 4, K = 3, D = 6), for the tests that check both kinds.
tt::FloatModel make_row_f(bool linear) {
  tt::FloatModel f = linear ? make_f(0, tt::Head::kSigmoid, 2, 2, true) : make_f(4, tt::Head::kSoftmax, 3, 6, true);
  if (linear) {
    f.shape.linear = true;
    f.w2.clear();
  }
  return f;
}

QuantModel quantize_f(const tt::FloatModel& m) {
  return tt::quant::quantize(m, tt::quant::calibrate(m, {"free prize", "see you at noon", "call now"}, {}));
}

QuantModel make_q(uint32_t hidden, tt::Head head, uint32_t outputs, uint32_t dim = 6, bool text_row = false) {
  return quantize_f(make_f(hidden, head, outputs, dim, text_row));
}

tt::Status open(const std::string& img, tt::Model& m) {
  return tt::model_open(m, reinterpret_cast<const uint8_t*>(img.data()), static_cast<uint32_t>(img.size()));
}

void put32(std::string& s, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + size_t(i)] = static_cast<char>((v >> (8 * i)) & 0xFFu);
}
// Re-seals the CRC so a corruption reaches the structural checks.
void reseal(std::string& s) { put32(s, s.size() - 4, tt::crc32(s.data(), s.size() - 4)); }

TEST(Runtime, OpensValidImage) {
  const QuantModel q = make_q(4, tt::Head::kSoftmax, 3);
  tt::Model m;
  ASSERT_EQ(open(q.image, m), tt::kOk);
  EXPECT_EQ(m.dim, 6);
  EXPECT_EQ(m.hidden, 4);
  EXPECT_EQ(m.outputs, 3);
  uint8_t buf[8];
  ASSERT_EQ(tt::model_label(m, 2, buf, sizeof buf), tt::kOk);
  EXPECT_STREQ(reinterpret_cast<char*>(buf), "c2");
  EXPECT_EQ(tt::model_label(m, 3, buf, sizeof buf), tt::kBadArgument);
  EXPECT_EQ(tt::model_label(m, 0, buf, 2), tt::kOverflow);  // "c0" + NUL needs 3
  EXPECT_EQ(buf[0], 0);
}

TEST(Runtime, RefusesWithStatus) {
  const std::string good = make_q(0, tt::Head::kSigmoid, 2).image;
  tt::Model m;
  EXPECT_EQ(tt::model_open(m, nullptr, 100), tt::kBadSize);
  for (size_t n = 0; n < good.size(); ++n) {  // every truncation
    tt::Model t;
    EXPECT_NE(tt::model_open(t, reinterpret_cast<const uint8_t*>(good.data()), static_cast<uint32_t>(n)), tt::kOk) << n;
  }
  std::string s = good;
  s[0] = 'X';
  EXPECT_EQ(open(s, m), tt::kBadMagic);
  s = good;
  s[tt::kHdrVersion] = TT_MODEL_FORMAT_VERSION + 1;
  EXPECT_EQ(open(s, m), tt::kBadVersion);
  s = good;
  s[tt::kModelHeaderBytes] = static_cast<char>(s[tt::kModelHeaderBytes] ^ 1);  // a weight
  EXPECT_EQ(open(s, m), tt::kBadChecksum);
  s = good;
  put32(s, tt::kHdrDim, 0x00000FFFu);  // D = 4095, H = 0: sizes no longer match the length
  reseal(s);
  EXPECT_EQ(open(s, m), tt::kBadSize);
  s = good;
  put32(s, tt::kHdrBuckets, 0);  // zero buckets
  reseal(s);
  EXPECT_EQ(open(s, m), tt::kBadSize);
  s = good;
  put32(s, tt::kHdrSize, static_cast<uint32_t>(s.size() + 1));  // stored size
  EXPECT_EQ(open(s, m), tt::kBadSize);
  s = good;
  s[tt::kModelHeaderBytes + 64 * 6 + 4] = 0;  // the first pooled requantiser's shift
  reseal(s);
  EXPECT_EQ(open(s, m), tt::kBadSize);
  s = good;
  s[s.size() - 5] = 'x';  // the labels' final NUL
  reseal(s);
  EXPECT_EQ(open(s, m), tt::kBadSize);
}

// The text row: one more embedding row (B) that model_read adds once per text, as one more
// feature; the image's flag and its size must agree, and the int8 scores follow the float model
// (which appends index B to every text's features).
TEST(Runtime, TextRowIsOneMoreFeature) {
  for (const bool linear : {false, true}) {
    SCOPED_TRACE(linear ? "linear" : "hidden");
    tt::FloatModel f = make_row_f(linear);
    const uint32_t B = f.shape.tokenizer.buckets, D = f.shape.dim;
    ASSERT_EQ(f.emb.size(), size_t{B + 1} * D);
    for (uint32_t d = 0; d < D; ++d) f.emb[size_t{B} * D + d] = d % 2 ? -0.9f : 0.8f;  // a row of its own
    const std::vector<std::string> texts = {"", "a", "free prize", "see you at noon, call now!!"};
    const QuantModel q = tt::quant::quantize(f, tt::quant::calibrate(f, texts, {}));  // ranges that hold ""
    tt::Model m;
    ASSERT_EQ(open(q.image, m), tt::kOk);
    EXPECT_EQ(m.flags & tt::kModelTextRow, tt::kModelTextRow);
    EXPECT_EQ(m.off_mpool, tt::kModelHeaderBytes + (B + 1) * D);
    tt::quant::Runner run(q);
    for (const std::string& t : texts) {
      SCOPED_TRACE(t);
      const std::vector<uint16_t> feats = f.features(t);
      ASSERT_FALSE(feats.empty());
      EXPECT_EQ(feats.back(), B);
      const tt::quant::IntScores r = run.score(t);
      EXPECT_EQ(r.features, feats.size());  // the row counts as one feature, also for ""
      const std::vector<float> z = f.logits_from_features(feats.data(), feats.size());
      for (size_t k = 0; k < z.size(); ++k) EXPECT_NEAR(r.logit[k] / 65536.0, z[k], 0.05) << k;
    }
    // The flag and the size must agree: without the flag the image is one row too long, and a
    // model without the row refuses the flag; an unknown flag bit is another format.
    std::string s = q.image;
    s[5] = static_cast<char>(s[5] & ~tt::kModelTextRow);
    reseal(s);
    EXPECT_EQ(open(s, m), tt::kBadSize);
    const std::string plain = linear ? quantize_f([&] {
      tt::FloatModel g = f;
      g.shape.text_row = false;
      g.emb.resize(size_t{B} * D);
      return g;
    }()).image : make_q(4, tt::Head::kSoftmax, 3).image;
    ASSERT_EQ(open(plain, m), tt::kOk);
    s = plain;
    s[5] = static_cast<char>(s[5] | tt::kModelTextRow);
    reseal(s);
    EXPECT_EQ(open(s, m), tt::kBadSize);
    s = q.image;
    s[5] = static_cast<char>(s[5] | 32);  // bits 3-4 are the exact table and digit folding now: bit 5 is the next unknown
    reseal(s);
    EXPECT_EQ(open(s, m), tt::kBadVersion);
    // The count byte (7, c - 1) needs the row: a model without it refuses any count but 1.
    EXPECT_EQ(q.image[tt::kHdrTextRowExtra], 0);
    s = plain;
    s[7] = 1;
    reseal(s);
    EXPECT_EQ(open(s, m), tt::kBadSize);
  }
}

// The text row counted c times: model_read adds c to n and c times the row to the sums (exact
// int32), so the device's count and scores follow the float model's features (the row c times).
TEST(Runtime, TextRowCountedCTimes) {
  for (const bool linear : {false, true}) {
    SCOPED_TRACE(linear ? "linear" : "hidden");
    tt::FloatModel f = make_row_f(linear);
    const uint32_t B = f.shape.tokenizer.buckets, D = f.shape.dim;
    for (uint32_t d = 0; d < D; ++d) f.emb[size_t{B} * D + d] = d % 2 ? -0.3f : 0.25f;
    f.shape.text_row_count = 3;
    const std::vector<std::string> texts = {"", "a", "free prize", "see you at noon, call now!!"};
    const QuantModel q = tt::quant::quantize(f, tt::quant::calibrate(f, texts, {}));
    EXPECT_EQ(q.image[tt::kHdrTextRowExtra], 2);  // c - 1
    tt::Model m;
    ASSERT_EQ(open(q.image, m), tt::kOk);
    EXPECT_EQ(tt::model_text_row_count(m), 3u);
    tt::quant::Runner run(q);
    for (const std::string& t : texts) {
      SCOPED_TRACE(t);
      const std::vector<uint16_t> feats = f.features(t);
      ASSERT_GE(feats.size(), 3u);
      EXPECT_EQ(feats[feats.size() - 3], B);
      const tt::quant::IntScores r = run.score(t);
      EXPECT_EQ(r.features, feats.size());  // n counts the row 3 times
      const std::vector<float> z = f.logits_from_features(feats.data(), feats.size());
      for (size_t k = 0; k < z.size(); ++k) EXPECT_NEAR(r.logit[k] / 65536.0, z[k], 0.05) << k;
    }
    // The same image with byte 7 = 0 counts the row once (an empty text: n = 1 against 3).
    std::string one = q.image;
    one[7] = 0;
    reseal(one);
    tt::Model m1;
    ASSERT_EQ(open(one, m1), tt::kOk);
    EXPECT_EQ(tt::model_text_row_count(m1), 1u);
    tt::ModelState<6, 4, 3> s1, s3;
    tt::ModelScores<3> o1, o3;
    ASSERT_EQ(tt::model_reset(m1, s1), tt::kOk);
    ASSERT_EQ(tt::model_reset(m, s3), tt::kOk);
    tt::model_read(m1, s1, o1);
    tt::model_read(m, s3, o3);
    EXPECT_EQ(o1.features, 1u);
    EXPECT_EQ(o3.features, 3u);
    // The largest count and its refusals: c = 255 opens, byte 7 = 255 (c = 256) does not.
    std::string s = q.image;
    s[7] = static_cast<char>(254);
    reseal(s);
    ASSERT_EQ(open(s, m1), tt::kOk);
    EXPECT_EQ(tt::model_text_row_count(m1), 255u);
    ASSERT_EQ(tt::model_reset(m1, s1), tt::kOk);
    tt::model_read(m1, s1, o1);
    EXPECT_EQ(o1.features, 255u);
    s[7] = static_cast<char>(255);
    reseal(s);
    EXPECT_EQ(open(s, m1), tt::kBadSize);
  }
}

TEST(Runtime, StateTooSmallIsRefusedAndInert) {
  const std::string img = make_q(4, tt::Head::kSigmoid, 2).image;
  tt::Model m;
  ASSERT_EQ(open(img, m), tt::kOk);
  tt::ModelState<2, 4, 2> small;
  EXPECT_EQ(tt::model_reset(m, small), tt::kBadSize);
#if defined(NDEBUG)
  // Using a refused state is a caller bug: TT_ASSERT traps in debug builds; release builds stay
  // in bounds and do nothing.
  tt::model_push(m, small, 'a');  // ignored, no write past acc[2]
  tt::ModelScores<2> sc;
  tt::model_read(m, small, sc);
  EXPECT_EQ(sc.logit[0], 0);
#endif
  tt::Model unopened{};
  tt::ModelState<8, 8, 8> st;
  EXPECT_EQ(tt::model_reset(unopened, st), tt::kBadArgument);
}

// Reading at any moment scores the text so far, and leaves the state as it was.
TEST(Runtime, StreamingReadIsPrefixScore) {
  const QuantModel q = make_q(4, tt::Head::kSoftmax, 3);
  tt::quant::Runner run(q);
  tt::Model m;
  ASSERT_EQ(open(q.image, m), tt::kOk);
  tt::ModelState<6, 4, 3> st;
  ASSERT_EQ(tt::model_reset(m, st), tt::kOk);
  const std::string text = "Free entry in 2 a wkly comp to win FA Cup final tkts, 21st May 2005!!";
  for (size_t i = 0; i < text.size(); ++i) {
    tt::model_push(m, st, static_cast<uint8_t>(text[i]));
    tt::ModelState<6, 4, 3> before;
    std::memcpy(&before, &st, sizeof st);
    tt::ModelScores<3> sc;
    tt::model_read(m, st, sc);
    EXPECT_EQ(std::memcmp(&before, &st, sizeof st), 0);
    const tt::quant::IntScores ref = run.score(text.substr(0, i + 1));
    for (size_t k = 0; k < 3; ++k) {
      EXPECT_EQ(sc.logit[k], ref.logit[k]) << i;
      EXPECT_EQ(sc.prob[k], ref.prob[k]) << i;
    }
    EXPECT_EQ(sc.best, ref.best);
  }
  static_assert(sizeof(tt::ModelState<6, 4, 3>) <= 4 * 6 + 40, "state size is fixed and small");
}

// Random corruptions never crash or read out of bounds (ASan in the sanitizer build): the image
// sits in an exactly-sized heap buffer, and whatever opens is then run.
TEST(Runtime, FuzzCorruptImages) {
  std::vector<std::string> seeds = {make_q(0, tt::Head::kSigmoid, 1).image, make_q(4, tt::Head::kSoftmax, 3).image,
                                    make_q(3, tt::Head::kSigmoid, 2).image};
  {  // with an exact table of 5 groups
    tt::FloatModel f = make_f(0, tt::Head::kSigmoid, 1, 6, true);
    tt::ModelShape sh = f.shape;
    sh.table_groups = 5;
    tt::FloatModel t;
    t.init(sh, f.labels);
    for (size_t i = 0; i < t.emb.size(); ++i) t.emb[i] = static_cast<float>(i % 7) * 0.1f - 0.3f;
    t.w2 = f.w2;
    for (size_t i = 0; i < t.table.size(); ++i) t.table[i] = static_cast<uint8_t>(i * 37);
    seeds.push_back(quantize_f(t).image);
  }
  tt::test::SplitMix64 r{2024};
  size_t opened = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string s = seeds[r.next() % seeds.size()];
    const int kind = static_cast<int>(r.next() % 4);
    const int flips = 1 + static_cast<int>(r.next() % 4);
    for (int f = 0; f < flips; ++f) {
      // Bias towards the header, where the sizes are.
      const size_t at = (r.next() % 2) ? r.next() % 40 : r.next() % s.size();
      s[at] = static_cast<char>(r.next() & 0xFF);
    }
    if (kind == 1) s.resize(r.next() % (s.size() + 1));
    if (kind >= 2 && s.size() >= 44) {
      put32(s, tt::kHdrSize, static_cast<uint32_t>(s.size()));
      reseal(s);
    }
    std::unique_ptr<uint8_t[]> buf(new uint8_t[s.size() ? s.size() : 1]);
    std::memcpy(buf.get(), s.data(), s.size());
    tt::Model m;
    if (tt::model_open(m, buf.get(), static_cast<uint32_t>(s.size())) != tt::kOk) continue;
    ++opened;
    auto st = std::make_unique<tt::ModelState<64, 64, 8>>();
    if (tt::model_reset(m, *st) != tt::kOk) continue;
    for (char c : std::string("Win a FREE prize!! call 0800 now")) tt::model_push(m, *st, static_cast<uint8_t>(c));
    tt::ModelScores<8> sc;
    tt::model_read(m, *st, sc);
    uint8_t lab[16];
    size_t labelled = 0;
    for (uint16_t k = 0; k < m.outputs; ++k) labelled += tt::model_label(m, k, lab, sizeof lab) == tt::kOk;
    EXPECT_LE(labelled, m.outputs);
  }
  EXPECT_GT(opened, 0u);  // some corruptions (weights, resealed) still open and run
}

// tokenizer_pending (model_read's finish, state only read) emits exactly what tokenizer_finish
// emits on a copy of the state, after every byte, for every n-gram range.
struct Collect {
  std::vector<uint32_t>* out;
  void operator()(uint32_t h, uint8_t kind) { out->push_back(h * 4u + kind); }
};
TEST(Runtime, PendingFeaturesEqualFinishOnACopy) {
  const std::string text = "Free entry in 2 a wkly comp!! to win FA-Cup final tkts, 21st May 2005. x ab, \xc3\xa9t\xc3\xa9 ";
  const uint8_t ranges[][2] = {{0, 0}, {2, 2}, {2, 6}, {3, 5}, {5, 6}, {6, 6}};
  for (const auto& r : ranges) {
    for (uint8_t wn = 1; wn <= 2; ++wn) {
      const tt::TokenizerConfig c = {4096u, wn, r[0], r[1], 0};
      ASSERT_EQ(tt::check_config(c), tt::kOk);
      tt::TokenizerState st;
      tt::tokenizer_reset(st);
      std::vector<uint32_t> sink_push;
      Collect push_sink = {&sink_push};
      for (size_t i = 0; i < text.size(); ++i) {
        tt::tokenizer_push(c, st, static_cast<uint8_t>(text[i]), push_sink);
        tt::TokenizerState before;
        std::memcpy(&before, &st, sizeof st);
        std::vector<uint32_t> a, b;
        Collect ca = {&a}, cb = {&b};
        tt::tokenizer_pending(c, st, ca);
        EXPECT_EQ(std::memcmp(&before, &st, sizeof st), 0);
        tt::TokenizerState copy = st;
        tt::tokenizer_finish(c, copy, cb);
        EXPECT_EQ(a, b) << i;
      }
    }
  }
}

// model_push_text (the bulk API) leaves the state exactly as model_push byte by byte does: for
// the text in calls of 1 and 7 bytes, in one call, and in two calls split at every byte; from an
// empty state and near the saturation limit (runs then single bytes); with D > 1 and with D = 1
// (whose sum push_run keeps in a register).
template <class State>
void check_push_text(const tt::Model& m, const std::string& text, const char* what) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  for (uint32_t start : {0u, tt::kSaturateAt - 100u, tt::kSaturateAt - 1u}) {
    State a;
    std::memset(&a, 0, sizeof a);  // (padding bytes equal, for the memcmp)
    ASSERT_EQ(tt::model_reset(m, a), tt::kOk);
    a.count = start;
    for (size_t i = 0; i < n; ++i) tt::model_push(m, a, bytes[i]);
    if (start == 0) {
      EXPECT_GT(a.count, 100u) << what;
    } else {
      EXPECT_LT(a.count, tt::kSaturateAt + tt::kMaxPerByte) << what;  // saturated: the rest ignored
    }
    // splits: 0 and 1 = calls of 1 and 7 bytes, 2 + i = [0, i) then [i, n) (i = n: one call).
    for (size_t split = 0; split < n + 3; ++split) {
      State b;
      std::memset(&b, 0, sizeof b);
      ASSERT_EQ(tt::model_reset(m, b), tt::kOk);
      b.count = start;
      if (split < 2) {
        const size_t chunk = split ? 7 : 1;
        for (size_t i = 0; i < n; i += chunk) tt::model_push_text(m, b, bytes + i, std::min(chunk, n - i));
      } else {
        tt::model_push_text(m, b, bytes, split - 2);
        tt::model_push_text(m, b, bytes + (split - 2), n - (split - 2));
      }
      ASSERT_EQ(std::memcmp(&a, &b, sizeof a), 0) << what << " start " << start << " split " << split;
    }
  }
}

TEST(Runtime, PushTextEqualsPushPerByte) {
  const std::string text = "Free entry in 2 a wkly comp!! to win FA-Cup final tkts, 21st May 2005. x ab, \xc3\xa9t\xc3\xa9 "
                           "WINNER!!As a valued network customer you have been selected to receivea \xc2\xa3" "900 prize "
                           "reward!aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,,, .";
  for (uint32_t hidden : {0u, 4u}) {
    const QuantModel q = make_q(hidden, hidden ? tt::Head::kSoftmax : tt::Head::kSigmoid, 3);
    tt::Model m;
    ASSERT_EQ(open(q.image, m), tt::kOk);
    check_push_text<tt::ModelState<6, 4, 3> >(m, text, hidden ? "D 6, H 4" : "D 6");
  }
  const QuantModel q = make_q(0, tt::Head::kSigmoid, 1, 1);
  tt::Model m;
  ASSERT_EQ(open(q.image, m), tt::kOk);
  ASSERT_EQ(m.dim, 1);
  check_push_text<tt::ModelState<1, 0, 1> >(m, text, "D 1");
}

// The static path (StaticModel: model_push's and model_push_text's ends of words on locals, the
// n-grams by descending n, the steady-state test) gives the generic path's state, byte for byte,
// for every char n-gram range and word n-gram setting of a linear one-dim model, on text with
// upper case, digits, punctuation runs, non-ASCII bytes, control bytes, and near the saturation
// limit.
const uint8_t* g_static_image = nullptr;
template <uint8_t W, uint8_t L, uint8_t U>
struct TestSpec {
  static const uint8_t* image() { return g_static_image; }
  static const uint32_t bytes = 40u + 64u + 5u + 8u + 3u + 4u;  // B = 64, D = K = 1, label "c0"
  static const uint8_t format = TT_MODEL_FORMAT_VERSION;
  static const uint8_t scheme = tt::kTokenizerScheme;
  static const uint32_t buckets = 64;
  static const uint8_t word_ngrams = W, char_min = L, char_max = U;
  static const uint16_t dim = 1, hidden = 0, outputs = 1, label_bytes = 3;
  static const uint8_t flags = tt::kModelLinear, pool = tt::kPoolSqrt;
  static const uint8_t text_row_count = 1;
  static const uint16_t table_groups = 0;
};
// The same with an exact table of 5 groups: 20 more rows and 20 fingerprints.
template <uint8_t W, uint8_t L, uint8_t U>
struct TableSpec : TestSpec<W, L, U> {
  static const uint32_t bytes = TestSpec<W, L, U>::bytes + 40u;
  static const uint8_t flags = tt::kModelLinear | tt::kModelExactTable;
  static const uint16_t table_groups = 5;
};

// The same, with digits folded (kModelFoldDigits: the tokenizer reads every digit as '0').
template <uint8_t W, uint8_t L, uint8_t U>
struct FoldSpec : TestSpec<W, L, U> {
  static const uint8_t flags = tt::kModelLinear | tt::kModelFoldDigits;
};
template <uint8_t W, uint8_t L, uint8_t U>
struct FoldTableSpec : TableSpec<W, L, U> {
  static const uint8_t flags = tt::kModelLinear | tt::kModelExactTable | tt::kModelFoldDigits;
};

// Fingerprints that catch some features of `text` (the first of each group's slots), the rest
// bytes no feature of it has.
std::vector<uint8_t> table_for(const tt::ModelShape& sh, const std::string& text) {
  std::vector<uint32_t> h;
  tt::append_text_hashes(sh.tokenizer, text, h);
  const uint32_t G = sh.table_groups;
  std::vector<uint8_t> t(4u * G), used(G, 0);
  std::vector<bool> seen(256, false);
  for (uint32_t x : h) seen[tt::table_fingerprint(x)] = true;
  for (size_t i = 0; i < h.size(); i += 3) {
    const uint32_t g = tt::bucket_of(h[i], G);
    const uint8_t f = tt::table_fingerprint(h[i]);
    if (used[g] == 4 || std::find(&t[4 * g], &t[4 * g] + used[g], f) != &t[4 * g] + used[g]) continue;
    t[4 * g + used[g]++] = f;
  }
  uint32_t v = 0;
  for (uint32_t g = 0; g < G; ++g)
    while (used[g] < 4) {
      while (seen[v % 256]) ++v;
      t[4 * g + used[g]++] = static_cast<uint8_t>(v++ % 256);
    }
  return t;
}

const char kParityText[] = "Free entry in 2 a wkly comp!! to win FA-Cup final tkts, 21st May 2005. x ab, \xc3\xa9t\xc3\xa9 "
                           "a,b ,c. d-e WINNER!!As\ta valued\r\nnetwork customer\x7f you have been selected to receivea "
                           "\xc2\xa3" "900 prize reward!aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,,, . I U 4 "
                           "\x01OK?  ab abc abcd abcde abcdef;";

template <uint8_t W, uint8_t L, uint8_t U, class S = TestSpec<W, L, U> >
void check_static_equals_generic() {
  const uint32_t G = S::table_groups;
  tt::ModelShape sh;
  sh.tokenizer = {64, W, L, U, uint8_t((S::flags & tt::kModelFoldDigits) ? 1 : 0)};
  sh.dim = 1;
  sh.outputs = 1;
  sh.linear = true;
  sh.pool = tt::Pool::kSqrt;
  sh.table_groups = G;
  tt::FloatModel fm;
  fm.init(sh, {"c0"});
  if (G) fm.table = table_for(sh, kParityText);
  tt::test::SplitMix64 r{5};
  for (auto& v : fm.emb) v = r.pm1();
  const QuantModel q = tt::quant::quantize(fm, tt::quant::calibrate(fm, {"free prize", "see you at noon"}, {}));
  ASSERT_EQ(q.image.size(), static_cast<size_t>(S::bytes));
  g_static_image = reinterpret_cast<const uint8_t*>(q.image.data());
  ASSERT_EQ(unsigned(g_static_image[tt::kHdrFlags]), unsigned(S::flags));
  ASSERT_EQ(unsigned(g_static_image[tt::kHdrPool]), unsigned(S::pool));
  tt::Model m;
  ASSERT_EQ(open(q.image, m), tt::kOk);
  tt::StaticModel<S> sm;
  const std::string text = kParityText;
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  for (uint32_t start : {0u, tt::kSaturateAt - 100u, tt::kSaturateAt - 1u}) {
    for (size_t chunk : {size_t{1}, size_t{7}, text.size()}) {
      tt::ModelState<1, 0, 1> g, a, b;
      std::memset(&g, 0, sizeof g);  // (padding bytes equal, for the memcmp)
      std::memset(&a, 0, sizeof a);
      std::memset(&b, 0, sizeof b);
      ASSERT_EQ(tt::model_reset(m, g), tt::kOk);
      ASSERT_EQ(tt::model_reset(sm, a), tt::kOk);
      ASSERT_EQ(tt::model_reset(sm, b), tt::kOk);
      g.count = a.count = b.count = start;
      for (size_t i = 0; i < text.size(); ++i) {
        tt::model_push(m, g, bytes[i]);
        tt::model_push(sm, a, bytes[i]);
        if (start == 0 && chunk == 1) {  // every prefix: the state and the scores
          ASSERT_EQ(std::memcmp(&g, &a, sizeof g), 0) << int(W) << " " << int(L) << "-" << int(U) << " at " << i;
          tt::ModelScores<1> sg, sa;
          tt::model_read(m, g, sg);
          tt::model_read(sm, a, sa);
          ASSERT_EQ(sg.logit[0], sa.logit[0]);
          ASSERT_EQ(sg.features, sa.features);
        }
      }
      for (size_t i = 0; i < text.size(); i += chunk)
        tt::model_push_text(sm, b, bytes + i, std::min(chunk, text.size() - i));
      EXPECT_EQ(std::memcmp(&g, &a, sizeof g), 0) << int(W) << " " << int(L) << "-" << int(U) << " " << start;
      EXPECT_EQ(std::memcmp(&g, &b, sizeof g), 0) << int(W) << " " << int(L) << "-" << int(U) << " " << start << " "
                                                  << chunk;
      if (start == 0) {
        EXPECT_GT(g.count, 100u);
      }
    }
  }
  g_static_image = nullptr;
}

TEST(Runtime, StaticPathEqualsGeneric) {
  check_static_equals_generic<2, 3, 5>();  // the 32K default's features, digits kept
  check_static_equals_generic<1, 3, 4>();  // the small-budget default
  check_static_equals_generic<2, 2, 6>();
  check_static_equals_generic<2, 4, 6>();
  check_static_equals_generic<1, 5, 5>();
  check_static_equals_generic<2, 0, 0>();
  // With an exact table.
  check_static_equals_generic<2, 3, 5, TableSpec<2, 3, 5> >();
  check_static_equals_generic<1, 3, 4, TableSpec<1, 3, 4> >();
  check_static_equals_generic<2, 0, 0, TableSpec<2, 0, 0> >();
  // Digits folded (the default for one output), with and without a table.
  check_static_equals_generic<2, 3, 5, FoldSpec<2, 3, 5> >();  // the 32K default
  check_static_equals_generic<1, 3, 4, FoldSpec<1, 3, 4> >();
  check_static_equals_generic<2, 0, 0, FoldSpec<2, 0, 0> >();
  check_static_equals_generic<1, 3, 4, FoldTableSpec<1, 3, 4> >();
}

// The exact table in the device image: flag bit 3, G at bytes 36-39, 4G more embedding rows after
// the buckets and the text row, the 4G fingerprints before the pooled requantisers. The int8
// scores follow the float model through the table (its slot rows hold weights far from the
// buckets', so a runtime that ignored the table would be off by far more than the tolerance),
// and model_open refuses every inconsistency.
// Digit folding in the device image: flag bit 4, which model_open turns into the tokenizer's
// fold_digits (the int8 runner scores texts that differ only in their digits alike, as the float
// model does); a file whose SHAP flag (bit 2) disagrees with the image is refused, either way.
TEST(Runtime, FoldDigitsImage) {
  for (const bool fold : {true, false}) {
    SCOPED_TRACE(fold ? "folded" : "kept");
    tt::FloatModel f = make_f(4, tt::Head::kSoftmax, 3, 6, true);
    f.shape.tokenizer.fold_digits = fold ? 1 : 0;
    const QuantModel q = quantize_f(f);
    EXPECT_EQ(uint8_t(q.image[tt::kHdrFlags]) & tt::kModelFoldDigits, fold ? tt::kModelFoldDigits : 0);
    tt::Model m;
    ASSERT_EQ(open(q.image, m), tt::kOk);
    EXPECT_EQ(m.tokenizer.fold_digits, fold ? 1u : 0u);
    tt::quant::Runner run(q);
    const tt::quant::IntScores a = run.score("call 0800 5551234 for 2 tkts");
    const tt::quant::IntScores b = run.score("call 0000 0000000 for 0 tkts");
    EXPECT_EQ(a.logit == b.logit, fold);
    EXPECT_EQ(f.scores("call 0800 5551234 for 2 tkts") == f.scores("call 0000 0000000 for 0 tkts"), fold);
    const std::string file = tt::quant::serialize_quant(q);
    EXPECT_EQ(tt::quant::parse_quant(file, "f.q8").shape.tokenizer.fold_digits, fold ? 1u : 0u);
    tt::ModelContainer c = tt::read_container(file, "f.q8");
    for (auto& sec : c.sections)
      if (sec.tag == tt::section_tag("SHAP")) sec.payload[23] = static_cast<char>(sec.payload[23] ^ 4);
    EXPECT_THROW(tt::quant::parse_quant(tt::write_container(c), "f.q8"), tt::Error);
  }
}

TEST(Runtime, ExactTable) {
  for (const bool linear : {true, false}) {
    SCOPED_TRACE(linear ? "linear" : "hidden");
    tt::FloatModel f = make_row_f(linear);
    tt::ModelShape sh = f.shape;
    sh.table_groups = 7;
    tt::FloatModel t;
    t.init(sh, f.labels);
    t.w1 = f.w1, t.b1 = f.b1, t.w2 = f.w2, t.b2 = f.b2;
    const uint32_t D = sh.dim, first = sh.table_first();
    for (size_t i = 0; i < t.emb.size(); ++i)
      t.emb[i] = i < size_t{first} * D ? f.emb[i] * 0.2f : (i % 2 ? 1.5f : -1.2f);
    const std::string text = "free prize, call now to claim your reward";
    t.table = table_for(sh, text);
    const std::vector<std::string> texts = {"", "a", "free prize", text};
    const QuantModel q = tt::quant::quantize(t, tt::quant::calibrate(t, texts, {}));
    EXPECT_EQ(uint8_t(q.image[tt::kHdrFlags]) & tt::kModelExactTable, tt::kModelExactTable);
    EXPECT_EQ(uint8_t(q.image[tt::kHdrTableGroups]), 7u);
    tt::Model m;
    ASSERT_EQ(open(q.image, m), tt::kOk);
    EXPECT_EQ(m.groups, 7u);
    EXPECT_EQ(m.off_mpool, tt::kModelHeaderBytes + (first + 28u) * D + 28u);
    std::string sorted(t.table.begin(), t.table.end());  // the image stores each group ascending
    for (auto g = sorted.begin(); g != sorted.end(); g += 4) std::sort(g, g + 4, std::less<unsigned char>());
    EXPECT_EQ(q.image.substr(tt::kModelHeaderBytes, 28), sorted);
    tt::quant::Runner run(q);
    tt::FloatModel plain = f;  // the same weights without the table
    for (size_t i = 0; i < size_t{first} * D; ++i) plain.emb[i] = t.emb[i];
    const std::vector<uint16_t> feats = t.features(text);
    size_t hits = 0;
    for (uint16_t x : feats) hits += x >= first;
    EXPECT_GE(hits, 3u);
    for (const std::string& x : texts) {
      SCOPED_TRACE(x);
      const std::vector<uint16_t> fx = t.features(x);
      const tt::quant::IntScores r = run.score(x);
      EXPECT_EQ(r.features, fx.size());
      const std::vector<float> z = t.logits_from_features(fx.data(), fx.size());
      for (size_t k = 0; k < z.size(); ++k) EXPECT_NEAR(r.logit[k] / 65536.0, z[k], 0.05) << k;
    }
    const tt::quant::IntScores r = run.score(text);
    const std::vector<uint16_t> fp = plain.features(text);
    const std::vector<float> zp = plain.logits_from_features(fp.data(), fp.size());
    double off = 0;
    for (size_t k = 0; k < zp.size(); ++k) off = std::max(off, std::fabs(r.logit[k] / 65536.0 - zp[k]));
    EXPECT_GT(off, 0.2);  // the table matters for this text
    // The file round trip keeps the table (it lives in the image).
    const std::string file = tt::quant::serialize_quant(q);
    const QuantModel back = tt::quant::parse_quant(file, "t.q8");
    EXPECT_EQ(back.shape.table_groups, 7u);
    EXPECT_EQ(back.image, q.image);
    // SHAP without the table flag (bit 1 of its flags byte) disagrees with the image: refused.
    tt::ModelContainer c = tt::read_container(file, "t.q8");
    for (auto& sec : c.sections)
      if (sec.tag == tt::section_tag("SHAP")) sec.payload[23] = static_cast<char>(sec.payload[23] & ~2);
    EXPECT_THROW(tt::quant::parse_quant(tt::write_container(c), "t.q8"), tt::Error);
    // Refusals.
    std::string s = q.image;
    s[5] = static_cast<char>(s[5] & ~tt::kModelExactTable);  // G without the flag: as before the table
    reseal(s);
    EXPECT_EQ(open(s, m), tt::kBadVersion);
    s = q.image;
    put32(s, 36, 0);  // the flag without G
    reseal(s);
    EXPECT_EQ(open(s, m), tt::kBadSize);
    s = q.image;
    put32(s, 36, 8);  // sizes no longer match the length
    reseal(s);
    EXPECT_EQ(open(s, m), tt::kBadSize);
    s = q.image;
    put32(s, 36, tt::kMaxTableGroups + 1);
    reseal(s);
    EXPECT_EQ(open(s, m), tt::kBadSize);
    s = q.image;
    s[40 + (first + 28u) * D] ^= 1;  // a fingerprint: covered by the CRC
    EXPECT_EQ(open(s, m), tt::kBadChecksum);
  }
}

}  // namespace
