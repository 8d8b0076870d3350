// Quantisation: host-side multipliers, the device requantiser's golden values, float vs int8 on
// random models of every shape, the kind-1 file (round trip, refusals), and the accuracy budget
// on real data (SMS spam, trained here in about a second).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/error.h"
#include "data/dataset.h"
#include "model/model_io.h"
#include "quant/any_model.h"
#include "quant/compare.h"
#include "quant/quantize.h"
#include "test_util.h"
#include "tinytext/model.h"
#include "train/trainer.h"

namespace {

using tt::quant::IntScores;
using tt::quant::QuantModel;

tt::FloatModel random_model(uint32_t dim, uint32_t hidden, uint32_t outputs, bool linear, tt::Head head, tt::Pool pool,
                            uint64_t seed) {
  tt::ModelShape s;
  s.tokenizer = {97, 2, 3, 4, 0};
  s.dim = linear ? outputs : dim;
  s.hidden = hidden;
  s.outputs = outputs;
  s.linear = linear;
  s.head = head;
  s.pool = pool;
  std::vector<std::string> labels;
  for (uint32_t k = 0; k < outputs; ++k) labels.push_back("label" + std::to_string(k));
  tt::FloatModel m;
  m.init(s, labels);
  tt::test::SplitMix64 r{seed};
  auto u = [&] { return r.pm1(); };
  for (auto& v : m.emb) v = u();
  for (auto& v : m.w1) v = u() * 0.5f;
  for (auto& v : m.b1) v = u() * 0.1f;
  for (auto& v : m.w2) v = u();
  for (auto& v : m.b2) v = u() * 0.2f;
  for (auto& v : m.threshold) v = 0.3f + 0.4f * (u() + 1) / 2;
  return m;
}

TEST(Quant, MultiplierGolden) {
  int32_t m;
  uint8_t s;
  tt::quant::quantize_multiplier(0.5, &m, &s);
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 31);
  tt::quant::quantize_multiplier(1.0, &m, &s);
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 30);
  tt::quant::quantize_multiplier(0.75, &m, &s);
  EXPECT_EQ(m, 1610612736);
  EXPECT_EQ(s, 31);
  tt::quant::quantize_multiplier(0.0, &m, &s);
  EXPECT_EQ(m, 0);
  EXPECT_THROW(tt::quant::quantize_multiplier(-1.0, &m, &s), tt::Error);
  EXPECT_THROW(tt::quant::quantize_multiplier(std::ldexp(1.0, 31), &m, &s), tt::Error);
}

TEST(Quant, RescaleRoundsHalfAwayFromZeroAndSaturates) {
  using tt::detail::rescale;
  EXPECT_EQ(rescale(3, 1 << 30, 31), 2);    // 1.5 -> 2
  EXPECT_EQ(rescale(-3, 1 << 30, 31), -2);  // -1.5 -> -2
  EXPECT_EQ(rescale(5, 1 << 30, 32), 1);    // 1.25 -> 1
  EXPECT_EQ(rescale(-5, 1 << 30, 32), -1);
  EXPECT_EQ(rescale(7, 1 << 30, 32), 2);    // 1.75 -> 2
  EXPECT_EQ(rescale(0, 1 << 30, 1), 0);
  EXPECT_EQ(rescale(2147483647, 1 << 30, 1), 2147483647);  // 2^60 saturates
  EXPECT_EQ(rescale(-2147483647 - 1, 2147483647, 1), -2147483647 - 1);
  // 32-bit evaluation: mult is used to 16 bits and x to 16 significant bits; relative error < 2^-14.
  for (int32_t x : {1, -77, 12345, -65535, 65536, 1000003, -987654321, 2147483647}) {
    for (uint32_t mult : {1u << 30, 1518500250u, 2147483647u}) {
      for (int sh : {8, 20, 31, 40, 46}) {
        const double want = std::ldexp(static_cast<double>(x) * static_cast<double>(mult), -sh);
        if (std::fabs(want) >= 2147483647.0) continue;
        EXPECT_NEAR(rescale(x, mult, static_cast<uint8_t>(sh)), want, std::fabs(want) * std::ldexp(1.0, -14) + 1.0) << x << " " << mult;
      }
    }
  }
}

