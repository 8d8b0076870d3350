#include "quant/compare.h"

#include <cmath>

#include "common/error.h"
#include "eval/metrics.h"

namespace tt::quant {

namespace {

double mean_auc(const std::vector<std::vector<double>>& s, const data::Dataset& d) {
  std::vector<double> aucs(d.outputs());
  for (size_t k = 0; k < d.outputs(); ++k) {
    std::vector<uint8_t> t(d.size());
    for (size_t i = 0; i < d.size(); ++i) t[i] = d.target(i, k);
    aucs[k] = eval::roc_auc(s[k], t);
  }
  return eval::mean_defined(aucs);
}

}  // namespace

Comparison compare(const FloatModel& f, const QuantModel& q, const data::Dataset& d) {
  const size_t K = f.shape.outputs;
  if (d.outputs() != K)
    throw Error(d.path + ": " + std::to_string(d.outputs()) + " labels, the model has " + std::to_string(K));
  const bool softmax = f.shape.head == Head::kSoftmax;
  Runner run(q);
  std::vector<std::vector<double>> fs(K, std::vector<double>(d.size())), is = fs;
  std::vector<size_t> fpred(d.size()), ipred(d.size()), truth(d.size());
  size_t agree = 0;
  for (size_t i = 0; i < d.size(); ++i) {
    const std::vector<uint16_t> feats = f.features(d.texts[i]);
    std::vector<float> z = f.logits_from_features(feats.data(), feats.size());
    const IntScores r = run.score(d.texts[i]);
    bool same = true;
    if (softmax) {
      softmax_inplace(z.data(), z.size());
      size_t best = 0;
      for (size_t k = 0; k < K; ++k) {
        fs[k][i] = z[k];
        is[k][i] = r.rank[k];
        if (z[k] > z[best]) best = k;
      }
      fpred[i] = best;
      ipred[i] = r.best;
      truth[i] = d.class_of(i);
      same = best == r.best;
    } else {
      for (size_t k = 0; k < K; ++k) {
        fs[k][i] = z[k];
        is[k][i] = r.logit[k];
        const bool fp = sigmoid(z[k]) >= f.threshold[k];
        if (fp != (r.positive[k] != 0)) same = false;
      }
    }
    agree += same ? 1 : 0;
  }
  Comparison c;
  c.n = d.size();
  c.float_auc = mean_auc(fs, d);
  c.int8_auc = mean_auc(is, d);
  c.decision_agreement = d.size() ? static_cast<double>(agree) / static_cast<double>(d.size()) : NAN;
  if (softmax) {
    c.metric = "macro-f1";
    c.float_value = eval::macro_f1(truth, fpred, K);
    c.int8_value = eval::macro_f1(truth, ipred, K);
  } else {
    c.metric = "mean-auc";
    c.float_value = c.float_auc;
    c.int8_value = c.int8_auc;
  }
  return c;
}

}  // namespace tt::quant
