#include "eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "common/error.h"
#include "eval/curves.h"

namespace tt::eval {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double ratio(uint64_t num, uint64_t den) {
  return den ? static_cast<double>(num) / static_cast<double>(den) : 0.0;
}

}  // namespace

void check_sizes(const std::vector<double>& scores, const std::vector<uint8_t>& truth) {
  if (scores.size() != truth.size())
    throw Error("metrics: " + std::to_string(scores.size()) + " scores for " + std::to_string(truth.size()) +
                " truth values");
  for (double s : scores)
    if (std::isnan(s)) throw Error("metrics: a score is NaN");
}


double Counts::precision() const { return ratio(tp, tp + fp); }
double Counts::recall() const { return ratio(tp, tp + fn); }
double Counts::f1() const {
  // 2TP / (2TP + FP + FN): the harmonic mean of precision and recall, 0 when both are 0.
  return ratio(2 * tp, 2 * tp + fp + fn);
}
double Counts::accuracy() const { return total() ? ratio(tp + tn, total()) : kNaN; }

double roc_auc(const std::vector<double>& scores, const std::vector<uint8_t>& truth) {
  const Curve c = threshold_curve(scores, truth);
  if (c.positives == 0 || c.negatives == 0) return kNaN;
  // Walk groups of equal scores from the highest down. A negative in a group is beaten by every
  // positive above the group and ties with the group's positives: U = sum over negatives of
  // (positives above) + (positives tied) / 2. Counts stay integers (doubled) until the end.
  uint64_t pos_above = 0, neg_above = 0, twice_u = 0;
  for (const CurvePoint& p : c.points) {
    const uint64_t gp = p.tp - pos_above, gn = p.fp - neg_above;
    twice_u += gn * (2 * pos_above + gp);
    pos_above = p.tp;
    neg_above = p.fp;
  }
  return static_cast<double>(twice_u) / 2.0 /
         (static_cast<double>(c.positives) * static_cast<double>(c.negatives));
}

double mean_defined(const std::vector<double>& values) {
  double sum = 0;
  size_t n = 0;
  for (double v : values)
    if (!std::isnan(v)) sum += v, ++n;
  return n ? sum / static_cast<double>(n) : kNaN;
}

float best_f1_threshold(const std::vector<float>& scores, const std::vector<uint8_t>& truth) {
  const Curve c = threshold_curve(std::vector<double>(scores.begin(), scores.end()), truth);
  if (c.positives == 0 || c.negatives == 0) return 0.5f;
  const auto i = static_cast<size_t>(choose_point(c, Target::kF1, 0));
  const auto at = [&](size_t k) { return static_cast<float>(c.points[k].threshold); };
  return i + 1 < c.points.size() ? 0.5f * (at(i) + at(i + 1)) : at(i);
}

double average_precision(const std::vector<double>& scores, const std::vector<uint8_t>& truth) {
  const Curve c = threshold_curve(scores, truth);
  if (c.positives == 0) return kNaN;
  // Recall rises by (tp - prev_tp) / positives at each threshold; precision is tp / (tp + fp).
  uint64_t prev_tp = 0;
  double ap = 0;
  for (const CurvePoint& p : c.points) {
    ap += ratio(p.tp - prev_tp, c.positives) * ratio(p.tp, p.tp + p.fp);
    prev_tp = p.tp;
  }
  return ap;
}

Counts counts_at(const std::vector<double>& scores, const std::vector<uint8_t>& truth, double threshold) {
  check_sizes(scores, truth);
  Counts c;
  for (size_t i = 0; i < scores.size(); ++i) {
    const bool p = scores[i] >= threshold;
    if (truth[i]) (p ? c.tp : c.fn)++;
    else (p ? c.fp : c.tn)++;
  }
  return c;
}

size_t argmax(const double* row, size_t k) {
  size_t best = 0;
  for (size_t j = 1; j < k; ++j)
    if (row[j] > row[best]) best = j;
  return best;
}

std::vector<uint64_t> confusion_matrix(const std::vector<size_t>& truth, const std::vector<size_t>& pred,
                                       size_t k) {
  if (truth.size() != pred.size()) throw Error("metrics: truth and predictions differ in length");
  std::vector<uint64_t> m(k * k, 0);
  for (size_t i = 0; i < truth.size(); ++i) {
    if (truth[i] >= k || pred[i] >= k) throw Error("metrics: a class index is out of range");
    ++m[truth[i] * k + pred[i]];
  }
  return m;
}

std::vector<Counts> class_counts(const std::vector<size_t>& truth, const std::vector<size_t>& pred, size_t k) {
  if (truth.size() != pred.size()) throw Error("metrics: truth and predictions differ in length");
  std::vector<Counts> c(k);
  for (size_t i = 0; i < truth.size(); ++i) {
    if (truth[i] >= k || pred[i] >= k) throw Error("metrics: a class index is out of range");
    for (size_t j = 0; j < k; ++j) {
      const bool p = pred[i] == j, t = truth[i] == j;
      if (t) (p ? c[j].tp : c[j].fn)++;
      else (p ? c[j].fp : c[j].tn)++;
    }
  }
  return c;
}

