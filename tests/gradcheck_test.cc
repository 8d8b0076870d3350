// Gradient checks: the trainer's analytic gradients (train/backprop.h, in double) against central
// differences in double, for every layer (embedding bag with each pooling, hidden + ReLU, output,
// the linear model) and every loss (sigmoid BCE with class weights, softmax CE with class weights).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "common/error.h"
#include "common/rng.h"
#include "train/backprop.h"
#include "train/features.h"
#include "train/trainer.h"

namespace {

using tt::Head;
using tt::ModelShape;
using tt::Pool;
namespace td = tt::train::detail;

struct Case {
  uint32_t dim, hidden, outputs;
  bool linear;
  Head head;
  Pool pool;
  uint8_t text_row = 0;  // c > 0: the features end with the text row, index B = 11, c times
};

tt::FloatModel make(const Case& c, uint64_t seed) {
  ModelShape s;
  s.tokenizer = {11, 2, 0, 0, 0};
  s.dim = c.dim;
  s.hidden = c.hidden;
  s.outputs = c.outputs;
  s.linear = c.linear;
  s.head = c.head;
  s.pool = c.pool;
  s.text_row = c.text_row != 0;
  s.text_row_count = c.text_row ? c.text_row : 1;
  std::vector<std::string> labels(c.outputs, "x");
  tt::FloatModel m;
  m.init(s, labels);
  tt::SplitMix64 r(seed);
  for (auto* t : {&m.emb, &m.w1, &m.b1, &m.w2, &m.b2})
    for (auto& x : *t) x = static_cast<float>(r.uniform() * 2 - 1);
  return m;
}

double loss_of(const tt::FloatModel& m, const std::vector<std::vector<double>>& p, const uint16_t* f, size_t n,
               const uint8_t* y, const float* wpos, const float* wneg, const float* wcls) {
  tt::Weights<double> w{p[0].data(), p[1].data(), p[2].data(), p[3].data(), p[4].data()};
  td::Cache<double> c;
  c.resize(m.shape);
  tt::forward(m.shape, w, f, n, c);
  return td::loss_grad<double>(m.shape.head, c.z.data(), y, m.shape.outputs, wpos, wneg, wcls, c.dz.data());
}

void check(const Case& c) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const tt::FloatModel m = make(c, seed);
    std::vector<uint16_t> fv = {3, 7, 3, 10, 0};
    tt::append_text_row(m.shape, fv);  // as the trainer does
    ASSERT_EQ(fv.size(), 5u + c.text_row);
    const uint16_t* f = fv.data();
    const size_t n = fv.size();
    std::vector<uint8_t> y(c.outputs, 0);
    if (c.head == Head::kSoftmax) {
      y[seed % c.outputs] = 1;
    } else {
      for (uint32_t k = 0; k < c.outputs; ++k) y[k] = static_cast<uint8_t>((k + seed) % 2);
    }
    const std::vector<float> wpos(c.outputs, 3.5f), wneg(c.outputs, 0.6f);
    std::vector<float> wcls(c.outputs);
    for (uint32_t k = 0; k < c.outputs; ++k) wcls[k] = 0.5f + static_cast<float>(k);
    const float* wp = c.head == Head::kSigmoid ? wpos.data() : nullptr;
    const float* wn = c.head == Head::kSigmoid ? wneg.data() : nullptr;
    const float* wc = c.head == Head::kSoftmax ? wcls.data() : nullptr;

    td::Grads g;
    const double loss = td::example_grads(m, f, n, y.data(), wp, wn, wc, g);
    std::vector<std::vector<double>> p;
    for (const auto* t : {&m.emb, &m.w1, &m.b1, &m.w2, &m.b2}) p.emplace_back(t->begin(), t->end());
    EXPECT_NEAR(loss, loss_of(m, p, f, n, y.data(), wp, wn, wc), 1e-12);
    const std::vector<double>* analytic[] = {&g.emb, &g.w1, &g.b1, &g.w2, &g.b2};
    const char* names[] = {"emb", "w1", "b1", "w2", "b2"};
    const double h = 1e-6;
    for (size_t t = 0; t < 5; ++t) {
      ASSERT_EQ(analytic[t]->size(), p[t].size()) << names[t];
      for (size_t i = 0; i < p[t].size(); ++i) {
        const double keep = p[t][i];
        p[t][i] = keep + h;
        const double lp = loss_of(m, p, f, n, y.data(), wp, wn, wc);
        p[t][i] = keep - h;
        const double lm = loss_of(m, p, f, n, y.data(), wp, wn, wc);
        p[t][i] = keep;
        const double num = (lp - lm) / (2 * h);
        const double ana = (*analytic[t])[i];
        EXPECT_NEAR(ana, num, 1e-6 * std::max(1.0, std::fabs(num)))
            << names[t] << "[" << i << "] seed " << seed << " D=" << c.dim << " H=" << c.hidden
            << " K=" << c.outputs << " head=" << tt::head_name(c.head) << " pool=" << tt::pool_name(c.pool);
      }
    }
  }
}

