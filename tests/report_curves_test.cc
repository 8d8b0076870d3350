// src/eval/curves.h against scikit-learn 1.2 (Debian's python3-sklearn, run by /usr/bin/python3)
// on the same scores: roc_curve(drop_intermediate=False), precision_recall_curve, and the
// threshold choices against a brute-force scan. A missing scikit-learn fails the test.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "common/rng.h"
#include "eval/curves.h"
#include "test_util.h"

namespace tt {
namespace {

std::vector<double> parse_line(const std::string& s) {
  std::vector<double> v;
  std::istringstream in(s);
  std::string tok;
  while (in >> tok) v.push_back(tok == "nan" ? std::nan("") : std::strtod(tok.c_str(), nullptr));
  return v;
}

// sklearn's six arrays (roc fpr, tpr, thresholds; pr precision, recall, thresholds), one a line.
std::vector<std::vector<double>> sklearn_curves(const std::vector<double>& s, const std::vector<uint8_t>& t) {
  test::TempDir dir;
  std::string data;
  char buf[64];
  for (size_t i = 0; i < s.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%.17g %d\n", s[i], t[i]);
    data += buf;
  }
  const std::string in = dir.write("scores.txt", data);
  const std::string py = dir.write("curves.py",
                                   "import sys, warnings, numpy as np\n"
                                   "from sklearn.metrics import roc_curve, precision_recall_curve\n"
                                   "warnings.simplefilter('ignore')\n"
                                   "a = np.loadtxt(sys.argv[1], ndmin=2)\n"
                                   "s, t = a[:, 0], a[:, 1].astype(int)\n"
                                   "out = list(roc_curve(t, s, drop_intermediate=False)) + "
                                   "list(precision_recall_curve(t, s))\n"
                                   "for x in out: print(' '.join(repr(float(v)) for v in x))\n");
  const test::RunResult r = test::run("/usr/bin/python3 " + py + " " + in);
  EXPECT_EQ(r.exit_code, 0) << "scikit-learn is needed (scripts/deps.sh test installs python3-sklearn): " << r.err;
  std::vector<std::vector<double>> out;
  for (const std::string& line : test::split(r.out, '\n'))
    if (!line.empty()) out.push_back(parse_line(line));
  return out;
}

void expect_near(const std::vector<double>& a, const std::vector<double>& b, const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(b[i])) {
      EXPECT_TRUE(std::isnan(a[i])) << what << "[" << i << "]";
      continue;
    }
    EXPECT_NEAR(a[i], b[i], 1e-9) << what << "[" << i << "]";
  }
}

void check_case(const std::vector<double>& s, const std::vector<uint8_t>& t) {
  const auto sk = sklearn_curves(s, t);
  ASSERT_EQ(sk.size(), 6u);
  const eval::Curve c = eval::threshold_curve(s, t);
  const eval::Roc roc = eval::roc_curve(c);
  const eval::PrCurve pr = eval::pr_curve(c);
  expect_near(roc.fpr, sk[0], "fpr");
  expect_near(roc.tpr, sk[1], "tpr");
  expect_near(roc.thresholds, sk[2], "roc thresholds");
  expect_near(pr.precision, sk[3], "precision");
  expect_near(pr.recall, sk[4], "recall");
  expect_near(pr.thresholds, sk[5], "pr thresholds");
}

TEST(ReportCurves, EqualScikitLearnOnRandomScoresWithTies) {
  SplitMix64 rng(7);
  for (int round = 0; round < 4; ++round) {
    std::vector<double> s;
    std::vector<uint8_t> t;
    const size_t n = 50 + 150 * static_cast<size_t>(round);
    for (size_t i = 0; i < n; ++i) {
      const bool pos = rng.uniform() < 0.3;
      double v = rng.uniform() * 0.7 + (pos ? 0.3 : 0.0);
      if (round % 2) v = std::round(v * 20) / 20;  // many ties
      s.push_back(v);
      t.push_back(pos ? 1 : 0);
    }
    check_case(s, t);
  }
}

TEST(ReportCurves, EqualScikitLearnOnOneClass) {
  check_case({0.1, 0.4, 0.4, 0.9}, {0, 0, 0, 0});
  check_case({0.1, 0.4, 0.4, 0.9}, {1, 1, 1, 1});
}

TEST(ReportCurves, ChoicesMeetTheirTargetsAsABruteForceScan) {
  SplitMix64 rng(11);
  std::vector<double> s;
  std::vector<uint8_t> t;
  for (size_t i = 0; i < 400; ++i) {
    const bool pos = rng.uniform() < 0.25;
    s.push_back(std::round((rng.uniform() * 0.6 + (pos ? 0.4 : 0.0)) * 50) / 50);
    t.push_back(pos ? 1 : 0);
  }
  const eval::Curve c = eval::threshold_curve(s, t);
  for (double p : {0.8, 0.9, 0.95, 0.99}) {
    const long i = eval::choose_point(c, eval::Target::kPrecision, p);
    // Brute force: every distinct score as a threshold; the most recall with precision >= p.
    double best_recall = -1;
    for (const auto& pt : c.points) {
      const eval::Counts k = eval::counts_at(s, t, pt.threshold);
      if (k.precision() >= p) best_recall = std::max(best_recall, k.recall());
    }
    if (best_recall < 0) {
      EXPECT_EQ(i, -1);
      continue;
    }
    ASSERT_GE(i, 0);
    const eval::Counts k = eval::counts_at(s, t, c.points[static_cast<size_t>(i)].threshold);
    EXPECT_GE(k.precision(), p);
    EXPECT_EQ(k.recall(), best_recall);
  }
  for (double r : {0.5, 0.9, 1.0}) {
    const long i = eval::choose_point(c, eval::Target::kRecall, r);
    ASSERT_GE(i, 0);
    const eval::Counts k = eval::counts_at(s, t, c.points[static_cast<size_t>(i)].threshold);
    EXPECT_GE(k.recall(), r);
    if (i > 0) EXPECT_LT(eval::counts_at(s, t, c.points[static_cast<size_t>(i) - 1].threshold).recall(), r);
  }
  const long f = eval::choose_point(c, eval::Target::kF1, 0);
  double best = 0;
  for (const auto& pt : c.points) best = std::max(best, eval::counts_at(s, t, pt.threshold).f1());
  EXPECT_EQ(c.counts(static_cast<size_t>(f)).f1(), best);
}

}  // namespace
}  // namespace tt
