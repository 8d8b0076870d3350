// `tinytext report`: one self-contained HTML page (inline CSS and SVG, no script, no network) on
// how one or more models score the same labelled data. The numbers come from src/eval (metrics.h,
// curves.h); the drawings from svg.h.
#pragma once

#include <string>
#include <vector>

#include "data/dataset.h"
#include "eval/metrics.h"
#include "export/boards.h"
#include "quant/any_model.h"

namespace tt::report {

struct ReportModel {
  std::string path;
  quant::LoadedModel* model = nullptr;
  std::vector<double> scores;      // n x k, in [0, 1]
  std::vector<uint8_t> truth;      // n x k
  std::vector<double> thresholds;  // k (sigmoid heads)
  eval::Report metrics;            // eval::evaluate at the stored thresholds
  // Its flash and RAM on each of exporter::boards() (a float model: the int8 model quantize makes
  // from it, as `tinytext size` reports).
  std::vector<exporter::BoardFit> fits;
};

struct ReportOptions {
  size_t worst = 10;   // false positives and false negatives listed per label
  size_t ngrams = 15;  // n-grams listed per label and sign
};

// How a label's threshold was chosen: one line "threshold LABEL: NOTE" per label in the model's
// info text (kept by quantize and export). Returns info with label's line replaced or added.
std::string with_threshold_note(const std::string& info, const std::string& label, const std::string& note);
// The note of a label ("" when none).
std::string threshold_note(const std::string& info, const std::string& label);

// The HTML page. models[0] is the main model (its mistakes, n-grams and threshold sweep are
// shown); every model is drawn on the ROC and PR charts and listed in the size table.
std::string html_report(const data::Dataset& d, const std::vector<ReportModel>& models, const ReportOptions& o);

}  // namespace tt::report
