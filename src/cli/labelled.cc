#include "cli/labelled.h"

#include "common/error.h"

namespace tt::cli {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "'" : ", '") + x + "'";
  return s.empty() ? "(none)" : s;
}

// For each model output, the data column holding its truth. The label sets must be equal.
std::vector<size_t> map_labels(const std::vector<std::string>& labels, const std::string& model_path,
                               const data::Dataset& d) {
  std::vector<size_t> col(labels.size());
  std::vector<std::string> missing, extra;
  for (size_t j = 0; j < labels.size(); ++j) {
    size_t k = 0;
    while (k < d.label_names.size() && d.label_names[k] != labels[j]) ++k;
    if (k == d.label_names.size()) missing.push_back(labels[j]);
    col[j] = k;
  }
  for (const auto& name : d.label_names) {
    bool known = false;
    for (const auto& l : labels) known = known || l == name;
    if (!known) extra.push_back(name);
  }
  if (missing.empty() && extra.empty()) return col;
  std::string msg = "the data's labels do not match the model " + model_path + ":";
  if (!missing.empty()) msg += " the model's label(s) " + join(missing) + " are missing from the data;";
  if (!extra.empty()) msg += " the data's label(s) " + join(extra) + " are not in the model;";
  msg += " model labels: " + join(labels) + ", data labels: " + join(d.label_names) +
         ". Choose the label columns with --label (and --text), or use data with the model's labels";
  throw Error(at(d.path, 0, msg));
}

}  // namespace

void reader_options_for(const quant::LoadedModel& model, data::ReaderOptions& ro) {
  const std::vector<std::string>& labels = model.labels();
  if (model.head() == Head::kSoftmax && ro.label_columns.size() <= 1) ro.classes = labels;
  if (model.head() != Head::kSoftmax && labels.size() == 1) ro.positive_hint = labels[0];
}

data::Dataset read_for_model(const quant::LoadedModel& model, const std::string& data_path, data::ReaderOptions ro) {
  reader_options_for(model, ro);
  return data::read_dataset(data_path, ro);
}

std::vector<double> LabelledScores::label_scores(size_t j) const {
  std::vector<double> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = scores[i * k + j];
  return v;
}

std::vector<uint8_t> LabelledScores::label_truth(size_t j) const {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = truth[i * k + j];
  return v;
}

LabelledScores score_labelled(quant::LoadedModel& model, const std::string& model_path, const data::Dataset& d,
                              bool raw_logits) {
  const std::vector<std::string>& labels = model.labels();
  const std::vector<size_t> col = map_labels(labels, model_path, d);
  const bool softmax = model.head() == Head::kSoftmax;
  raw_logits = raw_logits && model.is_int8() && !softmax;
  LabelledScores r;
  r.n = d.size();
  r.k = labels.size();
  const size_t n = r.n, k = r.k;
  r.scores.resize(n * k);
  r.truth.resize(n * k);
  for (size_t i = 0; i < n; ++i) {
    std::vector<double> s;
    if (raw_logits) {
      for (int32_t z : model.raw(d.texts[i]).logit) s.push_back(z);
    } else {
      s = model.scores(d.texts[i]);
    }
    if (s.size() != k) throw Error(model_path + ": the model gave " + std::to_string(s.size()) +
                                   " scores for " + std::to_string(k) + " labels");
    for (size_t j = 0; j < k; ++j) {
      r.scores[i * k + j] = s[j];
      r.truth[i * k + j] = d.target(i, col[j]);
    }
  }
  if (softmax) {
    for (size_t i = 0; i < n; ++i) {
      size_t ones = 0;
      for (size_t j = 0; j < k; ++j) ones += r.truth[i * k + j];
      if (ones != 1)
        throw Error(at(d.path, d.lines.size() > i ? d.lines[i] : 0,
                       "this example has " + std::to_string(ones) + " true labels, but " + model_path +
                           " is a softmax (one class per example) model"));
    }
  }
  return r;
}

}  // namespace tt::cli