// A hand-checkable model: every embedding weight 1.0, bias 0.25, linear, mean pooling. Any
// non-empty text has pooled value exactly 1: logit = 1.25 in Q16.16 = 81920, sigmoid(1.25) =
// 0.777300 -> Q15 25470.6.
TEST(Quant, HandCheckedLinearModel) {
  tt::ModelShape s;
  s.tokenizer = {4, 1, 0, 0, 0};
  s.dim = 1;
  s.outputs = 1;
  s.linear = true;
  tt::FloatModel m;
  m.init(s, {"yes"});
  for (auto& v : m.emb) v = 1.0f;
  m.b2[0] = 0.25f;
  const QuantModel q = tt::quant::quantize(m, tt::quant::calibrate(m, {}, {}));
  tt::quant::Runner run(q);
  for (const char* t : {"a", "hello world", "x y z w v u"}) {
    const IntScores r = run.score(t);
    EXPECT_EQ(r.logit[0], 81920) << t;
    EXPECT_NEAR(r.prob[0], 25471, 1) << t;
    EXPECT_EQ(r.positive[0], 1);
  }
  const IntScores empty = run.score("");
  EXPECT_EQ(empty.features, 0u);
  EXPECT_EQ(empty.logit[0], 16384);  // only the bias
  EXPECT_NEAR(empty.prob[0], 32768 * (1 / (1 + std::exp(-0.25))), 1);
}

struct ShapeCase {
  uint32_t dim, hidden, outputs;
  bool linear;
  tt::Head head;
  tt::Pool pool;
};

class QuantShapes : public ::testing::TestWithParam<ShapeCase> {};

TEST_P(QuantShapes, Int8TracksFloat) {
  const ShapeCase c = GetParam();
  const tt::FloatModel m = random_model(c.dim, c.hidden, c.outputs, c.linear, c.head, c.pool, 7 + c.dim + c.hidden);
  const std::vector<std::string> calib = tt::test::sms_texts(400);
  const QuantModel q = tt::quant::quantize(m, tt::quant::calibrate(m, calib, {}));
  tt::quant::Runner run(q);
  // Logit error relative to the largest logit: int8 weights carry about 1/254 of their row's
  // largest value, so the error grows with the activations (sum pooling of random weights gives
  // logits of +-30 built from large cancelling terms).
  double worst = 0, top = 1;
  size_t agree = 0;
  for (const auto& t : calib) {
    const std::vector<uint16_t> feats = m.features(t);
    const std::vector<float> z = m.logits_from_features(feats.data(), feats.size());
    const IntScores r = run.score(t);
    size_t fbest = 0;
    for (size_t k = 0; k < z.size(); ++k) {
      worst = std::max(worst, std::fabs(z[k] - r.logit[k] / 65536.0));
      top = std::max(top, double{std::fabs(z[k])});
      if (z[k] > z[fbest]) fbest = k;
    }
    agree += fbest == r.best;
  }
  EXPECT_LT(worst / top, 0.02) << q.shape.describe() << " worst logit error " << worst << " of " << top;
  EXPECT_GE(agree, calib.size() * 95 / 100) << q.shape.describe();
  // The dequantised float model (what QAT trains through) is what the device computes.
  const tt::FloatModel dq = tt::numerics::dequantized(m, tt::quant::calibrate(m, calib, {}));
  double dworst = 0;
  for (size_t i = 0; i < 50; ++i) {
    const std::vector<float> f = dq.scores(calib[i]);
    const IntScores r = run.score(calib[i]);
    for (size_t k = 0; k < f.size(); ++k) dworst = std::max(dworst, std::fabs(f[k] - r.prob[k] / 32768.0));
  }
  EXPECT_LT(dworst, 0.005) << q.shape.describe();
}

