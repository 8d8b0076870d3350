#include "quant/any_model.h"

#include <cmath>

#include "common/error.h"
#include "model/model_io.h"

namespace tt::quant {

LoadedModel LoadedModel::load(const std::string& path) {
  const std::string bytes = read_file_bytes(path);
  const ModelContainer c = read_container(bytes, path);
  if (c.kind == ModelKind::kFloat32) return from_float(parse_model(bytes, path));
  return from_quant(parse_quant(bytes, path));
}

LoadedModel LoadedModel::from_float(FloatModel m) {
  LoadedModel l;
  l.float_ = std::make_shared<FloatModel>(std::move(m));
  return l;
}

LoadedModel LoadedModel::from_quant(const QuantModel& q) {
  LoadedModel l;
  l.quant_ = std::make_shared<QuantModel>(q);
  l.runner_ = std::make_shared<Runner>(q);
  return l;
}

LoadedModel LoadedModel::clone() const {
  if (quant_) return from_quant(*quant_);
  LoadedModel l;
  l.float_ = float_;  // immutable, shared
  return l;
}

const ModelShape& LoadedModel::shape() const { return quant_ ? quant_->shape : float_->shape; }

const std::vector<std::string>& LoadedModel::labels() const { return quant_ ? quant_->labels : float_->labels; }

std::vector<double> LoadedModel::thresholds() const {
  std::vector<double> t;
  if (!quant_) {
    for (float v : float_->threshold) t.push_back(v);
    return t;
  }
  const tt::Model& m = runner_->model();
  for (uint16_t k = 0; k < m.outputs; ++k) t.push_back(score_of_logit_q16(tt::model_threshold(m, k)));
  return t;
}

std::vector<double> LoadedModel::scores(const std::string& text) {
  std::vector<double> out;
  if (!quant_) {
    for (float v : float_->scores(text)) out.push_back(v);
    return out;
  }
  const IntScores r = runner_->score(text);
  const bool softmax = quant_->shape.head == Head::kSoftmax;
  for (size_t k = 0; k < r.logit.size(); ++k)
    out.push_back(softmax ? score_of_rank_q30(r.rank[k]) : score_of_logit_q16(r.logit[k]));
  return out;
}

IntScores LoadedModel::raw(const std::string& text) {
  if (!quant_) throw Error("integer outputs exist only for int8 models (quantize the model first)");
  return runner_->score(text);
}

std::string LoadedModel::describe() const {
  return std::string(quant_ ? "int8 " : "float32 ") + shape().describe();
}

}  // namespace tt::quant
