// tinytext quantize MODEL [--calib DATA] -o QMODEL: post-training quantisation of a float model into
// the full-integer int8 model (model file kind 1, whose device image is what `export` writes).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/steps.h"

#include "cli/reader_options.h"
#include "common/error.h"
#include "common/file.h"
#include "common/json.h"
#include "data/dataset.h"
#include "model/model_io.h"
#include "quant/compare.h"
#include "quant/quantize.h"

namespace tt::cli {

quant::QuantModel quantize_calibrated(const FloatModel& m, const std::vector<std::string>& texts,
                                      const std::string& margin) {
  numerics::QuantOptions qo;
  char* end = nullptr;
  qo.margin = std::strtod(margin.c_str(), &end);
  if (margin.empty() || *end != '\0' || !(qo.margin >= 1.0 && qo.margin <= 1000.0))
    throw UsageError("quantize: --margin must be a number in [1, 1000], got '" + margin + "'");
  const numerics::Ranges r = quant::calibrate(m, texts, qo);
  std::string qinfo = "post-training int8; calibration texts: " + std::to_string(r.examples) +
                      (r.examples ? "" : " (ranges from the weights)") + "; margin " + margin;
  return quant::quantize(m, r, qinfo);
}

int cmd_quantize(int argc, char** argv) {
  std::vector<Option> opts = {
      {"output", "QMODEL", "int8 model file to write", ""},
      {"calib", "DATA", "calibration texts (the training data): activation ranges are measured on them; without it, "
                        "ranges are bounded from the weights (coarser)", ""},
      {"calib-max", "N", "use at most the first N calibration texts (0: all)", "0"},
      {"margin", "M", "keep M x the largest calibrated activation (int16 activations; clipping costs more than "
                      "resolution)", "2"},
      {"eval", "DATA", "also score labelled DATA (same reader options) with both models and print float vs int8 "
                       "metrics (mean ROC AUC, or macro-F1 for softmax heads)", ""},
      flag("json", "print a JSON summary on stdout"),
      flag("quiet", "no summary on stderr"),
  };
  add_reader_options(opts);
  Args args("quantize", "MODEL [--calib DATA [reader options]] -o QMODEL", opts, argc, argv, 2);
  if (args.show_help(R"(Quantises every weight to int8 (embedding per column, dense layers per row), biases to int32,
activations to int16 with ranges calibrated on --calib, and computes every requantisation
multiplier/shift here, so the device does integer arithmetic only (docs/numerics.md).
Prints, on the calibration texts, how far the int8 scores are from the float ones.
)"))
    return 0;
  if (args.positional().size() != 1) throw UsageError("quantize: give exactly one MODEL (see --help)");
  if (!args.has("output")) throw UsageError("quantize: -o QMODEL is required");
  const std::string in = args.positional()[0], out = args.get("output");
  check_outputs({out}, {in, args.get("calib"), args.get("eval")});
  if (model_file_kind(in) == ModelKind::kInt8) throw Error(in + ": already an int8 model");
  const FloatModel m = load_model(in);
  args.get_double("margin", 1.0, 1000.0);  // refuses a bad --margin before any work
  std::vector<std::string> texts;
  if (args.has("calib")) {
    data::ReaderOptions ro = reader_options(args);
    ro.require_labels = false;
    data::Dataset d = data::read_dataset(args.get("calib"), ro);
    const int64_t cap = args.get_int("calib-max", 0, INT64_MAX);
    texts = std::move(d.texts);
    if (cap > 0 && texts.size() > static_cast<size_t>(cap)) texts.resize(static_cast<size_t>(cap));
  } else if (!args.has("quiet")) {
    std::cerr << "quantize: no --calib data; activation ranges are bounded from the weights (pass the training "
                 "data with --calib for finer ranges)\n";
  }
  const quant::QuantModel q = quantize_calibrated(m, texts, args.get("margin"));
  quant::save_quant(out, q);

  // Agreement on the calibration texts.
  double max_diff = 0, sum_diff = 0;
  size_t agree = 0;
  quant::Runner run(q);
  const bool softmax = m.shape.head == Head::kSoftmax;
  for (const auto& t : texts) {
    const std::vector<float> fs = m.scores(t);
    const quant::IntScores is = run.score(t);
    bool same = true;
    size_t fbest = 0;
    for (size_t k = 0; k < fs.size(); ++k) {
      const double d = std::fabs(fs[k] - is.prob[k] / 32768.0);
      max_diff = std::max(max_diff, d);
      sum_diff += d;
      if (fs[k] > fs[fbest]) fbest = k;
      if (!softmax && ((fs[k] >= m.threshold[k]) != (is.positive[k] != 0))) same = false;
    }
    if (softmax && fbest != is.best) same = false;
    agree += same ? 1 : 0;
  }
  const size_t n = texts.size(), K = m.shape.outputs;
  quant::Comparison cmp;
  const bool have_eval = args.has("eval");
  if (have_eval) {
    data::ReaderOptions ro = reader_options(args);
    ro.allow_one_class = true;  // as in eval: a label with one class in a small test split gets ROC AUC n/a
    cmp = quant::compare(m, q, data::read_dataset(args.get("eval"), ro));
  }
  if (args.has("json")) {
    std::printf("{\"output\":%s,\"image_bytes\":%zu,\"calibration_texts\":%zu,\"decision_agreement\":%.6f,"
                "\"max_abs_prob_diff\":%.6f,\"mean_abs_prob_diff\":%.6g",
                json_quote(out).c_str(), q.image.size(), n, n ? double(agree) / double(n) : 0.0, max_diff,
                n ? sum_diff / double(n * K) : 0.0);
    if (have_eval)
      std::printf(",\"eval\":{\"examples\":%zu,\"metric\":\"%s\",\"float\":%.6f,\"int8\":%.6f,\"float_auc\":%.6f,"
                  "\"int8_auc\":%.6f,\"decision_agreement\":%.6f}",
                  cmp.n, cmp.metric.c_str(), cmp.float_value, cmp.int8_value, cmp.float_auc, cmp.int8_auc,
                  cmp.decision_agreement);
    std::printf("}\n");
  }
  if (!args.has("quiet")) {
    std::fprintf(stderr, "quantize: wrote %s (int8, device image %zu bytes; %s)\n", out.c_str(), q.image.size(),
                 m.shape.describe().c_str());
    if (n)
      std::fprintf(stderr,
                   "quantize: on %zu calibration texts: decisions agree on %.2f%%, |prob int8 - float| max %.4f, "
                   "mean %.5f\n",
                   n, 100.0 * double(agree) / double(n), max_diff, sum_diff / double(n * K));
    if (have_eval)
      std::fprintf(stderr, "quantize: on %zu eval examples: %s float %.4f, int8 %.4f (delta %+.4f); decisions agree on %.2f%%\n",
                   cmp.n, cmp.metric.c_str(), cmp.float_value, cmp.int8_value, cmp.int8_value - cmp.float_value,
                   100.0 * cmp.decision_agreement);
  }
  return 0;
}

}  // namespace tt::cli
