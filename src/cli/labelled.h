// Labelled data scored by a model: what eval, threshold and report share. The data is read with
// the model's classes and its label columns are matched to the model's labels by name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "quant/any_model.h"

namespace tt::cli {

// Reads labelled data for `model` (its positive label, or its softmax classes).
data::Dataset read_for_model(const quant::LoadedModel& model, const std::string& data_path, data::ReaderOptions ro);
// The reader options read_for_model adds: the model's positive label, or its softmax classes (for
// rows read otherwise, e.g. data::read_rows in the Python binding).
void reader_options_for(const quant::LoadedModel& model, data::ReaderOptions& ro);

// n x k scores and 0/1 truth, row-major, k = the model's labels.
struct LabelledScores {
  size_t n = 0, k = 0;
  std::vector<double> scores;
  std::vector<uint8_t> truth;
  // Label j's column of scores / truth.
  std::vector<double> label_scores(size_t j) const;
  std::vector<uint8_t> label_truth(size_t j) const;
};
// Scores every text of d. raw_logits: an int8 sigmoid model's scores are its Q16.16 logits (as
// doubles: exact, and ordered as the device's model_positive compares them) instead of sigmoid
// scores. Throws tt::Error naming the file when the label sets differ, or when a softmax model
// meets a row without exactly one true label.
LabelledScores score_labelled(quant::LoadedModel& model, const std::string& model_path, const data::Dataset& d,
                              bool raw_logits = false);

}  // namespace tt::cli
