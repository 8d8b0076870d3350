#include "eval/curves.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "common/error.h"

namespace tt::eval {

Curve threshold_curve(const std::vector<double>& scores, const std::vector<uint8_t>& truth) {
  check_sizes(scores, truth);
  std::vector<size_t> idx(scores.size());
  std::iota(idx.begin(), idx.end(), size_t{0});
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  Curve c;
  uint64_t tp = 0, fp = 0;
  for (size_t i = 0; i < idx.size();) {
    const double s = scores[idx[i]];
    for (; i < idx.size() && scores[idx[i]] == s; ++i) (truth[idx[i]] ? tp : fp)++;
    c.points.push_back({s, tp, fp});
  }
  c.positives = tp;
  c.negatives = fp;
  return c;
}

Roc roc_curve(const Curve& c) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Roc r;
  if (c.points.empty()) return r;
  r.fpr.push_back(c.negatives ? 0.0 : nan);
  r.tpr.push_back(c.positives ? 0.0 : nan);
  r.thresholds.push_back(c.points[0].threshold + 1);
  for (const CurvePoint& p : c.points) {
    r.fpr.push_back(c.negatives ? static_cast<double>(p.fp) / static_cast<double>(c.negatives) : nan);
    r.tpr.push_back(c.positives ? static_cast<double>(p.tp) / static_cast<double>(c.positives) : nan);
    r.thresholds.push_back(p.threshold);
  }
  return r;
}

PrCurve pr_curve(const Curve& c) {
  PrCurve r;
  for (size_t i = c.points.size(); i-- > 0;) {
    const CurvePoint& p = c.points[i];
    const uint64_t ps = p.tp + p.fp;
    r.precision.push_back(ps ? static_cast<double>(p.tp) / static_cast<double>(ps) : 0.0);
    r.recall.push_back(c.positives ? static_cast<double>(p.tp) / static_cast<double>(c.positives) : 1.0);
    r.thresholds.push_back(p.threshold);
  }
  r.precision.push_back(1.0);
  r.recall.push_back(0.0);
  return r;
}

long choose_point(const Curve& c, Target target, double value) {
  long best = -1;
  for (size_t i = 0; i < c.points.size(); ++i) {
    const Counts k = c.counts(i);
    switch (target) {
      case Target::kPrecision:
        if (k.precision() >= value) best = static_cast<long>(i);
        break;
      case Target::kRecall:
        if (k.recall() >= value) return static_cast<long>(i);
        break;
      case Target::kF1:
        if (best < 0 || k.f1() > c.counts(static_cast<size_t>(best)).f1()) best = static_cast<long>(i);
        break;
    }
  }
  return best;
}

}  // namespace tt::eval
