// Steps of train, quantize and eval as functions: the commands call them, and so does the Python
// binding (python/), so a model trained, quantised or evaluated from Python is the CLI's.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "eval/metrics.h"
#include "model/float_model.h"
#include "quant/any_model.h"
#include "quant/quantize.h"
#include "train/trainer.h"

namespace tt::cli {

// ---- train
struct TrainSetup {
  train::TrainRequest request;  // with its info text (recorded in the model file)
  data::ReaderOptions reader;
};
// train's options (flags as on the command line, without DATA and -o) as the command parses and
// checks them. Throws UsageError as the command does.
TrainSetup train_setup(const std::vector<std::string>& flags);

struct Trained {
  FloatModel float_model;                       // with the data's summary
  std::optional<quant::QuantModel> int8_model;  // with --qat: the model to write
};
// Trains as the command does: the float model, and with request.qat the int8 model quantised
// with the ranges training validated. `report` is required.
Trained train_on(data::Dataset data, const train::TrainRequest& request, train::TrainReport* report);

// ---- quantize
// Calibrates on `texts` (none: ranges from the weights) with --margin `margin` (its text, as given)
// and quantises, recording how in the model's qinfo.
quant::QuantModel quantize_calibrated(const FloatModel& m, const std::vector<std::string>& texts,
                                      const std::string& margin);

// ---- eval (with cli/labelled.h's read_for_model / reader_options_for and score_labelled)
// The decision thresholds: `fixed` for every label of a sigmoid model (a UsageError for a softmax
// model), else the model's stored ones (0.5 when it has none).
std::vector<double> eval_thresholds(const quant::LoadedModel& model, const std::string& model_path,
                                    std::optional<double> fixed);
// `tinytext eval --json`'s object (one line, with its newline).
std::string eval_json(const eval::Report& r, const quant::LoadedModel& m, const std::string& model_path,
                      const std::string& data_path, const data::DataSummary& summary);

}  // namespace tt::cli
