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

struct Case {
  std::vector<double> s;
  std::vector<uint8_t> t;
};

// sklearn's six arrays per case (roc fpr, tpr, thresholds; pr precision, recall, thresholds), one
// python run for every case (importing scikit-learn takes seconds).
std::vector<std::vector<std::vector<double>>> sklearn_curves(const std::vector<Case>& cases) {
  test::TempDir dir;
  std::string files;
  for (size_t c = 0; c < cases.size(); ++c) {
    std::string data;
    char buf[64];
    for (size_t i = 0; i < cases[c].s.size(); ++i) {
      std::snprintf(buf, sizeof buf, "%.17g %d\n", cases[c].s[i], cases[c].t[i]);
      data += buf;
    }
    files += " " + dir.write("scores" + std::to_string(c) + ".txt", data);
  }
  const std::string py = dir.write("curves.py",
                                   "import sys, warnings, numpy as np\n"
                                   "from sklearn.metrics import roc_curve, precision_recall_curve\n"
                                   "warnings.simplefilter('ignore')\n"
                                   "for path in sys.argv[1:]:\n"
                                   "    a = np.loadtxt(path, ndmin=2)\n"
                                   "    s, t = a[:, 0], a[:, 1].astype(int)\n"
                                   "    out = list(roc_curve(t, s, drop_intermediate=False)) + "
                                   "list(precision_recall_curve(t, s))\n"
                                   "    for x in out: print(' '.join(repr(float(v)) for v in x))\n");
  const test::RunResult r = test::run("/usr/bin/python3 " + py + files);
  EXPECT_EQ(r.exit_code, 0) << "scikit-learn is needed (scripts/deps.sh test installs python3-sklearn): " << r.err;
  std::vector<std::vector<double>> lines;
  for (const std::string& line : test::split(r.out, '\n'))
    if (!line.empty()) lines.push_back(parse_line(line));
  std::vector<std::vector<std::vector<double>>> out;
  for (size_t i = 0; i + 6 <= lines.size(); i += 6) out.emplace_back(lines.begin() + long(i), lines.begin() + long(i) + 6);
  EXPECT_EQ(out.size(), cases.size());
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

void check_cases(const std::vector<Case>& cases) {
  const auto sk = sklearn_curves(cases);
  ASSERT_EQ(sk.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i));
    const eval::Curve c = eval::threshold_curve(cases[i].s, cases[i].t);
    const eval::Roc roc = eval::roc_curve(c);
    const eval::PrCurve pr = eval::pr_curve(c);
    expect_near(roc.fpr, sk[i][0], "fpr");
    expect_near(roc.tpr, sk[i][1], "tpr");
    expect_near(roc.thresholds, sk[i][2], "roc thresholds");
    expect_near(pr.precision, sk[i][3], "precision");
    expect_near(pr.recall, sk[i][4], "recall");
    expect_near(pr.thresholds, sk[i][5], "pr thresholds");
  }
}

TEST(ReportCurves, EqualScikitLearn) {
  std::vector<Case> cases;
  SplitMix64 rng(7);
  for (int round = 0; round < 4; ++round) {  // random scores; odd rounds with many ties
    Case c;
    const size_t n = 50 + 150 * static_cast<size_t>(round);
    for (size_t i = 0; i < n; ++i) {
      const bool pos = rng.uniform() < 0.3;
      double v = rng.uniform() * 0.7 + (pos ? 0.3 : 0.0);
      if (round % 2) v = std::round(v * 20) / 20;
      c.s.push_back(v);
      c.t.push_back(pos ? 1 : 0);
    }
    cases.push_back(c);
  }
  cases.push_back({{0.1, 0.4, 0.4, 0.9}, {0, 0, 0, 0}});  // one class
  cases.push_back({{0.1, 0.4, 0.4, 0.9}, {1, 1, 1, 1}});
  check_cases(cases);
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
    if (i > 0) {
      EXPECT_LT(eval::counts_at(s, t, c.points[static_cast<size_t>(i) - 1].threshold).recall(), r);
    }
  }
  const long f = eval::choose_point(c, eval::Target::kF1, 0);
  double best = 0;
  for (const auto& pt : c.points) best = std::max(best, eval::counts_at(s, t, pt.threshold).f1());
  EXPECT_EQ(c.counts(static_cast<size_t>(f)).f1(), best);
}

}  // namespace
}  // namespace tt
