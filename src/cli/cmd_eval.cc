// tinytext eval MODEL DATA: ROC AUC, PR AUC, precision/recall/F1, accuracy, macro-F1 and (for
// softmax models) the confusion matrix of a model (float, or int8 scored by the device runtime) on
// labelled data.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/labelled.h"
#include "cli/reader_options.h"
#include "cli/steps.h"
#include "common/error.h"
#include "data/dataset.h"
#include "common/json.h"
#include "eval/metrics.h"
#include "quant/any_model.h"
#include "report/report.h"

namespace tt::cli {

namespace {

// The model's stored data summary names the file it was trained on (its base name): evaluating on
// a file of that name (and as many rows) is most likely evaluating on the training data.
void warn_training_file(data::DataSummary& s, const quant::LoadedModel& m) {
  const std::string& stored = m.is_int8() ? m.int8_model()->data : m.float_model()->data;
  const size_t pos = stored.find("\"file\":");
  if (pos == std::string::npos) return;
  std::string trained;
  try {
    trained = json_unquote(stored.substr(pos + 7));
  } catch (const Error&) {
    return;
  }
  if (trained == s.file)
    s.warnings.push_back("the model was trained on a file named " + trained +
                         ": if it is this one, these scores are training scores, not a test");
}

// Test texts that are also training texts: their scores measure memory, not generalisation.
void warn_overlap(data::Dataset& d, const std::string& train_path) {
  data::ReaderOptions o;
  o.require_labels = false;
  const data::Dataset train = data::read_dataset(train_path, o);
  const std::unordered_set<std::string_view> seen(train.texts.begin(), train.texts.end());
  size_t shared = 0, first = 0;
  for (size_t i = 0; i < d.size(); ++i)
    if (seen.count(d.texts[i]) && shared++ == 0) first = d.lines[i];
  if (shared)
    d.summary.warnings.push_back(std::to_string(shared) + " of " + std::to_string(d.size()) +
                                 " test texts are also in the training data " + train_path + " (the first on line " +
                                 std::to_string(first) + "): their scores are not a test");
}

std::string fixed(double v, int prec = 4) {
  if (std::isnan(v)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

// A k x k matrix, row = true class, column = predicted class.
void print_confusion(const std::vector<std::string>& names, const std::vector<uint64_t>& counts) {
  const size_t k = names.size();
  size_t w = 5, cw = 6;
  for (const auto& n : names) w = std::max(w, n.size()), cw = std::max(cw, n.size());
  uint64_t biggest = 0;
  for (uint64_t c : counts) biggest = std::max(biggest, c);
  cw = std::max(cw, std::to_string(biggest).size());
  const int wi = static_cast<int>(w), cwi = static_cast<int>(cw);
  std::printf("\nconfusion matrix (rows: true class, columns: predicted class)\n%-*s", wi, "");
  for (const auto& n : names) std::printf(" %*s", cwi, n.c_str());
  std::printf("\n");
  for (size_t t = 0; t < k; ++t) {
    std::printf("%-*s", wi, names[t].c_str());
    for (size_t p = 0; p < k; ++p) std::printf(" %*llu", cwi, static_cast<unsigned long long>(counts[t * k + p]));
    std::printf("\n");
  }
}

void print_text(const eval::Report& r, const quant::LoadedModel& m, const std::string& model_path, const std::string& data_path) {
  const bool argmax = r.decision == eval::Decision::kArgmax;
  std::printf("model %s on %s: %zu examples, %s\n", model_path.c_str(), data_path.c_str(), r.n,
              argmax ? "softmax (prediction: the highest score)" : "sigmoid (prediction: score >= threshold)");
  std::printf("model %s\n", m.describe().c_str());
  size_t w = 5;
  for (const auto& l : r.labels) w = std::max(w, l.name.size());
  const int wi = static_cast<int>(w);
  std::printf("\n%-*s %9s %8s %8s %9s %9s %8s %8s\n", wi, "label", "positives", "ROC AUC", "PR AUC", "threshold",
              "precision", "recall", "F1");
  for (const auto& l : r.labels)
    std::printf("%-*s %9llu %8s %8s %9s %9s %8s %8s\n", wi, l.name.c_str(),
                static_cast<unsigned long long>(l.positives), fixed(l.auc).c_str(), fixed(l.pr_auc).c_str(),
                argmax ? "argmax" : fixed(l.threshold).c_str(), fixed(l.counts.precision()).c_str(),
                fixed(l.counts.recall()).c_str(), fixed(l.counts.f1()).c_str());
  bool undefined = false;
  for (const auto& l : r.labels) undefined = undefined || std::isnan(l.auc);
  if (undefined)
    std::printf("(n/a: the label has one class only in this data, so its AUC is undefined and left out of the mean)\n");
  std::printf("\nmean ROC AUC  %s\nmean PR AUC   %s\n", fixed(r.mean_auc).c_str(), fixed(r.mean_pr_auc).c_str());
  if (argmax) {
    std::printf("accuracy      %s\n", fixed(r.accuracy).c_str());
  } else if (r.labels.size() == 1) {
    std::printf("accuracy      %s\n", fixed(r.accuracy).c_str());
  } else {
    std::printf("accuracy      %s (mean of the per-label accuracies)\n", fixed(r.accuracy).c_str());
    std::printf("exact match   %s (every label right)\n", fixed(r.exact_match).c_str());
  }
  if (!argmax && r.labels.size() == 1) {
    const std::string& name = r.labels[0].name;
    std::printf("F1            %s (of the positive class, %s)\n", fixed(r.labels[0].counts.f1()).c_str(), name.c_str());
    std::printf("macro-F1      %s (mean of the F1 of %s and of not %s, as scikit-learn's average='macro')\n",
                fixed(r.macro_f1).c_str(), name.c_str(), name.c_str());
    const eval::Counts& c = r.labels[0].counts;
    print_confusion({name, "not " + name}, {c.tp, c.fn, c.fp, c.tn});
  } else {
    std::printf("macro-F1      %s (mean of the per-%s F1)\n", fixed(r.macro_f1).c_str(), argmax ? "class" : "label");
  }
  if (argmax) print_confusion([&] {
    std::vector<std::string> names;
    for (const auto& l : r.labels) names.push_back(l.name);
    return names;
  }(), r.confusion);
}

// The thresholds a sweep shows: 0.05, 0.10 ... 0.95 and the label's own.
std::vector<double> sweep_points(double own) {
  std::vector<double> t;
  for (int i = 1; i < 20; ++i) t.push_back(i / 20.0);
  if (!std::isnan(own)) t.push_back(own);
  std::sort(t.begin(), t.end());
  t.erase(std::unique(t.begin(), t.end()), t.end());
  return t;
}

const std::string& info_of(const quant::LoadedModel& m) {
  return m.is_int8() ? m.int8_model()->info : m.float_model()->info;
}

// How each sigmoid label's threshold was set (the model's note, or train's default).
void print_threshold_notes(const eval::Report& r, const quant::LoadedModel& m, bool fixed_threshold) {
  if (r.decision == eval::Decision::kArgmax) return;
  std::printf("\nthresholds%s\n", fixed_threshold ? " (--threshold given; the model's are below)" : "");
  const std::vector<double> stored = m.thresholds();
  for (size_t j = 0; j < r.labels.size(); ++j) {
    const std::string note = report::threshold_note(info_of(m), r.labels[j].name);
    std::printf("  %s: %s, %s\n", r.labels[j].name.c_str(), fixed(j < stored.size() ? stored[j] : NAN).c_str(),
                note.empty() ? "set by train: the best F1 on its validation (or training) rows (set it with tinytext threshold)"
                             : note.c_str());
  }
}

void print_sweep(const eval::Report& r, const LabelledScores& ls) {
  for (size_t j = 0; j < r.labels.size(); ++j) {
    const std::vector<double> s = ls.label_scores(j);
    const std::vector<uint8_t> t = ls.label_truth(j);
    std::printf("\nsweep of %s (positive when score >= threshold)\n%9s %9s %8s %8s %7s %7s %7s %7s\n",
                r.labels[j].name.c_str(), "threshold", "precision", "recall", "F1", "tp", "fp", "fn", "tn");
    for (double x : sweep_points(r.labels[j].threshold)) {
      const eval::Counts c = eval::counts_at(s, t, x);
      std::printf("%9s %9s %8s %8s %7llu %7llu %7llu %7llu%s\n", fixed(x).c_str(), fixed(c.precision()).c_str(),
                  fixed(c.recall()).c_str(), fixed(c.f1()).c_str(), static_cast<unsigned long long>(c.tp),
                  static_cast<unsigned long long>(c.fp), static_cast<unsigned long long>(c.fn),
                  static_cast<unsigned long long>(c.tn), x == r.labels[j].threshold ? "  <- used" : "");
    }
  }
}

std::string sweep_json(const eval::Report& r, const LabelledScores& ls) {
  std::string o = ",\"sweep\":{";
  for (size_t j = 0; j < r.labels.size(); ++j) {
    const std::vector<double> s = ls.label_scores(j);
    const std::vector<uint8_t> t = ls.label_truth(j);
    o += (j ? "," : "") + json_quote(r.labels[j].name) + ":[";
    bool first = true;
    for (double x : sweep_points(r.labels[j].threshold)) {
      const eval::Counts c = eval::counts_at(s, t, x);
      o += std::string(first ? "" : ",") + "{\"threshold\":" + json_number(x) + ",\"precision\":" +
           json_number(c.precision()) + ",\"recall\":" + json_number(c.recall()) + ",\"f1\":" + json_number(c.f1()) +
           ",\"tp\":" + std::to_string(c.tp) + ",\"fp\":" + std::to_string(c.fp) + ",\"fn\":" +
           std::to_string(c.fn) + ",\"tn\":" + std::to_string(c.tn) + "}";
      first = false;
    }
    o += "]";
  }
  return o + "}";
}

}  // namespace

std::string eval_json(const eval::Report& r, const quant::LoadedModel& m, const std::string& model_path,
                      const std::string& data_path, const data::DataSummary& summary) {
  const bool argmax = r.decision == eval::Decision::kArgmax;
  std::string o = "{\"model\":" + json_quote(model_path) + ",\"data\":" + json_quote(data_path) +
                  ",\"n\":" + std::to_string(r.n) + ",\"head\":" + (argmax ? "\"softmax\"" : "\"sigmoid\"") +
                  ",\"kind\":" + (m.is_int8() ? "\"int8\"" : "\"float32\"") +
                  ",\"shape\":" + json_quote(m.shape().describe()) +
                  ",\"parameters\":" + std::to_string(m.shape().parameter_count()) + ",\"labels\":[";
  for (size_t j = 0; j < r.labels.size(); ++j) {
    const auto& l = r.labels[j];
    if (j) o += ",";
    o += "{\"name\":" + json_quote(l.name) + ",\"positives\":" + std::to_string(l.positives) +
         ",\"auc\":" + json_number(l.auc) + ",\"pr_auc\":" + json_number(l.pr_auc) +
         ",\"precision\":" + json_number(l.counts.precision()) + ",\"recall\":" + json_number(l.counts.recall()) +
         ",\"f1\":" + json_number(l.counts.f1()) + ",\"accuracy\":" + json_number(l.counts.accuracy()) +
         ",\"threshold\":" + json_number(l.threshold) +
         (argmax ? "" : ",\"threshold_note\":" + json_quote(report::threshold_note(info_of(m), l.name))) + ",\"tp\":" + std::to_string(l.counts.tp) +
         ",\"fp\":" + std::to_string(l.counts.fp) + ",\"fn\":" + std::to_string(l.counts.fn) +
         ",\"tn\":" + std::to_string(l.counts.tn) + "}";
  }
  o += "],\"mean_auc\":" + json_number(r.mean_auc) + ",\"mean_pr_auc\":" + json_number(r.mean_pr_auc) +
       ",\"accuracy\":" + json_number(r.accuracy);
  if (!argmax) o += ",\"exact_match\":" + json_number(r.exact_match);
  o += ",\"macro_f1\":" + json_number(r.macro_f1);
  if (argmax) {
    const size_t k = r.labels.size();
    o += ",\"confusion\":[";
    for (size_t t = 0; t < k; ++t) {
      o += t ? ",[" : "[";
      for (size_t p = 0; p < k; ++p) o += (p ? "," : "") + std::to_string(r.confusion[t * k + p]);
      o += "]";
    }
    o += "]";
  }
  return o + ",\"data_summary\":" + data::summary_json(summary) + "}\n";
}

std::vector<double> eval_thresholds(const quant::LoadedModel& model, const std::string& model_path,
                                    std::optional<double> fixed) {
  const size_t k = model.labels().size();
  std::vector<double> thresholds(k, 0.5);
  if (fixed) {
    if (model.head() == Head::kSoftmax)
      throw UsageError("eval: --threshold applies to sigmoid models; " + model_path +
                       " is a softmax model, which predicts the highest score");
    thresholds.assign(k, *fixed);
  } else if (model.head() != Head::kSoftmax) {
    const std::vector<double> stored = model.thresholds();
    if (stored.size() == k) thresholds = stored;
  }
  return thresholds;
}

int cmd_eval(int argc, char** argv) {
  std::vector<Option> options = {
      flag("json", "write one JSON object on stdout instead of tables"),
      {"threshold", "T",
       "decision threshold in [0, 1] for every label of a sigmoid model [default: the model's stored thresholds]",
       ""},
      flag("sweep", "per sigmoid label, precision and recall at thresholds 0.05 ... 0.95 and at the one used"),
      {"train", "FILE",
       "the model's training data (format from its name): warns how many test texts are in it too", ""},
  };
  add_reader_options(options);
  Args args("eval", "MODEL DATA [options]", options, argc, argv, 2);
  if (args.show_help(R"(The data's label names must equal the model's. For a sigmoid model a label is predicted
when its score >= the threshold; accuracy is then the mean of the per-label accuracies.
A softmax model predicts the highest score; the confusion matrix is printed too.
ROC AUC is n/a (JSON null) for a label with one class only in the data.
)"))
    return 0;
  const auto& pos = args.positional();
  if (pos.size() != 2) throw UsageError("eval: expected MODEL and DATA, got " + std::to_string(pos.size()) +
                                        " argument(s) (see --help)");
  const std::string& model_path = pos[0];
  const std::string& data_path = pos[1];
  data::ReaderOptions ro = reader_options(args);
  ro.require_labels = true;
  ro.allow_one_class = true;  // a ham-only file still has precision, recall and a confusion matrix

  const bool fixed_threshold = args.has("threshold");
  const double threshold = fixed_threshold ? args.get_double("threshold", 0.0, 1.0) : 0.5;

  quant::LoadedModel model = quant::LoadedModel::load(model_path);
  const bool softmax = model.head() == Head::kSoftmax;
  const std::vector<std::string> labels = model.labels();
  const std::vector<double> thresholds = eval_thresholds(model, model_path, fixed_threshold ? std::optional<double>(threshold) : std::nullopt);

  // The data is read with the model's classes: its positive label, or its softmax classes.
  data::Dataset d = read_for_model(model, data_path, ro);
  warn_training_file(d.summary, model);
  if (args.has("train")) warn_overlap(d, args.get("train"));
  print_summary(d.summary, false);
  const LabelledScores ls = score_labelled(model, model_path, d);
  const std::vector<double>& scores = ls.scores;
  const std::vector<uint8_t>& truth = ls.truth;
  const eval::Report r = eval::evaluate(scores, truth, labels,
                                        softmax ? eval::Decision::kArgmax : eval::Decision::kThreshold, thresholds);
  const bool sweep = args.has("sweep");
  if (sweep && softmax)
    throw UsageError("eval: --sweep applies to sigmoid models; " + model_path + " is a softmax model (argmax)");
  if (args.has("json")) {
    std::string j = eval_json(r, model, model_path, data_path, d.summary);
    if (sweep) j.insert(j.size() - 2, sweep_json(r, ls));  // before the closing "}\n"
    std::cout << j;
  } else {
    print_text(r, model, model_path, data_path);
    print_threshold_notes(r, model, fixed_threshold);
    if (sweep) print_sweep(r, ls);
  }
  std::cout.flush();
  if (!std::cout || std::fflush(stdout) != 0 || std::ferror(stdout)) throw Error("eval: cannot write the output");
  return 0;
}

}  // namespace tt::cli
