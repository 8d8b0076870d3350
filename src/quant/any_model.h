// A model file of either kind, for the commands that score texts (eval, predict, hid).
//
// Float models score with FloatModel::scores. Int8 models score with the device runtime
// (include/tinytext/model.h) on the file's device image, bit for bit what the board computes;
// their double scores are a monotone function of the device's integer outputs, so metrics
// (ROC AUC, PR AUC) rank exactly as the integers do:
//   sigmoid head: score = sigmoid(logit_q16 / 65536), threshold = sigmoid(threshold_q16 / 65536),
//                 so `score >= threshold` <=> the device's model_positive;
//   softmax head: score = rank_q30 / 2^30 (the device's softmax probability in Q30); argmax =
//                 the device's `best`.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/float_model.h"
#include "quant/quantize.h"

namespace tt::quant {

class LoadedModel {
 public:
  // Loads a model file of kind 0 (float) or 1 (int8). Throws tt::Error naming the file.
  static LoadedModel load(const std::string& path);
  static LoadedModel from_float(FloatModel m);
  static LoadedModel from_quant(const QuantModel& q);

  bool is_int8() const { return quant_ != nullptr; }
  const ModelShape& shape() const;
  Head head() const { return shape().head; }
  const std::vector<std::string>& labels() const;
  // Decision thresholds in score space (sigmoid heads; unused under softmax).
  std::vector<double> thresholds() const;
  // One score per label in [0, 1].
  std::vector<double> scores(const std::string& text);
  // The device's integer outputs (int8 models only; throws tt::Error for a float model).
  IntScores raw(const std::string& text);
  // "int8 B=... " / "float32 B=...".
  std::string describe() const;

  const FloatModel* float_model() const { return float_.get(); }
  const QuantModel* int8_model() const { return quant_.get(); }

 private:
  std::shared_ptr<FloatModel> float_;
  std::shared_ptr<QuantModel> quant_;
  std::shared_ptr<Runner> runner_;  // one per LoadedModel: copy the LoadedModel per thread via clone()
 public:
  // An independent copy (its own runtime state) for another thread.
  LoadedModel clone() const;
};

}  // namespace tt::quant
