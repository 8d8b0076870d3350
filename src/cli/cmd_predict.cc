// tinytext predict MODEL [TEXT...]: a model's scores (float, or int8 scored by the device runtime)
// for texts given as arguments, as stdin lines, or as the text column of a data file (--data).
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/reader_options.h"
#include "common/error.h"
#include "data/dataset.h"
#include "common/json.h"
#include "eval/metrics.h"
#include "quant/any_model.h"

namespace tt::cli {

namespace {

struct Predictor {
  quant::LoadedModel& model;
  std::vector<std::string> labels;
  std::vector<double> thresholds;  // sigmoid heads
  bool json = false;

  // Float models' scores are floats: print the shortest text that reads back as that float.
  // Int8 models' scores are doubles: the shortest that reads back as that double.
  std::string number(double v) const {
    return model.is_int8() ? json_number(v) : json_number(static_cast<float>(v));
  }

  // One output line for a text.
  std::string line(const std::string& text) {
    const std::vector<double> s = model.scores(text);
    const size_t k = labels.size();
    if (s.size() != k) throw Error("the model gave " + std::to_string(s.size()) + " scores for " +
                                   std::to_string(k) + " labels");
    std::vector<size_t> predicted;
    if (model.head() == Head::kSoftmax) {
      predicted.push_back(eval::argmax(s.data(), k));
    } else {
      for (size_t j = 0; j < k; ++j)
        if (s[j] >= thresholds[j]) predicted.push_back(j);
    }
    std::string o;
    if (json) {
      o = "{\"text\":" + json_quote(text) + ",\"scores\":{";
      for (size_t j = 0; j < k; ++j)
        o += (j ? "," : "") + json_quote(labels[j]) + ":" + number(s[j]);
      o += "},\"label\":";
      if (model.head() == Head::kSoftmax) {
        o += json_quote(labels[predicted[0]]);
      } else {
        o += "[";
        for (size_t p = 0; p < predicted.size(); ++p) o += (p ? "," : "") + json_quote(labels[predicted[p]]);
        o += "]";
      }
      o += "}\n";
    } else {
      // "<predicted labels, comma-separated, or ->\t<label>=<score> ..."
      for (size_t p = 0; p < predicted.size(); ++p) o += (p ? "," : "") + labels[predicted[p]];
      if (predicted.empty()) o += "-";
      o += "\t";
      for (size_t j = 0; j < k; ++j) o += (j ? " " : "") + labels[j] + "=" + number(s[j]);
      o += "\n";
    }
    return o;
  }
};

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
  add_reader_options(options);
  Args args("predict", "MODEL [TEXT...] [options]", options, argc, argv, 2);
  if (args.help()) {
    std::cout << args.usage()
              << "\nTexts come from the TEXT arguments, else from --data FILE, else from stdin, one per line\n"
                 "(a trailing CR is dropped; '--' ends the options). Each text gets one output line:\n"
                 "  plain:  PREDICTED<TAB>label=score label=score ...   (PREDICTED is '-' when none)\n"
                 "  --json: {\"text\":..., \"scores\":{label: score, ...}, \"label\":...}\n"
                 "\"label\" is the highest-scoring label (a string) for a softmax model, or the array of labels\n"
                 "with score >= threshold for a sigmoid model. Scores are printed in the shortest form that\n"
                 "reads back as the same float.\n";
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
  Predictor pr{model, model.labels(), {}, args.has("json")};
  const size_t k = pr.labels.size();
  pr.thresholds.assign(k, 0.5);
  if (fixed_threshold) {
    if (model.head() == Head::kSoftmax)
      throw UsageError("predict: --threshold applies to sigmoid models; " + model_path +
                       " is a softmax model, which predicts the highest score");
    pr.thresholds.assign(k, threshold);
  } else {
    const std::vector<double> stored = model.thresholds();
    if (stored.size() == k) pr.thresholds = stored;
  }

  if (from_data) {
    const data::Dataset d = data::read_dataset(args.get("data"), ro);
    for (const auto& t : d.texts) write_out(pr.line(t));
  } else if (pos.size() > 1) {
    for (size_t i = 1; i < pos.size(); ++i) {
      check_utf8(pos[i], "argument " + std::to_string(i));
      write_out(pr.line(pos[i]));
    }
  } else {
    std::string text;
    size_t n = 0;
    while (std::getline(std::cin, text)) {
      ++n;
      if (!text.empty() && text.back() == '\r') text.pop_back();
      check_utf8(text, "<stdin>:" + std::to_string(n));
      write_out(pr.line(text));
      std::fflush(stdout);  // answer each line as it arrives (interactive use, pipes)
    }
    if (std::cin.bad()) throw Error("<stdin>: read error");
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) throw Error("predict: cannot write the output");
  return 0;
}

}  // namespace tt::cli
