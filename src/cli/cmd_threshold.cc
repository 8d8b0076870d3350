// tinytext threshold MODEL DATA --precision P | --recall R | --f1 | --value T [--only LABEL] -o OUT:
// chooses each sigmoid label's decision threshold on labelled data and writes it into a copy of
// the model: the float model's THRS section, or the int8 image's thresholds (what the device's
// model_positive compares) chosen on the int8 model's own integer logits.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/labelled.h"
#include "cli/reader_options.h"
#include "common/error.h"
#include "common/file.h"
#include "eval/curves.h"
#include "model/model_io.h"
#include "numerics/int8.h"
#include "quant/any_model.h"
#include "report/report.h"

namespace tt::cli {

namespace {

std::string num(double v, int prec = 4) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

// The shortest text that reads back as v (as a float when `as_float`: a float model's threshold).
std::string shortest(double v, bool as_float) {
  char buf[48];
  for (int p = 1; p <= 17; ++p) {
    std::snprintf(buf, sizeof buf, "%.*g", p, v);
    const double back = std::strtod(buf, nullptr);
    if (as_float ? static_cast<float>(back) == static_cast<float>(v) : back == v) break;
  }
  return buf;
}

}  // namespace

int cmd_threshold(int argc, char** argv) {
  std::vector<Option> options = {
      {"precision", "P", "the lowest threshold (the most recall) whose precision on DATA is >= P (P in [0, 1])", ""},
      {"recall", "R", "the highest threshold whose recall on DATA is >= R (R in [0, 1])", ""},
      flag("f1", "the threshold of the highest F1 on DATA"),
      {"value", "T", "this threshold (a score in [0, 1]) for every chosen label; DATA only reports", ""},
      {"only", "LABEL", "set this label's threshold only [default: every label]", ""},
      {"output", "OUT", "the model with its new thresholds (the same kind as MODEL)", ""},
  };
  add_reader_options(options);
  Args args("threshold", "MODEL DATA (--precision P | --recall R | --f1 | --value T) -o OUT [options]", options,
            argc, argv, 2);
  if (args.show_help(R"(A sigmoid label is predicted when its score >= its threshold. The chosen threshold is one of
the scores on DATA (predicting that text positive), so the precision or recall printed is
exactly what predict, eval and the device give on DATA. For an int8 model the threshold is
chosen on its integer logits (the device's model_positive), and written into the device
image: export it again. A float model's threshold is carried by quantize (as the Q16.16
logit at or above it); choose it again on the int8 model for the exact device figure.
How each threshold was chosen is recorded in the model (shown by eval and report).
)"))
    return 0;
  const auto& pos = args.positional();
  if (pos.size() != 2)
    throw UsageError("threshold: expected MODEL and DATA, got " + std::to_string(pos.size()) +
                     " argument(s) (see --help)");
  int given = 0;
  for (const char* o : {"precision", "recall", "f1", "value"}) given += args.has(o) ? 1 : 0;
  if (given != 1) throw UsageError("threshold: give exactly one of --precision, --recall, --f1, --value");
  if (!args.has("output")) throw UsageError("threshold: -o OUT is required (the model with the new thresholds)");
  const std::string& model_path = pos[0];
  const std::string& data_path = pos[1];
  const std::string out_path = args.get("output");
  check_outputs({out_path}, {model_path, data_path});

  eval::Target target = eval::Target::kF1;
  double want = 0;
  std::string how;
  if (args.has("precision")) {
    target = eval::Target::kPrecision;
    want = args.get_double("precision", 0.0, 1.0);
    how = "precision >= " + args.get("precision");
  } else if (args.has("recall")) {
    target = eval::Target::kRecall;
    want = args.get_double("recall", 0.0, 1.0);
    how = "recall >= " + args.get("recall");
  } else if (args.has("f1")) {
    how = "the best F1";
  }
  const bool fixed = args.has("value");
  const double value = fixed ? args.get_double("value", 0.0, 1.0) : 0;

  quant::LoadedModel model = quant::LoadedModel::load(model_path);
  if (model.head() == Head::kSoftmax)
    throw UsageError("threshold: " + model_path + " is a softmax model, which predicts the highest score: it has no "
                     "thresholds");
  const std::vector<std::string> labels = model.labels();
  std::vector<bool> chosen(labels.size(), true);
  if (args.has("only")) {
    const std::string only = args.get("only");
    size_t j = 0;
    while (j < labels.size() && labels[j] != only) ++j;
    if (j == labels.size()) {
      const std::string hint = closest(only, labels);
      throw UsageError("threshold: --only " + only + ": the model has no such label" +
                       (hint.empty() ? "" : " (did you mean " + hint + "?)"));
    }
    chosen.assign(labels.size(), false);
    chosen[j] = true;
  }
  data::ReaderOptions ro = reader_options(args);
  ro.require_labels = true;
  ro.allow_one_class = true;
  const data::Dataset d = read_for_model(model, data_path, ro);
  print_summary(d.summary, false);
  // int8: Q16.16 logits, the very integers model_positive compares; float: the float scores.
  const LabelledScores ls = score_labelled(model, model_path, d, /*raw_logits=*/true);
  const bool int8 = model.is_int8();

  std::vector<double> thr = model.thresholds();  // scores
  std::vector<int32_t> thr_q16;
  if (int8) {
    const tt::Model m = model.int8_model()->view();
    for (uint16_t k = 0; k < m.outputs; ++k) thr_q16.push_back(tt::model_threshold(m, k));
  }
  std::string info = int8 ? model.int8_model()->info : model.float_model()->info;
  int lw = 5;  // the label column's width
  for (const auto& l : labels) lw = std::max(lw, static_cast<int>(l.size()));
  // The table is printed once every label has its threshold (an unreachable target prints none).
  std::string table;
  char line[4400];  // a label is at most 4096 bytes (model_io.cc)
  std::snprintf(line, sizeof line, "%-*s %10s %12s %9s %8s %8s %6s %6s %6s %6s\n", lw, "label", "threshold",
                int8 ? "int8 Q16.16" : "", "precision", "recall", "F1", "tp", "fp", "fn", "tn");
  table += line;
  for (size_t j = 0; j < labels.size(); ++j) {
    if (!chosen[j]) continue;
    const eval::Curve c = eval::threshold_curve(ls.label_scores(j), ls.label_truth(j));
    double t;  // in the scores' space (int8: a Q16.16 logit)
    if (fixed) {
      t = int8 ? numerics::threshold_q16(value) : static_cast<double>(static_cast<float>(value));
    } else {
      const long i = eval::choose_point(c, target, want);
      if (i < 0) {
        double best = 0;
        for (size_t p = 0; p < c.points.size(); ++p) best = std::max(best, c.counts(p).precision());
        throw Error(at(d.path, 0, "no threshold gives " + how + " for label '" + labels[j] + "' of " + model_path +
                                      " (" + std::to_string(c.positives) + " positive(s); the highest precision is " +
                                      num(best) + ")"));
      }
      t = c.points[static_cast<size_t>(i)].threshold;
    }
    const eval::Counts k = eval::counts_at(ls.label_scores(j), ls.label_truth(j), t);
    if (int8) {
      thr_q16[j] = static_cast<int32_t>(t);
      thr[j] = quant::score_of_logit_q16(thr_q16[j]);
    } else {
      thr[j] = t;
    }
    std::string note = fixed ? "set to " + shortest(thr[j], !int8) : "chosen for " + how;
    note += " on " + d.summary.file + " (" + std::to_string(d.size()) + " rows): precision " + num(k.precision()) +
            " recall " + num(k.recall()) + " F1 " + num(k.f1()) + (int8 ? " (int8 logits)" : "");
    info = report::with_threshold_note(info, labels[j], note);
    const std::string q16 = int8 ? std::to_string(thr_q16[j]) : "";
    std::snprintf(line, sizeof line, "%-*s %10s %12s %9s %8s %8s %6llu %6llu %6llu %6llu\n", lw, labels[j].c_str(),
                  shortest(thr[j], !int8).c_str(), q16.c_str(), num(k.precision()).c_str(), num(k.recall()).c_str(),
                  num(k.f1()).c_str(),
                  static_cast<unsigned long long>(k.tp), static_cast<unsigned long long>(k.fp),
                  static_cast<unsigned long long>(k.fn), static_cast<unsigned long long>(k.tn));
    table += line;
  }
  std::fputs(table.c_str(), stdout);
  if (int8) {
    quant::QuantModel q = *model.int8_model();
    quant::set_thresholds(q, thr_q16);
    q.info = info;
    quant::save_quant(out_path, q);
  } else {
    FloatModel m = *model.float_model();
    for (size_t j = 0; j < labels.size(); ++j) m.threshold[j] = static_cast<float>(thr[j]);
    m.info = info;
    save_model(out_path, m);
  }
  std::printf("wrote %s (%s model)%s\n", out_path.c_str(), int8 ? "int8" : "float",
              int8 ? "; export it again for the device" : "");
  return 0;
}

}  // namespace tt::cli