TEST(GradCheck, LinearSigmoidEveryPooling) {
  for (Pool pool : {Pool::kMean, Pool::kSqrt, Pool::kSum}) check({2, 0, 2, true, Head::kSigmoid, pool});
}

// The text row is one more embedding row indexed like a feature: the same gradients; counted c
// times, it is c features (n + c, c w in the sum: gradient c times a feature's).
TEST(GradCheck, TextRow) {
  for (const uint8_t c : {uint8_t{1}, uint8_t{2}, uint8_t{3}}) {
    check({2, 0, 2, true, Head::kSigmoid, Pool::kSqrt, c});
    check({4, 3, 3, false, Head::kSoftmax, Pool::kMean, c});
  }
}

// The row counted c times by hand: z = b + (sum of the features' rows + c w) / sqrt(n + c), and
// the gradient of w is c times that of a feature's row seen once.
TEST(GradCheck, TextRowCountByHand) {
  const tt::FloatModel m = make({1, 0, 1, true, Head::kSigmoid, Pool::kSqrt, 3}, 7);
  std::vector<uint16_t> f = {3, 7, 10, 0};
  tt::append_text_row(m.shape, f);
  ASSERT_EQ(f.size(), 7u);
  const double sum = double{m.emb[3]} + m.emb[7] + m.emb[10] + m.emb[0] + 3.0 * m.emb[11];
  const double z = m.b2[0] + sum / std::sqrt(7.0);
  EXPECT_NEAR(m.logits_from_features(f.data(), f.size())[0], z, 1e-5);
  const uint8_t y[] = {1};
  td::Grads g;
  td::example_grads(m, f.data(), f.size(), y, nullptr, nullptr, nullptr, g);
  EXPECT_NEAR(g.emb[11], 3.0 * g.emb[3], 1e-12);  // bucket 3 is in the text once
  EXPECT_NEAR(g.emb[3], g.emb[7], 1e-12);
  // What c counts in: the float model's features and the shape's checks.
  EXPECT_EQ(m.features("").size(), 3u);
  tt::ModelShape s = m.shape;
  s.text_row_count = 0;
  EXPECT_THROW(s.check(), tt::UsageError);
  s.text_row = false;
  s.text_row_count = 2;
  EXPECT_THROW(s.check(), tt::UsageError);
}

TEST(GradCheck, LinearSoftmax) { check({3, 0, 3, true, Head::kSoftmax, Pool::kSqrt}); }

TEST(GradCheck, EmbeddingOutputLayerSigmoid) {
  for (Pool pool : {Pool::kMean, Pool::kSqrt, Pool::kSum}) check({4, 0, 3, false, Head::kSigmoid, pool});
}

TEST(GradCheck, EmbeddingOutputLayerSoftmax) { check({4, 0, 3, false, Head::kSoftmax, Pool::kMean}); }

TEST(GradCheck, HiddenReluSigmoid) { check({3, 5, 2, false, Head::kSigmoid, Pool::kSqrt}); }

TEST(GradCheck, HiddenReluSoftmax) {
  for (Pool pool : {Pool::kMean, Pool::kSum}) check({3, 5, 4, false, Head::kSoftmax, pool});
}

