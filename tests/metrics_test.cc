// Metrics: hand-checkable cases first, then cases cross-checked against scikit-learn 1.2.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/json.h"
#include "eval/metrics.h"

namespace {

using tt::eval::Counts;
using tt::eval::Decision;

TEST(Metrics, RocAucByHand) {
  // 2 positives x 2 negatives = 4 pairs; the positives 0.35 and 0.8 beat 0.1, 0.8 beats 0.4,
  // 0.35 loses to 0.4: 3 of 4 pairs.
  EXPECT_DOUBLE_EQ(tt::eval::roc_auc({0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1}), 0.75);
  EXPECT_DOUBLE_EQ(tt::eval::roc_auc({0.9, 0.1}, {1, 0}), 1.0);
  EXPECT_DOUBLE_EQ(tt::eval::roc_auc({0.9, 0.1}, {0, 1}), 0.0);
  // Every pair tied: each counts one half.
  EXPECT_DOUBLE_EQ(tt::eval::roc_auc({0.5, 0.5, 0.5, 0.5}, {0, 1, 0, 1}), 0.5);
  // One tied pair of four: (3 + 0.5) / 4.
  EXPECT_DOUBLE_EQ(tt::eval::roc_auc({0.2, 0.5, 0.5, 0.9}, {0, 0, 1, 1}), 0.875);
}

TEST(Metrics, RocAucUndefinedForOneClass) {
  EXPECT_TRUE(std::isnan(tt::eval::roc_auc({0.1, 0.2}, {1, 1})));
  EXPECT_TRUE(std::isnan(tt::eval::roc_auc({0.1, 0.2}, {0, 0})));
  EXPECT_TRUE(std::isnan(tt::eval::roc_auc({}, {})));
}

TEST(Metrics, AveragePrecisionByHand) {
  // Descending: 0.8 (+) P=1 R=.5; 0.4 (-); 0.35 (+) P=2/3 R=1 -> AP = .5*1 + .5*2/3.
  EXPECT_DOUBLE_EQ(tt::eval::average_precision({0.1, 0.4, 0.35, 0.8}, {0, 0, 1, 1}), 0.5 + 1.0 / 3.0);
  // All tied: a single threshold, precision 1/2 at recall 1.
  EXPECT_DOUBLE_EQ(tt::eval::average_precision({0.5, 0.5, 0.5, 0.5}, {0, 1, 0, 1}), 0.5);
  EXPECT_DOUBLE_EQ(tt::eval::average_precision({0.3, 0.7}, {1, 1}), 1.0);
  EXPECT_TRUE(std::isnan(tt::eval::average_precision({0.3, 0.7}, {0, 0})));
}

TEST(Metrics, CountsAtThreshold) {
  // score >= threshold is positive.
  Counts c = tt::eval::counts_at({0.2, 0.5, 0.7, 0.4}, {0, 1, 0, 1}, 0.5);
  EXPECT_EQ(c.tp, 1u);
  EXPECT_EQ(c.fp, 1u);
  EXPECT_EQ(c.fn, 1u);
  EXPECT_EQ(c.tn, 1u);
  EXPECT_DOUBLE_EQ(c.precision(), 0.5);
  EXPECT_DOUBLE_EQ(c.recall(), 0.5);
  EXPECT_DOUBLE_EQ(c.f1(), 0.5);
  EXPECT_DOUBLE_EQ(c.accuracy(), 0.5);
  // Nothing predicted positive: precision 0 (no division by zero), F1 0.
  Counts none = tt::eval::counts_at({0.1, 0.2}, {1, 0}, 0.9);
  EXPECT_EQ(none.precision(), 0.0);
  EXPECT_EQ(none.recall(), 0.0);
  EXPECT_EQ(none.f1(), 0.0);
  EXPECT_TRUE(std::isnan(Counts{}.accuracy()));
}

// The reference values below were computed once with scikit-learn 1.2.1 under /usr/bin/python3
// (roc_auc_score, average_precision_score, precision/recall/f1_score, confusion_matrix,
// accuracy_score, f1_score(average="macro")) from numpy.random.RandomState(7) data, printed
// with %.17g and pasted here.
const std::vector<uint8_t> kY = {1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1,
                                 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0};
const std::vector<double> kS = {0.5, 0.3, 0.3, 0.3, 0.3, 0.6, 0.5, 0.6, 0.8, 0.2, 0.3, 0.2, 0.8, 0.6, 0.7,
                                0.5, 0.6, 0.6, 0.1, 0.9, 0.3, 0.3, 0.8, 0.4, 0.3, 0.4, 0.1, 0.5, 0.4, 0.5};

TEST(Metrics, BinaryMatchesScikitLearn) {
  EXPECT_NEAR(tt::eval::roc_auc(kS, kY), 0.92999999999999994, 1e-12);
  EXPECT_NEAR(tt::eval::average_precision(kS, kY), 0.85555555555555562, 1e-12);
  Counts c = tt::eval::counts_at(kS, kY, 0.5);
  EXPECT_NEAR(c.precision(), 0.59999999999999998, 1e-12);
  EXPECT_NEAR(c.recall(), 0.90000000000000002, 1e-12);
  EXPECT_NEAR(c.f1(), 0.72000000000000008, 1e-12);
}

// scikit-learn 1.2.1: f1_score(kY, kS >= 0.5, average="macro") = 0.76 (0.72 for spam, 0.8 for the
// negative class); with one class in the truth and the predictions, the F1 of that class alone.
TEST(Metrics, BinaryMacroF1IsOverBothClasses) {
  auto r = tt::eval::evaluate(kS, kY, {"spam"}, Decision::kThreshold, {0.5});
  EXPECT_NEAR(r.labels[0].counts.f1(), 0.72000000000000008, 1e-12);
  EXPECT_NEAR(r.macro_f1, 0.76000000000000001, 1e-12);
  auto none = tt::eval::evaluate({0.1, 0.2}, {0, 0}, {"spam"}, Decision::kThreshold, {0.5});
  EXPECT_EQ(none.macro_f1, 1.0);
  auto one_wrong = tt::eval::evaluate({0.1, 0.9}, {0, 0}, {"spam"}, Decision::kThreshold, {0.5});
  EXPECT_NEAR(one_wrong.macro_f1, (0.0 + 2.0 / 3.0) / 2, 1e-12);
}

TEST(Metrics, MultiClassMatchesScikitLearn) {
  const std::vector<size_t> yc = {0, 0, 1, 0, 0, 0, 0, 2, 2, 2, 1, 2, 1, 0, 0, 1, 0, 2, 2, 1};
  const std::vector<std::vector<float>> sc = {
      {0.62f, 0.11f, 0.27f}, {0.57f, 0.28f, 0.15f}, {0.21f, 0.39f, 0.4f},  {0.53f, 0.25f, 0.22f},
      {0.41f, 0.34f, 0.26f}, {0.53f, 0.45f, 0.02f}, {0.61f, 0.14f, 0.25f}, {0.41f, 0.37f, 0.23f},
      {0.48f, 0.05f, 0.47f}, {0.38f, 0.2f, 0.42f},  {0.28f, 0.43f, 0.29f}, {0.01f, 0.35f, 0.64f},
      {0.04f, 0.56f, 0.4f},  {0.51f, 0.43f, 0.06f}, {0.4f, 0.5f, 0.1f},    {0.18f, 0.69f, 0.13f},
      {0.55f, 0.43f, 0.02f}, {0.2f, 0.31f, 0.49f},  {0.17f, 0.1f, 0.73f},  {0.49f, 0.27f, 0.24f}};
  std::vector<double> scores;
  std::vector<uint8_t> truth;
  for (size_t i = 0; i < yc.size(); ++i) {
    scores.insert(scores.end(), sc[i].begin(), sc[i].end());
    for (size_t j = 0; j < 3; ++j) truth.push_back(yc[i] == j ? 1 : 0);
  }
  auto r = tt::eval::evaluate(scores, truth, {"a", "b", "c"}, Decision::kArgmax, {});
  EXPECT_EQ(r.n, 20u);
  EXPECT_EQ(r.confusion, (std::vector<uint64_t>{8, 1, 0, 1, 3, 1, 2, 0, 4}));
  EXPECT_NEAR(r.accuracy, 0.75, 1e-12);
  EXPECT_NEAR(r.macro_f1, 0.73131313131313114, 1e-12);
  const double auc[] = {0.94444444444444442, 0.78666666666666674, 0.91666666666666663};
  const double ap[] = {0.94191919191919204, 0.65714285714285714, 0.91025641025641024};
  for (size_t j = 0; j < 3; ++j) {
    EXPECT_NEAR(r.labels[j].auc, auc[j], 1e-12) << j;
    EXPECT_NEAR(r.labels[j].pr_auc, ap[j], 1e-12) << j;
    EXPECT_TRUE(std::isnan(r.labels[j].threshold));
  }
  EXPECT_NEAR(r.mean_auc, (auc[0] + auc[1] + auc[2]) / 3, 1e-12);
}

TEST(Metrics, MultiLabelAccuracyIsMeanPerLabel) {
  // Two labels; label a is right on 3 of 4, label b on 2 of 4; every label right on 1 of 4.
  const std::vector<double> s = {0.9, 0.9, 0.1, 0.1, 0.8, 0.2, 0.7, 0.6};
  const std::vector<uint8_t> t = {1, 1, 0, 1, 0, 1, 1, 0};
  auto r = tt::eval::evaluate(s, t, {"a", "b"}, Decision::kThreshold, {0.5, 0.5});
  EXPECT_DOUBLE_EQ(r.labels[0].counts.accuracy(), 0.75);
  EXPECT_DOUBLE_EQ(r.labels[1].counts.accuracy(), 0.25);
  EXPECT_DOUBLE_EQ(r.accuracy, 0.5);
  EXPECT_DOUBLE_EQ(r.exact_match, 0.25);
  EXPECT_TRUE(r.confusion.empty());
}

TEST(Metrics, OneClassLabelIsReportedNotAveraged) {
  // Label b is never true: its AUC and PR AUC are undefined and left out of the means.
  const std::vector<double> s = {0.9, 0.1, 0.2, 0.3};
  const std::vector<uint8_t> t = {1, 0, 0, 0};
  auto r = tt::eval::evaluate(s, t, {"a", "b"}, Decision::kThreshold, {0.5, 0.5});
  EXPECT_DOUBLE_EQ(r.labels[0].auc, 1.0);
  EXPECT_TRUE(std::isnan(r.labels[1].auc));
  EXPECT_TRUE(std::isnan(r.labels[1].pr_auc));
  EXPECT_DOUBLE_EQ(r.mean_auc, 1.0);
}

TEST(Metrics, ArgmaxNeedsOneTrueClass) {
  EXPECT_THROW(tt::eval::evaluate({0.5, 0.5}, {1, 1}, {"a", "b"}, Decision::kArgmax, {}), tt::Error);
  EXPECT_EQ(tt::eval::argmax(std::vector<double>{0.2, 0.4, 0.4}.data(), 3), 1u);
}

TEST(EvalJson, EscapesEverythingJsonForbids) {
  using tt::json_quote;
  EXPECT_EQ(json_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json_quote(std::string("\n\r\t\b\f\x01\x1f\x7f", 8)), "\"\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f\"");
  EXPECT_EQ(json_quote(std::string("a\0b", 3)), "\"a\\u0000b\"");
  // Valid UTF-8 (2, 3 and 4 bytes, a C1 control) passes through; U+2028 is escaped.
  EXPECT_EQ(json_quote("\xc2\xa3 \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\x92"), "\"\xc2\xa3 \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\x92\"");
  EXPECT_EQ(json_quote("\xe2\x80\xa8"), "\"\\u2028\"");
  // Invalid bytes: a lone continuation, a truncated sequence, an overlong '/', a surrogate.
  EXPECT_EQ(json_quote("\x80"), "\"\\ufffd\"");
  EXPECT_EQ(json_quote("\xe2\x82"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(json_quote("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(json_quote("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
}

TEST(EvalJson, NumbersRoundTrip) {
  using tt::json_number;
  EXPECT_EQ(json_number(0.5), "0.5");
  EXPECT_EQ(json_number(0.1f), "0.1");
  EXPECT_EQ(json_number(std::nan("")), "null");
  EXPECT_EQ(json_number(1.0 / 0.0), "null");
  for (float v : {0.123456789f, 1e-30f, 0.99999994f, 3.4e38f}) EXPECT_EQ(std::strtof(json_number(v).c_str(), nullptr), v);
  for (double v : {0.1 + 0.2, 1e-300, 0.92999999999999994}) EXPECT_EQ(std::strtod(json_number(v).c_str(), nullptr), v);
}

}  // namespace
