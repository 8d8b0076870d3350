// How predict and hid present a model's scores: the predicted labels, plain text with four
// decimals, and predict --json's object with each number in the shortest form that reads back
// exactly. One place, so `hid --json`
// prints what `predict --json` prints for the same text.
#pragma once

#include <string>
#include <vector>

#include "quant/any_model.h"

namespace tt::cli {

class ScoreFormat {
 public:
  // Thresholds: the model's stored ones, or `fixed` for every label when fixed >= 0.
  explicit ScoreFormat(quant::LoadedModel& model, double fixed = -1);

  const std::vector<std::string>& labels() const { return labels_; }
  // The argmax (softmax heads), or every label whose score is >= its threshold.
  std::vector<size_t> predicted(const std::vector<double>& scores) const;
  // Float models' scores are floats: the shortest text that reads back as that float; int8
  // models' are doubles: the shortest that reads back as that double.
  std::string number(double v) const;
  // {"text":..., "scores":{label: score, ...}, "label":...  without the closing brace, so a
  // caller can add fields. "label" is a string (softmax) or an array (sigmoid).
  std::string json_fields(const std::string& text, const std::vector<double>& scores) const;
  // PREDICTED<TAB>label=score label=score ...  (PREDICTED: comma-separated labels, or '-'), each
  // score with four decimals, for float and int8 models alike (--json gives the exact values).
  std::string plain(const std::vector<double>& scores) const;

 private:
  const quant::LoadedModel& model_;
  std::vector<std::string> labels_;
  std::vector<double> thresholds_;
};

}  // namespace tt::cli
