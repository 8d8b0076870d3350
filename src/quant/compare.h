// Float model vs its int8 model on labelled data: the budget check of quantisation.
#pragma once

#include <string>
#include <vector>

#include "data/dataset.h"
#include "model/float_model.h"
#include "quant/quantize.h"

namespace tt::quant {

struct Comparison {
  std::string metric;          // "mean-auc" (sigmoid heads) or "macro-f1" (softmax heads)
  double float_value = 0, int8_value = 0;
  double float_auc = 0, int8_auc = 0;  // mean one-vs-rest ROC AUC (softmax: of the probabilities)
  double decision_agreement = 0;       // fraction of examples with every decision equal
  size_t n = 0;
};

// Scores every text with both models. ROC AUC ranks the float logits and the int8 Q16.16 logits
// (sigmoid) or the float and Q30 probabilities (softmax): monotone in what each model outputs.
Comparison compare(const FloatModel& f, const QuantModel& q, const data::Dataset& d);

}  // namespace tt::quant
