#include "cli/score_format.h"

#include <cstdio>

#include "common/error.h"
#include "common/json.h"
#include "eval/metrics.h"

namespace tt::cli {

ScoreFormat::ScoreFormat(quant::LoadedModel& model, double fixed) : model_(model), labels_(model.labels()) {
  thresholds_.assign(labels_.size(), fixed >= 0 ? fixed : 0.5);
  if (fixed < 0) {
    const std::vector<double> stored = model.thresholds();
    if (stored.size() == labels_.size()) thresholds_ = stored;
  }
}

std::vector<size_t> ScoreFormat::predicted(const std::vector<double>& s) const {
  if (s.size() != labels_.size())
    throw Error("the model gave " + std::to_string(s.size()) + " scores for " + std::to_string(labels_.size()) +
                " labels");
  std::vector<size_t> p;
  if (model_.head() == Head::kSoftmax) {
    p.push_back(eval::argmax(s.data(), s.size()));
  } else {
    for (size_t j = 0; j < s.size(); ++j)
      if (s[j] >= thresholds_[j]) p.push_back(j);
  }
  return p;
}

std::string ScoreFormat::number(double v) const {
  return model_.is_int8() ? json_number(v) : json_number(static_cast<float>(v));
}

std::string ScoreFormat::json_fields(const std::string& text, const std::vector<double>& s) const {
  const std::vector<size_t> p = predicted(s);
  std::string o = "{\"text\":" + json_quote(text) + ",\"scores\":{";
  for (size_t j = 0; j < s.size(); ++j) o += (j ? "," : "") + json_quote(labels_[j]) + ":" + number(s[j]);
  o += "},\"label\":";
  if (model_.head() == Head::kSoftmax) {
    o += json_quote(labels_[p[0]]);
  } else {
    o += "[";
    for (size_t i = 0; i < p.size(); ++i) o += (i ? "," : "") + json_quote(labels_[p[i]]);
    o += "]";
  }
  return o;
}

std::string ScoreFormat::plain(const std::vector<double>& s) const {
  const std::vector<size_t> p = predicted(s);
  std::string o;
  for (size_t i = 0; i < p.size(); ++i) o += (i ? "," : "") + labels_[p[i]];
  if (p.empty()) o += "-";
  o += "\t";
  for (size_t j = 0; j < s.size(); ++j) {
    char v[16];
    std::snprintf(v, sizeof v, "%.4f", s[j]);
    o += (j ? " " : "") + labels_[j] + "=" + v;
  }
  return o;
}

}  // namespace tt::cli
