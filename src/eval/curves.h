// Threshold curves of one binary label: ROC, precision-recall, P/R/F1 against the threshold, and
// the choice of a threshold by a target (precision, recall, best F1). Built on one walk of the
// distinct scores from the highest down (scikit-learn's _binary_clf_curve), so every curve and
// every choice sees the same counts. Conventions as metrics.h: positive when score >= threshold.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "eval/metrics.h"

namespace tt::eval {

// The counts when predicting positive for score >= threshold, at each distinct score
// (descending). The last point takes every example.
struct CurvePoint {
  double threshold = 0;
  uint64_t tp = 0, fp = 0;
};
struct Curve {
  uint64_t positives = 0, negatives = 0;
  std::vector<CurvePoint> points;  // descending thresholds
  Counts counts(size_t i) const { return {points[i].tp, points[i].fp, positives - points[i].tp, negatives - points[i].fp}; }
};
// Throws tt::Error when sizes differ or a score is NaN.
Curve threshold_curve(const std::vector<double>& scores, const std::vector<uint8_t>& truth);

// sklearn.metrics.roc_curve(truth, scores, drop_intermediate=False): fpr, tpr and thresholds,
// starting at (0, 0) with threshold = the highest score + 1. fpr (tpr) is NaN throughout when
// there is no negative (positive), where scikit-learn warns.
struct Roc {
  std::vector<double> fpr, tpr, thresholds;
};
Roc roc_curve(const Curve& c);

// sklearn.metrics.precision_recall_curve(truth, scores): precision and recall by ascending
// threshold, then the point (precision 1, recall 0) with no threshold. Recall is 1 throughout
// when there is no positive (as scikit-learn 1.2).
struct PrCurve {
  std::vector<double> precision, recall, thresholds;
};
PrCurve pr_curve(const Curve& c);

// How a threshold is chosen.
enum class Target { kPrecision, kRecall, kF1 };
// The index of the chosen point of `c`:
//   kPrecision: the lowest threshold (most recall) whose precision >= value;
//   kRecall:    the highest threshold whose recall >= value;
//   kF1:        the highest F1 (the highest threshold on ties).
// -1 when no point meets the target (an empty curve, or a precision never reached).
long choose_point(const Curve& c, Target target, double value);

}  // namespace tt::eval