// NB-weighted linear models: the loss is a function of v with weights emb = v r; the trainer's
// gradient w.r.t. v is r times the gradient w.r.t. emb.
TEST(GradCheck, NbScaledLinear) {
  for (Head head : {Head::kSigmoid, Head::kSoftmax}) {
    const uint32_t K = head == Head::kSoftmax ? 3 : 2;
    const tt::FloatModel m = make({K, 0, K, true, head, Pool::kSqrt}, 4);
    // Ratios from a tiny labelled corpus, then a second corpus for the gradient.
    const uint16_t feats[] = {1, 2, 3, 3, 4, 5, 6, 1, 7, 8, 9, 10, 2, 0};
    const uint64_t offs[] = {0, 4, 7, 11, 14};
    std::vector<uint8_t> targets(4 * K, 0);
    for (size_t i = 0; i < 4; ++i) targets[i * K + i % K] = 1;
    const tt::train::Rows rows = {0, 1, 2, 3};
    const std::vector<float> r = td::nb_ratios(feats, offs, rows, targets.data(), K, 11, 1.0, 0.25);
    ASSERT_EQ(r.size(), 11u * K);
    const uint16_t f[] = {3, 7, 3, 10, 0, 2};
    std::vector<uint8_t> y(K, 0);
    y[1] = 1;
    td::Grads g;
    const double loss = td::nb_example_grads(m, r, f, 6, y.data(), g);
    std::vector<double> v(m.emb.begin(), m.emb.end());
    auto loss_of_v = [&] {
      std::vector<double> emb(v.size());
      for (size_t i = 0; i < v.size(); ++i) emb[i] = v[i] * r[i];
      const std::vector<double> b2(m.b2.begin(), m.b2.end());
      tt::Weights<double> w{emb.data(), nullptr, nullptr, nullptr, b2.data()};
      td::Cache<double> c;
      c.resize(m.shape);
      tt::forward(m.shape, w, f, 6, c);
      return td::loss_grad<double>(head, c.z.data(), y.data(), K, nullptr, nullptr, nullptr, c.dz.data());
    };
    EXPECT_NEAR(loss, loss_of_v(), 1e-6);
    for (size_t i = 0; i < v.size(); ++i) {
      const double keep = v[i], h = 1e-6;
      v[i] = keep + h;
      const double lp = loss_of_v();
      v[i] = keep - h;
      const double lm = loss_of_v();
      v[i] = keep;
      const double num = (lp - lm) / (2 * h);
      EXPECT_NEAR(g.emb[i], num, 1e-6 * std::max(1.0, std::fabs(num))) << "v[" << i << "] " << tt::head_name(head);
    }
  }
}

// The ratios by hand: 2 positive rows {1, 2}, {2}; 2 negative rows {2, 3}, {3, 3}; alpha 1, beta 1
// gives |r| / mean |r|, beta 0 gives 1.
TEST(GradCheck, NbRatiosByHand) {
  const uint16_t feats[] = {1, 2, 2, 2, 3, 3, 3};
  const uint64_t offs[] = {0, 2, 3, 5, 7};
  const uint8_t y[] = {1, 1, 0, 0};
  const tt::train::Rows rows = {0, 1, 2, 3};
  // Presence: pos = {0, 1, 2, 0}, neg = {0, 0, 1, 2} over buckets 0..3; +1 each: sums 7 and 7.
  const std::vector<float> raw = td::nb_ratios(feats, offs, rows, y, 1, 4, 1.0, -1);
  EXPECT_NEAR(raw[0], 0.0, 1e-6);
  EXPECT_NEAR(raw[1], std::log(2.0), 1e-6);
  EXPECT_NEAR(raw[2], std::log(3.0 / 2.0), 1e-6);
  EXPECT_NEAR(raw[3], std::log(1.0 / 3.0), 1e-6);
  const std::vector<float> full = td::nb_ratios(feats, offs, rows, y, 1, 4, 1.0, 1.0);
  const double mean = (std::log(2.0) + std::log(1.5) + std::log(3.0)) / 4;
  EXPECT_NEAR(full[3], std::log(3.0) / mean, 1e-5);
  for (float x : td::nb_ratios(feats, offs, rows, y, 1, 4, 1.0, 0.0)) EXPECT_FLOAT_EQ(x, 1.0f);
}

// Per-kind scales by hand: bucket 1 gets a char (2) and a word (0.5) feature, bucket 2 two bigrams
// (0.25) and a char, bucket 0 nothing (1); only the listed rows count.
TEST(GradCheck, KindScalesByHand) {
  const uint16_t feats[] = {1, 1, 2, 2, 2, 0};
  const uint8_t kinds[] = {0, 1, 2, 2, 0, 0};
  const uint64_t offs[] = {0, 2, 5, 6};
  const float scale[3] = {2.0f, 0.5f, 0.25f};
  const std::vector<float> s = td::kind_scales(feats, kinds, offs, {0, 1}, 3, scale);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_FLOAT_EQ(s[0], 1.0f);
  EXPECT_FLOAT_EQ(s[1], 1.25f);
  EXPECT_FLOAT_EQ(s[2], 2.5f / 3.0f);
}

