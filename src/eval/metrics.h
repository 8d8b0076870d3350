// Classification metrics: the one place that computes them, for `tinytext eval`, the trainer's
// validation and thresholds, `quantize --eval` and the accuracy benchmark.
//
// Conventions (the same as scikit-learn 1.2 unless said otherwise):
// - A prediction is positive when score >= threshold.
// - ROC AUC is the Mann-Whitney statistic: the probability that a random positive scores above a
//   random negative, ties counting one half. It is undefined (NaN) when the truth holds one class
//   only; scikit-learn raises an error there instead.
// - PR AUC is average precision, AP = sum_k (R_k - R_{k-1}) P_k over the distinct scores in
//   descending order (sklearn.metrics.average_precision_score, no interpolation). NaN when there
//   is no positive.
// - Precision with no predicted positive, recall with no positive and F1 with precision + recall
//   == 0 are 0 (scikit-learn's zero_division default, without its warning).
// - argmax takes the lowest index among equal maxima (as numpy.argmax).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tt::eval {

// Confusion counts of one binary decision.
struct Counts {
  uint64_t tp = 0, fp = 0, fn = 0, tn = 0;

  uint64_t total() const { return tp + fp + fn + tn; }
  double precision() const;
  double recall() const;
  double f1() const;
  double accuracy() const;  // NaN when empty
};

// Throws tt::Error when scores.size() != truth.size() or a score is NaN.
void check_sizes(const std::vector<double>& scores, const std::vector<uint8_t>& truth);
// Area under the ROC curve (tie-aware). scores.size() must equal truth.size(); truth is 0/1.
double roc_auc(const std::vector<double>& scores, const std::vector<uint8_t>& truth);
// The mean of the values that are not NaN (NaN when none is): e.g. the mean ROC AUC over labels.
double mean_defined(const std::vector<double>& values);
// The threshold maximising F1 when predicting positive for score >= threshold: the midpoint
// (in float) between the lowest score taken and the next lower one, or the lowest score when
// every score is taken. 0.5 when truth holds one class only.
float best_f1_threshold(const std::vector<float>& scores, const std::vector<uint8_t>& truth);
// Average precision (area under the precision-recall step curve).
double average_precision(const std::vector<double>& scores, const std::vector<uint8_t>& truth);
// Counts of (score >= threshold) against truth.
Counts counts_at(const std::vector<double>& scores, const std::vector<uint8_t>& truth, double threshold);

// The index of the largest of row[0, k) (the first one on ties).
size_t argmax(const double* row, size_t k);
// k x k counts, row-major: matrix[t * k + p] counts examples of true class t predicted as p.
std::vector<uint64_t> confusion_matrix(const std::vector<size_t>& truth, const std::vector<size_t>& pred,
                                       size_t k);

// One-vs-rest counts of each of k classes for class predictions (an argmax decision).
std::vector<Counts> class_counts(const std::vector<size_t>& truth, const std::vector<size_t>& pred, size_t k);
// The mean of the F1 of each label or class.
double macro_f1(const std::vector<Counts>& per_label);
// scikit-learn's f1_score(average="macro") of one binary decision: the mean of the F1 of the
// positive and of the negative class, over the classes present in the truth or the predictions.
double binary_macro_f1(const Counts& c);
// Macro-F1 of class predictions: macro_f1(class_counts(truth, pred, k)).
double macro_f1(const std::vector<size_t>& truth, const std::vector<size_t>& pred, size_t k);

// How predictions are made from scores.
enum class Decision {
  kThreshold,  // sigmoid heads: each output independently, score >= its threshold
  kArgmax      // softmax heads: exactly one class per example, the highest score
};

struct LabelReport {
  std::string name;
  uint64_t positives = 0;  // examples whose truth is 1 for this label
  double auc = 0;          // NaN when undefined
  double pr_auc = 0;       // NaN when undefined
  double threshold = 0;    // NaN under kArgmax
  Counts counts;           // one-vs-rest counts of the decision
};

struct Report {
  size_t n = 0;
  Decision decision = Decision::kThreshold;
  std::vector<LabelReport> labels;
  double mean_auc = 0;     // mean over labels whose AUC is defined; NaN when none is
  double mean_pr_auc = 0;  // likewise
  // kArgmax: the fraction of examples whose argmax is the true class. kThreshold: the mean over
  // labels of each label's accuracy (for one label, simply its accuracy).
  double accuracy = 0;
  // kThreshold only: the fraction of examples with every label right (equals accuracy for one
  // label). NaN under kArgmax.
  double exact_match = 0;
  // The mean over labels of each label's F1; for one label under kThreshold (a binary task), the
  // mean of the F1 of its positive and of its negative class, as scikit-learn's
  // f1_score(average='macro') (over the classes present in the truth or the predictions).
  double macro_f1 = 0;
  // kArgmax only: labels.size()^2 counts, row = true class, column = predicted class.
  std::vector<uint64_t> confusion;
};

// Evaluates n examples with k = names.size() outputs. scores and truth are n x k, row-major;
// truth is 0/1. thresholds (k values) are used under kThreshold only. Under kArgmax every truth
// row must hold exactly one 1 (throws tt::Error naming the row otherwise).
Report evaluate(const std::vector<double>& scores, const std::vector<uint8_t>& truth,
                const std::vector<std::string>& names, Decision decision, const std::vector<double>& thresholds);

}  // namespace tt::eval