INSTANTIATE_TEST_SUITE_P(
    All, QuantShapes,
    ::testing::Values(ShapeCase{1, 0, 1, true, tt::Head::kSigmoid, tt::Pool::kMean},
                      ShapeCase{3, 0, 3, true, tt::Head::kSoftmax, tt::Pool::kSqrt},
                      ShapeCase{8, 0, 1, false, tt::Head::kSigmoid, tt::Pool::kMean},
                      ShapeCase{8, 0, 4, false, tt::Head::kSigmoid, tt::Pool::kSum},
                      ShapeCase{16, 8, 1, false, tt::Head::kSigmoid, tt::Pool::kMean},
                      ShapeCase{16, 8, 3, false, tt::Head::kSoftmax, tt::Pool::kSqrt},
                      ShapeCase{12, 5, 6, false, tt::Head::kSigmoid, tt::Pool::kSum}));

TEST(Quant, FileRoundTripAndRefusals) {
  const tt::FloatModel m = random_model(8, 4, 3, false, tt::Head::kSoftmax, tt::Pool::kMean, 3);
  const QuantModel q = tt::quant::quantize(m, tt::quant::calibrate(m, tt::test::sms_texts(50), {}), "test");
  const std::string bytes = tt::quant::serialize_quant(q);
  EXPECT_EQ(bytes, tt::quant::serialize_quant(tt::quant::parse_quant(bytes, "q")));
  const QuantModel back = tt::quant::parse_quant(bytes, "q");
  EXPECT_EQ(back.image, q.image);
  EXPECT_EQ(back.labels, q.labels);
  // The float reader refuses kind 1; the int8 reader refuses kind 0.
  EXPECT_THROW(tt::parse_model(bytes, "q"), tt::Error);
  try {
    tt::quant::parse_quant(tt::serialize_model(m), "f.ttm");
    FAIL();
  } catch (const tt::Error& e) {
    EXPECT_NE(std::string(e.what()).find("quantize"), std::string::npos) << e.what();
  }
  // Truncated, corrupt, other version.
  EXPECT_THROW(tt::quant::parse_quant(bytes.substr(0, bytes.size() - 1), "q"), tt::Error);
  std::string bad = bytes;
  bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 0x40);
  EXPECT_THROW(tt::quant::parse_quant(bad, "q"), tt::Error);
  bad = bytes;
  bad[8] = 2;
  EXPECT_THROW(tt::quant::parse_quant(bad, "q"), tt::Error);
  // A container that is valid but whose image is not (another image format version).
  QuantModel v = q;
  v.image[tt::kHdrVersion] = 9;
  try {
    tt::quant::parse_quant(tt::quant::serialize_quant(v), "v.q8");
    FAIL();
  } catch (const tt::Error& e) {
    EXPECT_NE(std::string(e.what()).find("version"), std::string::npos) << e.what();
  }
  // LoadedModel gives the device's outputs as monotone doubles.
  tt::quant::LoadedModel lm = tt::quant::LoadedModel::from_quant(q);
  const IntScores r = lm.raw("win a prize now");
  const std::vector<double> s = lm.scores("win a prize now");
  for (size_t k = 0; k < s.size(); ++k) EXPECT_EQ(s[k], r.rank[k] / 1073741824.0);
}

// The budget on real data: int8 loses at most 0.002 ROC AUC against its float parent.
// (bench/quant_bench.sh runs every shared task and more shapes.)
TEST(Quant, SmsBudget) {
  tt::data::Dataset all = tt::test::read_sms(), train, test;
  tt::test::split_every_fifth(all, train, test);
  for (int variant = 0; variant < 2; ++variant) {
    tt::train::TrainRequest o;
    o.quiet = true;
    o.epochs = 5;
    if (variant == 0) {
      o.max_flash = 4096;
    } else {
      o.buckets = 1024;
      o.dim = 16;
      o.hidden = 8;
    }
    const tt::FloatModel m = tt::train::train(train, o);
    const QuantModel q = tt::quant::quantize(m, tt::quant::calibrate(m, train.texts, {}));
    const tt::quant::Comparison c = tt::quant::compare(m, q, test);
    EXPECT_GE(c.int8_value, c.float_value - 0.002) << m.shape.describe();
    EXPECT_GE(c.decision_agreement, 0.99) << m.shape.describe();
  }
}

}  // namespace
