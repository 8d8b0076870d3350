// Quantisation-aware training (tinytext train --qat): the shadow weights are the int8 model's
// (on its grid, a projection, and what the device runtime computes), the straight-through
// gradient is the exact gradient at the shadow weights, and the trainer's int8 output is
// reproducible (same seed; 1 vs 2 threads), loads, and evaluates.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/rng.h"
#include "data/dataset.h"
#include "eval/metrics.h"
#include "model/model_io.h"
#include "numerics/fake_quant.h"
#include "quant/quantize.h"
#include "test_util.h"
#include "train/backprop.h"
#include "train/trainer.h"

namespace {

namespace td = tt::train::detail;
using tt::Head;
using tt::Pool;

tt::FloatModel random_model(uint32_t dim, uint32_t hidden, uint32_t outputs, bool linear, Head head, uint64_t seed) {
  tt::ModelShape s;
  s.tokenizer = {97, 2, 3, 4, 0};
  s.dim = linear ? outputs : dim;
  s.hidden = hidden;
  s.outputs = outputs;
  s.linear = linear;
  s.head = head;
  s.pool = Pool::kSqrt;
  std::vector<std::string> labels;
  for (uint32_t k = 0; k < outputs; ++k) labels.push_back("l" + std::to_string(k));
  tt::FloatModel m;
  m.init(s, labels);
  tt::SplitMix64 r(seed);
  auto u = [&] { return static_cast<float>(r.uniform() * 2 - 1); };
  for (auto& v : m.emb) v = u();
  for (auto& v : m.w1) v = u() * 0.5f;
  for (auto& v : m.b1) v = u() * 0.1f;
  for (auto& v : m.w2) v = u();
  for (auto& v : m.b2) v = u() * 0.2f;
  return m;
}

struct Shape {
  uint32_t dim, hidden, outputs;
  bool linear;
  Head head;
};
const Shape kShapes[] = {{1, 0, 1, true, Head::kSigmoid},
                         {3, 0, 3, true, Head::kSoftmax},
                         {8, 0, 2, false, Head::kSigmoid},
                         {8, 6, 3, false, Head::kSoftmax}};

tt::numerics::FakeQuant observed(const tt::FloatModel& m, const std::vector<std::string>& texts) {
  tt::numerics::FakeQuant fq(m.shape);
  for (const auto& t : texts) {
    const auto f = m.features(t);
    fq.observe(m, f.data(), f.size());
  }
  return fq;
}

// Every shadow embedding weight is an integer in [-127, 127] times its column's scale, within half
// a step of the master weight; refreshing from the shadow gives the shadow again.
TEST(Qat, ShadowIsOnTheInt8GridAndAProjection) {
  const auto texts = tt::test::sms_texts(200);
  for (const Shape& sh : kShapes) {
    const tt::FloatModel m = random_model(sh.dim, sh.hidden, sh.outputs, sh.linear, sh.head, 5);
    const tt::numerics::FakeQuant fq = observed(m, texts);
    tt::FloatModel shadow, again;
    fq.refresh(m, shadow);
    const uint32_t B = m.shape.tokenizer.buckets, D = m.shape.dim;
    for (uint32_t d = 0; d < D; ++d) {
      double mx = 0;
      for (uint32_t b = 0; b < B; ++b) mx = std::max(mx, std::fabs(double{m.emb[size_t{b} * D + d]}));
      const double se = mx / 127;
      for (uint32_t b = 0; b < B; ++b) {
        const double q = shadow.emb[size_t{b} * D + d] / se;
        EXPECT_NEAR(q, std::round(q), 1e-4) << "d=" << d << " b=" << b;
        EXPECT_LE(std::fabs(q), 127.0 + 1e-4);
        EXPECT_LE(std::fabs(shadow.emb[size_t{b} * D + d] - m.emb[size_t{b} * D + d]), se / 2 + 1e-6);
      }
    }
    EXPECT_NE(shadow.emb, m.emb);
    fq.refresh(shadow, again);
    const std::vector<float>* sa[] = {&again.emb, &again.w1, &again.b1, &again.w2, &again.b2};
    const std::vector<float>* ss[] = {&shadow.emb, &shadow.w1, &shadow.b1, &shadow.w2, &shadow.b2};
    for (size_t t = 0; t < 5; ++t) {
      ASSERT_EQ(sa[t]->size(), ss[t]->size());
      for (size_t i = 0; i < ss[t]->size(); ++i)
        EXPECT_NEAR((*sa[t])[i], (*ss[t])[i], 1e-5 * std::max(1.0f, std::fabs((*ss[t])[i]))) << "tensor " << t;
    }
  }
}

// The shadow model's logits are the device runtime's (up to activation rounding), much closer
// to them than the float master's: training on the shadow trains the model that ships.
TEST(Qat, ShadowIsWhatTheDeviceComputes) {
  const auto texts = tt::test::sms_texts(300);
  for (const Shape& sh : kShapes) {
    const tt::FloatModel m = random_model(sh.dim, sh.hidden, sh.outputs, sh.linear, sh.head, 9);
    const tt::numerics::FakeQuant fq = observed(m, texts);
    tt::FloatModel shadow;
    fq.refresh(m, shadow);
    const tt::quant::QuantModel q = tt::quant::quantize(m, fq.ranges(), "test");
    tt::quant::Runner run(q);
    double err_shadow = 0, err_master = 0;
    for (const auto& t : texts) {
      const auto f = m.features(t);
      const auto ls = shadow.logits_from_features(f.data(), f.size());
      const auto lm = m.logits_from_features(f.data(), f.size());
      const tt::quant::IntScores is = run.score(t);
      for (size_t k = 0; k < ls.size(); ++k) {
        const double li = is.logit[k] / 65536.0;
        err_shadow = std::max(err_shadow, std::fabs(li - ls[k]));
        err_master = std::max(err_master, std::fabs(li - lm[k]));
      }
    }
    EXPECT_LT(err_shadow, 2e-3) << "D=" << sh.dim << " H=" << sh.hidden;
    EXPECT_LT(err_shadow * 4, err_master) << "D=" << sh.dim << " H=" << sh.hidden;
  }
}

// observe_activations (the trainer's cheap path) records what observe records.
TEST(Qat, ObserveActivationsMatchesObserve) {
  const tt::FloatModel m = random_model(8, 6, 3, false, Head::kSoftmax, 3);
  tt::numerics::FakeQuant a(m.shape), b(m.shape);
  const std::vector<double> mw(m.emb.begin(), m.emb.end()), w1(m.w1.begin(), m.w1.end()),
      b1(m.b1.begin(), m.b1.end()), w2(m.w2.begin(), m.w2.end()), b2(m.b2.begin(), m.b2.end());
  tt::Weights<float> w{m.emb.data(), m.w1.data(), m.b1.data(), m.w2.data(), m.b2.data()};
  td::Cache<float> c;
  c.resize(m.shape);
  for (const auto& t : tt::test::sms_texts(100)) {
    const auto f = m.features(t);
    a.observe(m, f.data(), f.size());
    tt::forward(m.shape, w, f.data(), f.size(), c);
    b.observe_activations(c.p.data(), c.a1.data());
  }
  const tt::numerics::Ranges ra = a.ranges(), rb = b.ranges();
  EXPECT_EQ(ra.examples, 100u);
  EXPECT_EQ(rb.examples, 100u);
  ASSERT_EQ(ra.pooled.size(), 8u);
  ASSERT_EQ(ra.hidden.size(), 6u);
  for (size_t d = 0; d < 8; ++d) EXPECT_NEAR(ra.pooled[d], rb.pooled[d], 1e-5 * ra.pooled[d]);
  for (size_t h = 0; h < 6; ++h) EXPECT_NEAR(ra.hidden[h], rb.hidden[h], 1e-5 * std::max(1.0, ra.hidden[h]));
  EXPECT_GT(ra.pooled[0], 0.0);
}

// The straight-through estimator: the gradient QAT applies to the master weights is the exact
// gradient of the loss at the shadow (int8) weights, checked by central differences in double,
// and it differs from the float model's gradient (so QAT is not a no-op).
TEST(Qat, StraightThroughGradientIsTheShadowGradient) {
  const auto texts = tt::test::sms_texts(50);
  for (const Shape& sh : kShapes) {
    // Coarse weights (few distinct values) so that quantisation visibly moves the gradient.
    tt::FloatModel m = random_model(sh.dim, sh.hidden, sh.outputs, sh.linear, sh.head, 11);
    const tt::numerics::FakeQuant fq = observed(m, texts);
    tt::FloatModel shadow;
    fq.refresh(m, shadow);
    const auto f = m.features("URGENT! call now to claim your prize");
    std::vector<uint8_t> y(sh.outputs, 0);
    y[0] = 1;
    td::Grads gs, gm;
    td::example_grads(shadow, f.data(), f.size(), y.data(), nullptr, nullptr, nullptr, gs);
    td::example_grads(m, f.data(), f.size(), y.data(), nullptr, nullptr, nullptr, gm);
    EXPECT_NE(gs.emb, gm.emb);
    std::vector<std::vector<double>> p;
    for (const auto* t : {&shadow.emb, &shadow.w1, &shadow.b1, &shadow.w2, &shadow.b2})
      p.emplace_back(t->begin(), t->end());
    auto loss = [&] {
      tt::Weights<double> w{p[0].data(), p[1].data(), p[2].data(), p[3].data(), p[4].data()};
      td::Cache<double> c;
      c.resize(shadow.shape);
      tt::forward(shadow.shape, w, f.data(), f.size(), c);
      return td::loss_grad<double>(shadow.shape.head, c.z.data(), y.data(), sh.outputs, nullptr, nullptr, nullptr,
                                   c.dz.data());
    };
    const std::vector<double>* ana[] = {&gs.emb, &gs.w1, &gs.b1, &gs.w2, &gs.b2};
    for (size_t t = 0; t < 5; ++t) {
      for (size_t i = 0; i < p[t].size(); ++i) {
        if (t == 0 && (*ana[0])[i] == 0) continue;  // rows the text does not touch
        const double keep = p[t][i], h = 1e-6;
        p[t][i] = keep + h;
        const double lp = loss();
        p[t][i] = keep - h;
        const double lm = loss();
        p[t][i] = keep;
        EXPECT_NEAR((*ana[t])[i], (lp - lm) / (2 * h), 1e-6 * std::max(1.0, std::fabs((lp - lm) / (2 * h))))
            << "tensor " << t << " [" << i << "] D=" << sh.dim << " H=" << sh.hidden;
      }
    }
  }
}

// Not shared_path: this runs before main, where a missing file must not stop the test listing.
const std::string kSms = std::string(TT_SHARED_DIR) + "/data/sms-spam-collection/SMSSpamCollection" +
                         " --format tsv --no-header --label 1 --text 2";

std::string tmpdir() {
  char tmpl[] = "/tmp/tt_qat_test.XXXXXX";
  const char* d = mkdtemp(tmpl);
  return d ? d : "/tmp";
}

tt::test::RunResult cli(const std::string& args) { return tt::test::run(std::string(TT_CLI_PATH) + " " + args); }

// --qat writes an int8 model (kind 1), byte-identical for the same seed and for 1 or 2 threads
// (also with --refit, and for an embedding model whose batches train on several threads), that
// `tinytext eval` scores.
TEST(Qat, CliWritesReproducibleInt8ModelThatEvaluates) {
  const std::string dir = tmpdir();
  const std::string base = "train " + kSms + " --quiet --qat --epochs 3 --max-flash 4K --seed 7";
  ASSERT_EQ(cli(base + " --threads 2 -o " + dir + "/a.q8").exit_code, 0);
  ASSERT_EQ(cli(base + " --threads 2 -o " + dir + "/b.q8").exit_code, 0);
  ASSERT_EQ(cli(base + " --threads 1 -o " + dir + "/c.q8").exit_code, 0);
  const std::string a = tt::test::read_file(dir + "/a.q8");
  EXPECT_EQ(a, tt::test::read_file(dir + "/b.q8"));
  EXPECT_EQ(a, tt::test::read_file(dir + "/c.q8"));
  EXPECT_EQ(tt::model_file_kind(dir + "/a.q8"), tt::ModelKind::kInt8);
  const tt::quant::QuantModel q = tt::quant::load_quant(dir + "/a.q8");
  EXPECT_NE(q.qinfo.find("quantisation-aware"), std::string::npos) << q.qinfo;
  ASSERT_EQ(cli("train " + kSms + " --quiet --epochs 3 --max-flash 4K --seed 7 -o " + dir + "/f.ttm").exit_code, 0);
  EXPECT_EQ(tt::model_file_kind(dir + "/f.ttm"), tt::ModelKind::kFloat32);

  const tt::test::RunResult e = cli("eval " + dir + "/a.q8 " + kSms + " --json");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_NE(e.out.find("\"kind\":\"int8\""), std::string::npos) << e.out;
  const size_t at = e.out.find("\"mean_auc\":");
  ASSERT_NE(at, std::string::npos);
  EXPECT_GT(std::stod(e.out.substr(at + 11)), 0.98);

  const std::string refit = "train " + kSms + " --quiet --qat --refit --epochs 2 --max-flash 4K --seed 3";
  ASSERT_EQ(cli(refit + " --threads 1 -o " + dir + "/r1.q8").exit_code, 0);
  ASSERT_EQ(cli(refit + " --threads 2 -o " + dir + "/r2.q8").exit_code, 0);
  EXPECT_EQ(tt::test::read_file(dir + "/r1.q8"), tt::test::read_file(dir + "/r2.q8"));

  // Large batches of an embedding + hidden model run both training phases on 2-3 threads.
  const std::string emb = "train " + kSms + " --quiet --qat --epochs 1 --dim 32 --hidden 8 --buckets 8192 " +
                          "--batch 256 --seed 3";
  ASSERT_EQ(cli(emb + " --threads 1 -o " + dir + "/e1.q8").exit_code, 0);
  ASSERT_EQ(cli(emb + " --threads 3 -o " + dir + "/e3.q8").exit_code, 0);
  EXPECT_EQ(tt::test::read_file(dir + "/e1.q8"), tt::test::read_file(dir + "/e3.q8"));

  const tt::test::RunResult bad = cli("train " + kSms + " --margin 3 -o " + dir + "/x.ttm");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--margin"), std::string::npos) << bad.err;
}

// In the library: the returned master + ranges quantise to the validated int8 model; its
// held-out AUC is that of the float model it shadows.
TEST(Qat, LibraryRangesGiveTheValidatedInt8Model) {
  const tt::data::Dataset all = tt::test::read_sms();
  tt::data::Dataset train = all;
  train.texts.resize(4000);
  train.targets.resize(4000);
  train.lines.resize(4000);
  tt::train::TrainRequest o;
  o.quiet = true;
  o.max_flash = 4096;
  o.epochs = 4;
  o.qat = true;
  o.dim = 8;  // an embedding model with a hidden layer: ranges matter
  o.hidden = 4;
  // Words and bigrams only: with the default char 3-5 n-grams this 448-bucket shape collapses to a
  // constant score (AUC 0.5, also through the CLI) within 4 epochs.
  o.char_ngrams = std::array<uint8_t, 2>{0, 0};
  tt::train::TrainReport rep;
  const tt::FloatModel m = tt::train::train(train, o, &rep);
  ASSERT_EQ(rep.qat_ranges.pooled.size(), 8u);
  ASSERT_EQ(rep.qat_ranges.hidden.size(), 4u);
  EXPECT_GT(rep.qat_ranges.examples, 1024u);
  const tt::quant::QuantModel q = tt::quant::quantize(m, rep.qat_ranges, "qat");
  const tt::FloatModel shadow = tt::numerics::dequantized(m, rep.qat_ranges);
  tt::quant::Runner run(q);
  std::vector<double> si, sf;
  std::vector<uint8_t> y;
  for (size_t i = 4000; i < all.size(); ++i) {
    si.push_back(static_cast<float>(run.score(all.texts[i]).logit[0]));
    sf.push_back(shadow.scores(all.texts[i])[0]);
    y.push_back(all.targets[i]);
  }
  const double ai = tt::eval::roc_auc(si, y), af = tt::eval::roc_auc(sf, y);
  EXPECT_GT(ai, 0.97);
  EXPECT_NEAR(ai, af, 1e-3);
}

}  // namespace