// The trainer multiplies the NB scale by the kind scale; the gradient w.r.t. v is then s g_w with
// the combined scale s (checked numerically, both heads).
TEST(GradCheck, KindScaledLinear) {
  for (Head head : {Head::kSigmoid, Head::kSoftmax}) {
    const uint32_t K = head == Head::kSoftmax ? 3 : 1;
    const tt::FloatModel m = make({K, 0, K, true, head, Pool::kSqrt}, 5);
    const size_t B = m.emb.size() / K;
    const uint16_t feats[] = {1, 2, 3, 3, 4, 5, 6, 1, 7, 8, 9, 10, 2, 0};
    const uint8_t kinds[] = {0, 0, 1, 0, 2, 0, 1, 0, 0, 2, 1, 0, 0, 0};
    const uint64_t offs[] = {0, 4, 7, 11, 14};
    std::vector<uint8_t> targets(4 * K, 0);
    for (size_t i = 0; i < 4; ++i) targets[i * K + i % K] = 1;
    const tt::train::Rows rows = {0, 1, 2, 3};
    std::vector<float> r = td::nb_ratios(feats, offs, rows, targets.data(), K, B, 1.0, 0.25);
    const float scale[3] = {1.5f, 0.5f, 0.7f};
    const std::vector<float> ks = td::kind_scales(feats, kinds, offs, rows, B, scale);
    for (size_t b = 0; b < B; ++b)
      for (size_t k = 0; k < K; ++k) r[b * K + k] *= ks[b];
    const uint16_t f[] = {3, 7, 3, 10, 0, 2, 4};
    std::vector<uint8_t> y(K, 0);
    y[K - 1] = 1;
    td::Grads g;
    const double loss = td::nb_example_grads(m, r, f, 7, y.data(), g);
    std::vector<double> v(m.emb.begin(), m.emb.end());
    auto loss_of_v = [&] {
      std::vector<double> emb(v.size());
      for (size_t i = 0; i < v.size(); ++i) emb[i] = v[i] * r[i];
      const std::vector<double> b2(m.b2.begin(), m.b2.end());
      tt::Weights<double> w{emb.data(), nullptr, nullptr, nullptr, b2.data()};
      td::Cache<double> c;
      c.resize(m.shape);
      tt::forward(m.shape, w, f, 7, c);
      return td::loss_grad<double>(head, c.z.data(), y.data(), K, nullptr, nullptr, nullptr, c.dz.data());
    };
    EXPECT_NEAR(loss, loss_of_v(), 1e-6);
    for (size_t i = 0; i < v.size(); ++i) {
      const double keep = v[i], h = 1e-6;
      v[i] = keep + h;
      const double lp = loss_of_v();
      v[i] = keep - h;
      const double lm = loss_of_v();
      v[i] = keep;
      const double num = (lp - lm) / (2 * h);
      EXPECT_NEAR(g.emb[i], num, 1e-6 * std::max(1.0, std::fabs(num))) << "v[" << i << "] " << tt::head_name(head);
    }
  }
}

TEST(GradCheck, LossValues) {
  // Hand-checkable: BCE of z = 0 is log 2 (times the class weight); CE of equal logits is log K.
  const float z[] = {0.0f, 0.0f, 0.0f};
  float dz[3];
  const uint8_t y1[] = {1};
  const float wpos[] = {2.0f}, wneg[] = {1.0f};
  EXPECT_NEAR(tt::train::detail::loss_and_grad(Head::kSigmoid, z, y1, 1, wpos, wneg, nullptr, dz), 2 * std::log(2.0),
              1e-6);
  EXPECT_NEAR(dz[0], -1.0f, 1e-6);
  const uint8_t y3[] = {0, 1, 0};
  EXPECT_NEAR(tt::train::detail::loss_and_grad(Head::kSoftmax, z, y3, 3, nullptr, nullptr, nullptr, dz), std::log(3.0),
              1e-6);
  EXPECT_NEAR(dz[1], 1.0f / 3 - 1, 1e-6);
}

}  // namespace
