// tinytext predict MODEL [TEXT...]: a model's scores (float, or int8 scored by the device runtime)
// for texts given as arguments, as stdin lines, or as the text column of a data file (--data).
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/score_format.h"
#include "cli/reader_options.h"
#include "common/error.h"
#include "data/dataset.h"
#include "common/json.h"
#include "eval/metrics.h"
#include "quant/any_model.h"

namespace tt::cli {

namespace {

// One output line for a text.
std::string line(quant::LoadedModel& model, const ScoreFormat& f, bool json, const std::string& text) {
  const std::vector<double> s = model.scores(text);
  return (json ? f.json_fields(text, s) + "}" : f.plain(s)) + "\n";
}

void check_utf8(const std::string& text, const std::string& where) {
  const size_t bad = data::utf8_invalid_at(text.data(), text.size());
  if (bad != text.size())
    throw Error(where + ": invalid UTF-8 at byte " + std::to_string(bad) + "; convert the text to UTF-8");
}

void write_out(const std::string& s) {
  if (std::fwrite(s.data(), 1, s.size(), stdout) != s.size()) throw Error("predict: cannot write the output");
}

}  // namespace

int cmd_predict(int argc, char** argv) {
  std::vector<Option> options = {
      {"json", "", "one JSON object per text: {\"text\", \"scores\": {label: score}, \"label\"}", ""},
      {"data", "FILE", "score the texts of a data file (read with the reader options; labels are not needed)", ""},
      {"threshold", "T",
       "threshold in [0, 1] for the predicted labels of a sigmoid model [default: the model's stored thresholds]",
       ""},
  };
  add_reader_options(options, false);
  Args args("predict", "MODEL [TEXT...] [options]", options, argc, argv, 2);
  if (args.help()) {
    std::cout << args.usage()
              << "\nTexts come from the TEXT arguments, else from --data FILE, else from stdin, one per line\n"
                 "(a trailing CR is dropped; '--' ends the options). Each text gets one output line:\n"
                 "  plain:  PREDICTED<TAB>label=score label=score ...   (PREDICTED is '-' when none)\n"
                 "  --json: {\"text\":..., \"scores\":{label: score, ...}, \"label\":...}\n"
                 "\"label\" is the highest-scoring label (a string) for a softmax model, or the array of labels\n"
                 "with score >= threshold for a sigmoid model. Plain scores have four decimals; --json gives\n"
                 "each in the shortest form that reads back as the same value (what eval computes).\n";
    return 0;
  }
  const auto& pos = args.positional();
  if (pos.empty()) throw UsageError("predict: expected MODEL (see --help)");
  const std::string& model_path = pos[0];
  const bool from_data = args.has("data");
  if (from_data && pos.size() > 1)
    throw UsageError("predict: give either TEXT arguments or --data FILE, not both");
  data::ReaderOptions ro = reader_options(args);
  ro.require_labels = false;

  const bool fixed_threshold = args.has("threshold");
  const double threshold = fixed_threshold ? args.get_double("threshold", 0.0, 1.0) : 0.5;

  quant::LoadedModel model = quant::LoadedModel::load(model_path);
  if (fixed_threshold && model.head() == Head::kSoftmax)
    throw UsageError("predict: --threshold applies to sigmoid models; " + model_path +
                     " is a softmax model, which predicts the highest score");
  const ScoreFormat format(model, fixed_threshold ? threshold : -1);
  const bool json = args.has("json");

  if (from_data) {
    const data::Dataset d = data::read_dataset(args.get("data"), ro);
    for (const auto& t : d.texts) write_out(line(model, format, json, t));
  } else if (pos.size() > 1) {
    for (size_t i = 1; i < pos.size(); ++i) {
      check_utf8(pos[i], "argument " + std::to_string(i));
      write_out(line(model, format, json, pos[i]));
    }
  } else {
    std::string text;
    size_t n = 0;
    while (std::getline(std::cin, text)) {
      ++n;
      if (!text.empty() && text.back() == '\r') text.pop_back();
      check_utf8(text, "<stdin>:" + std::to_string(n));
      write_out(line(model, format, json, text));
      std::fflush(stdout);  // answer each line as it arrives (interactive use, pipes)
    }
    if (std::cin.bad()) throw Error("<stdin>: read error");
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) throw Error("predict: cannot write the output");
  return 0;
}

}  // namespace tt::cli
