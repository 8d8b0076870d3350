// tinytext report MODEL DATA [--compare MODEL2 ...] -o report.html: one self-contained HTML page
// of plots and tables on how the models score labelled data (src/report/).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/labelled.h"
#include "cli/model_sizes.h"
#include "cli/reader_options.h"
#include "common/error.h"
#include "common/file.h"
#include "eval/metrics.h"
#include "export/boards.h"
#include "report/report.h"

namespace tt::cli {

int cmd_report(int argc, char** argv) {
  std::vector<Option> options = {
      {"output", "FILE", "the HTML file to write", ""},
      {"compare", "MODEL[,MODEL...]",
       "further models (the same labels) drawn beside MODEL on the ROC and PR charts and in the tables", ""},
      {"worst", "N", "false positives and false negatives listed per label", "10"},
      {"ngrams", "N", "n-grams listed per label, each way", "15"},
  };
  add_reader_options(options);
  Args args("report", "MODEL DATA -o FILE [--compare MODEL2,...] [options]", options, argc, argv, 2);
  if (args.show_help(R"(Writes one HTML file with inline SVG and CSS (no script, no network): per label the ROC and
precision-recall curves with each model's operating point, precision/recall/F1 against the
threshold, score histograms per class, the confusion matrix at the stored threshold, the
worst false positives and negatives, and the n-grams of largest weight; the models' flash
and RAM on each board beside their accuracy. See docs/cli.md.
)"))
    return 0;
  const auto& pos = args.positional();
  if (pos.size() != 2)
    throw UsageError("report: expected MODEL and DATA, got " + std::to_string(pos.size()) + " argument(s) (see --help)");
  if (!args.has("output")) throw UsageError("report: -o FILE is required (the HTML file to write)");
  std::vector<std::string> paths = {pos[0]};
  if (args.has("compare")) {
    const std::string list = args.get("compare");
    for (size_t i = 0; i <= list.size();) {
      size_t e = list.find(',', i);
      if (e == std::string::npos) e = list.size();
      if (e > i) paths.push_back(list.substr(i, e - i));
      i = e + 1;
    }
  }
  std::vector<std::string> inputs = paths;
  inputs.push_back(pos[1]);
  check_outputs({args.get("output")}, inputs);
  report::ReportOptions ro_report;
  ro_report.worst = static_cast<size_t>(args.get_int("worst", 0, 100000));
  ro_report.ngrams = static_cast<size_t>(args.get_int("ngrams", 0, 100000));

  std::vector<std::unique_ptr<quant::LoadedModel>> loaded;
  for (const auto& p : paths) loaded.push_back(std::make_unique<quant::LoadedModel>(quant::LoadedModel::load(p)));
  for (size_t i = 1; i < loaded.size(); ++i)
    if (loaded[i]->labels() != loaded[0]->labels() || loaded[i]->head() != loaded[0]->head())
      throw UsageError("report: --compare " + paths[i] + " has other labels or another head than " + paths[0] +
                       "; compare models of the same task");
  data::ReaderOptions ro = reader_options(args);
  ro.require_labels = true;
  ro.allow_one_class = true;
  const data::Dataset d = read_for_model(*loaded[0], pos[1], ro);
  print_summary(d.summary, false);

  std::vector<report::ReportModel> models;
  for (size_t i = 0; i < loaded.size(); ++i) {
    quant::LoadedModel& m = *loaded[i];
    const LabelledScores ls = score_labelled(m, paths[i], d);
    report::ReportModel r;
    r.path = paths[i];
    r.model = &m;
    r.scores = ls.scores;
    r.truth = ls.truth;
    const bool softmax = m.head() == Head::kSoftmax;
    r.thresholds = softmax ? std::vector<double>(ls.k, 0.5) : m.thresholds();
    r.metrics = eval::evaluate(ls.scores, ls.truth, m.labels(),
                               softmax ? eval::Decision::kArgmax : eval::Decision::kThreshold, r.thresholds);
    bool is_float = false;
    const quant::QuantModel q = int8_of(paths[i], &is_float);
    const tt::Model view = q.view();
    for (const auto& b : exporter::boards())
      r.fits.push_back(exporter::fit_on(b, view, static_cast<uint32_t>(q.image.size())));
    models.push_back(std::move(r));
  }
  const std::string out = args.get("output");
  write_file_atomic(out, report::html_report(d, models, ro_report));
  std::cout << "wrote " << out << " (" << models.size() << " model(s), " << d.size() << " examples)\n";
  return 0;
}

}  // namespace tt::cli