double macro_f1(const std::vector<Counts>& per_label) {
  double sum = 0;
  for (const Counts& c : per_label) sum += c.f1();
  return sum / static_cast<double>(per_label.size());
}

double binary_macro_f1(const Counts& c) {
  const Counts negative{c.tn, c.fn, c.fp, c.tp};  // the negative class as the positive one
  const bool pos_present = c.tp + c.fn + c.fp > 0, neg_present = c.tn + c.fn + c.fp > 0;
  if (pos_present && neg_present) return (c.f1() + negative.f1()) / 2;
  return neg_present ? negative.f1() : c.f1();
}

double macro_f1(const std::vector<size_t>& truth, const std::vector<size_t>& pred, size_t k) {
  return macro_f1(class_counts(truth, pred, k));
}

Report evaluate(const std::vector<double>& scores, const std::vector<uint8_t>& truth,
                const std::vector<std::string>& names, Decision decision, const std::vector<double>& thresholds) {
  const size_t k = names.size();
  if (k == 0) throw Error("metrics: no labels");
  if (scores.size() != truth.size() || scores.size() % k != 0)
    throw Error("metrics: scores and truth must both be n x " + std::to_string(k));
  if (decision == Decision::kThreshold && thresholds.size() != k)
    throw Error("metrics: " + std::to_string(thresholds.size()) + " thresholds for " + std::to_string(k) +
                " labels");
  Report r;
  r.n = scores.size() / k;
  r.decision = decision;

  // Under argmax, the one-vs-rest prediction of label j is (argmax == j).
  std::vector<size_t> true_class, pred_class;
  std::vector<Counts> per_class;
  if (decision == Decision::kArgmax) {
    true_class.resize(r.n);
    pred_class.resize(r.n);
    for (size_t i = 0; i < r.n; ++i) {
      size_t ones = 0;
      for (size_t j = 0; j < k; ++j)
        if (truth[i * k + j]) {
          ++ones;
          true_class[i] = j;
        }
      if (ones != 1)
        throw Error("metrics: example " + std::to_string(i + 1) + " has " + std::to_string(ones) +
                    " true classes; a softmax model needs exactly one");
      pred_class[i] = argmax(&scores[i * k], k);
    }
    r.confusion = confusion_matrix(true_class, pred_class, k);
    per_class = class_counts(true_class, pred_class, k);
  }

  std::vector<double> col(r.n);
  std::vector<uint8_t> tcol(r.n);
  std::vector<double> aucs, aps;
  std::vector<Counts> counts;
  double acc_sum = 0;
  for (size_t j = 0; j < k; ++j) {
    LabelReport l;
    l.name = names[j];
    for (size_t i = 0; i < r.n; ++i) {
      col[i] = scores[i * k + j];
      tcol[i] = truth[i * k + j] ? 1 : 0;
      l.positives += tcol[i];
    }
    l.auc = roc_auc(col, tcol);
    l.pr_auc = average_precision(col, tcol);
    if (decision == Decision::kThreshold) {
      l.threshold = thresholds[j];
      l.counts = counts_at(col, tcol, l.threshold);
    } else {
      l.threshold = kNaN;
      l.counts = per_class[j];
    }
    aucs.push_back(l.auc);
    aps.push_back(l.pr_auc);
    counts.push_back(l.counts);
    acc_sum += r.n ? l.counts.accuracy() : 0.0;
    r.labels.push_back(std::move(l));
  }
  r.mean_auc = mean_defined(aucs);
  r.mean_pr_auc = mean_defined(aps);
  r.macro_f1 = decision == Decision::kThreshold && k == 1 ? binary_macro_f1(counts[0]) : macro_f1(counts);
  if (r.n == 0) {
    r.accuracy = r.exact_match = kNaN;
  } else if (decision == Decision::kArgmax) {
    uint64_t right = 0;
    for (size_t i = 0; i < r.n; ++i) right += true_class[i] == pred_class[i] ? 1u : 0u;
    r.accuracy = ratio(right, r.n);
    r.exact_match = kNaN;
  } else {
    r.accuracy = acc_sum / static_cast<double>(k);
    uint64_t all_right = 0;
    for (size_t i = 0; i < r.n; ++i) {
      bool ok = true;
      for (size_t j = 0; j < k; ++j)
        ok = ok && ((scores[i * k + j] >= thresholds[j]) == (truth[i * k + j] != 0));
      all_right += ok ? 1u : 0u;
    }
    r.exact_match = ratio(all_right, r.n);
  }
  return r;
}

}  // namespace tt::eval
