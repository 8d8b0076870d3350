// Trains the float model (src/model/float_model.h) on a labelled dataset: hashed features tokenized
// once, AdaGrad (or Adam) with lazy updates of the embedding rows a batch touches, linear
// learning-rate decay, class weighting, a validation split with early stopping, and thresholds
// chosen on validation data.
//
// Reproducible: the same data, options and seed give bit-identical weights, whatever the thread
// count. Each mini-batch runs in two phases. (1) Threads take fixed slices of the batch and run
// forward/backward per example, writing each example's intermediate gradients to its own slot.
// (2) Threads take fixed ranges of parameter rows (embedding rows by bucket range, dense rows by
// index) and sum the per-example gradients in example order, then update those rows. No float
// sum ever depends on thread scheduling or on how the work was split, and no row is written by
// two threads (no Hogwild).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "model/float_model.h"
#include "numerics/int8.h"
#include "train/options.h"

namespace tt::train {

struct EpochReport {
  uint32_t epoch = 0;
  double loss = 0;          // mean weighted training loss
  double valid_metric = 0;  // NaN without a validation split
  double examples_per_s = 0;
};

struct TrainReport {
  ModelShape shape;
  std::string metric_name;  // "auc" or "macro-f1"
  std::vector<EpochReport> epochs;
  uint32_t best_epoch = 0;  // 1-based; 0 when no validation split
  double best_metric = 0;
  size_t train_examples = 0, valid_examples = 0;
  size_t table_select_rows = 0;  // rows the exact table's selection pass read (0: no table)
  double tokenize_seconds = 0, train_seconds = 0;
  numerics::Ranges qat_ranges;  // with TrainOptions::qat: the ranges of the returned model
};

// Trains with resolved options (resolve(request, DataSummary::of(d))). Throws tt::Error when the
// loss becomes NaN/Inf (nothing is written by the caller).
FloatModel train(const data::Dataset& d, const TrainOptions& opt, TrainReport* report = nullptr);
// resolve, then train.
FloatModel train(const data::Dataset& d, const TrainRequest& r, TrainReport* report = nullptr);
// The same, giving the data up: each text is freed once tokenized, so that the texts and their
// features are not held in full at the same time (d.texts is left empty strings).
FloatModel train(data::Dataset&& d, const TrainRequest& r, TrainReport* report = nullptr);

}  // namespace tt::train
