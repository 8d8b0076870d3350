// tinytext predict MODEL [TEXT...]: a model's scores (float, or int8 scored by the device runtime)
// for texts given as arguments, as stdin lines, or as the text column of a data file (--data).
#include <algorithm>
#include <cmath>
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
#include "report/explain.h"

namespace tt::cli {

namespace {

std::string fixed(double v, int prec) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%+.*f", prec, v);
  return buf;
}

// The features of label j by decreasing |contribution|: the first `top`.
std::vector<size_t> top_features(const report::LabelExplanation& l, size_t top) {
  std::vector<size_t> idx(l.contrib.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::stable_sort(idx.begin(), idx.end(),
                   [&](size_t a, size_t b) { return std::fabs(l.contrib[a]) > std::fabs(l.contrib[b]); });
  if (idx.size() > top) idx.resize(top);
  return idx;
}

// "explain":{label:{...}, ...} for --json; every feature's contribution is listed (top: the
// first `top` by |contribution|, the rest summed in "others") so the parts add up.
std::string explain_json(const report::Explanation& e, size_t top) {
  std::string o = ",\"explain\":{";
  for (size_t k = 0; k < e.labels.size(); ++k) {
    const report::LabelExplanation& l = e.labels[k];
    o += (k ? "," : "") + json_quote(l.label) + ":{";
    if (e.dense) {
      o += "\"logit_q16\":" + std::to_string(l.logit_q16) + ",\"bias_q16\":" + std::to_string(l.bias_q16) +
           ",\"remainder_q16\":" + std::to_string(l.remainder_q16) + ",\"sums\":[";
      for (size_t d = 0; d < e.sums.size(); ++d) o += (d ? "," : "") + std::to_string(e.sums[d]);
      o += "],\"hidden\":[";
      for (size_t h = 0; h < e.hidden.size(); ++h) o += (h ? "," : "") + std::to_string(e.hidden[h]);
      o += "]";
    } else if (e.int8)
      o += "\"logit_q16\":" + std::to_string(l.logit_q16) + ",\"int_sum\":" + std::to_string(l.int_sum);
    else
      o += "\"logit\":" + json_number(l.logit) + ",\"bias\":" + json_number(l.bias) + ",\"scale\":" + json_number(e.scale);
    o += ",\"features\":[";
    const std::vector<size_t> idx = top_features(l, top);
    double rest = 0;
    std::vector<bool> shown(l.contrib.size(), false);
    for (size_t i : idx) shown[i] = true;
    for (size_t i = 0; i < l.contrib.size(); ++i)
      if (!shown[i]) rest += l.contrib[i];
    for (size_t n = 0; n < idx.size(); ++n) {
      const report::Feature& f = e.features[idx[n]];
      o += std::string(n ? "," : "") + "{\"text\":" + json_quote(f.text) + ",\"kind\":" + json_quote(f.kind) +
           ",\"pos\":" + std::to_string(f.pos) + ",\"row\":" + std::to_string(f.row) + ",\"contribution\":" +
           (e.int8 ? std::to_string(static_cast<int64_t>(l.contrib[idx[n]])) : json_number(l.contrib[idx[n]]));
      if (!f.shares_row.empty()) {
        o += ",\"shares_row\":[";
        for (size_t c = 0; c < f.shares_row.size(); ++c) o += (c ? "," : "") + json_quote(f.shares_row[c]);
        o += "]";
      }
      o += "}";
    }
    o += "],\"others\":" + (e.int8 ? std::to_string(static_cast<int64_t>(rest)) : json_number(rest)) +
         ",\"others_count\":" + std::to_string(l.contrib.size() - idx.size()) + "}";
  }
  return o + "}";
}

std::string explain_plain(const report::Explanation& e, size_t top) {
  std::string o;
  for (const report::LabelExplanation& l : e.labels) {
    char head[200];
    if (e.dense)
      std::snprintf(head, sizeof head, "  %s: logit %d/65536 = %.4f: bias %+.4f, the features' %+.4f, rounding %+.4f:\n",
                    l.label.c_str(), l.logit_q16, l.logit, static_cast<double>(l.bias_q16) / 65536.0,
                    static_cast<double>(l.logit_q16 - l.bias_q16 - l.remainder_q16) / 65536.0,
                    static_cast<double>(l.remainder_q16) / 65536.0);
    else if (e.int8)
      std::snprintf(head, sizeof head, "  %s: logit %d/65536 = %.4f from the integer sum %lld of the int8 rows:\n",
                    l.label.c_str(), l.logit_q16, l.logit, static_cast<long long>(l.int_sum));
    else
      std::snprintf(head, sizeof head, "  %s: logit %.4f = bias %+.4f + the features' %+.4f:\n", l.label.c_str(), l.logit,
                    l.bias, l.logit - l.bias);
    o += head;
    const std::vector<size_t> idx = top_features(l, top);
    double rest = 0;
    for (size_t i = 0; i < l.contrib.size(); ++i)
      if (std::find(idx.begin(), idx.end(), i) == idx.end()) rest += l.contrib[i];
    // Int8 linear: integers; int8 dense: Q16.16 integers shown as logits.
    auto num = [&](double v) { return e.dense ? fixed(v / 65536.0, 4) : e.int8 ? fixed(v, 0) : fixed(v, 4); };
    for (size_t i : idx) {
      const report::Feature& f = e.features[i];
      o += "    " + num(l.contrib[i]) + "  " + f.kind + " \"" + f.text + "\"";
      if (f.kind != "text row") o += " at byte " + std::to_string(f.pos);
      o += " (row " + std::to_string(f.row) + ")";
      if (!f.shares_row.empty()) {
        o += " collides with";
        for (const auto& t : f.shares_row) o += " \"" + t + "\"";
      }
      o += "\n";
    }
    if (idx.size() < l.contrib.size())
      o += "    " + num(rest) + "  the other " + std::to_string(l.contrib.size() - idx.size()) + " feature(s)\n";
    if (e.dense)
      o += "    " + num(static_cast<double>(l.remainder_q16)) + "  rounding and clamping in the int8 layers\n";
  }
  return o;
}

// One output line for a text (and its explanation).
std::string line(quant::LoadedModel& model, const ScoreFormat& f, bool json, const std::string& text, long top) {
  const std::vector<double> s = model.scores(text);
  if (top < 0) return (json ? f.json_fields(text, s) + "}" : f.plain(s)) + "\n";
  const report::Explanation e = report::explain(model, text);
  return json ? f.json_fields(text, s) + explain_json(e, static_cast<size_t>(top)) + "}\n"
              : f.plain(s) + "\n" + explain_plain(e, static_cast<size_t>(top));
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
      flag("json", "one JSON object per text: {\"text\", \"scores\": {label: score}, \"label\"}"),
      flag("explain", "after each text, each label's logit split into the contributions of its features"),
      {"top", "N", "with --explain: the N features of largest |contribution| per label (the rest summed)", "10"},
      {"data", "FILE", "score the texts of a data file (read with the reader options; labels are not needed)", ""},
      {"threshold", "T",
       "threshold in [0, 1] for the predicted labels of a sigmoid model [default: the model's stored thresholds]",
       ""},
  };
  add_reader_options(options, false);
  Args args("predict", "MODEL [TEXT...] [options]", options, argc, argv, 2);
  if (args.show_help(R"(Texts come from the TEXT arguments, else from --data FILE, else from stdin, one per line
(a trailing CR is dropped; '--' ends the options). Each text gets one output line:
  plain:  PREDICTED<TAB>label=score label=score ...   (PREDICTED is '-' when none)
  --json: {"text":..., "scores":{label: score, ...}, "label":...}
"label" is the highest-scoring label (a string) for a softmax model, or the array of labels
with score >= threshold for a sigmoid model. Plain scores have four decimals; --json gives
each in the shortest form that reads back as the same value (what eval computes).
--explain lists, per label, the features (word, bigram or char n-gram, with the byte offset
of its word) that add most to the logit; they add up to it. Float models: exact for a
linear model; with a hidden layer, the split at this text's ReLU on/off pattern. Int8
linear models: the int8 weights the board adds, summing to its integer sum. Int8 models
with a hidden layer: each feature's int8 row carried through the int8 layers at the board's
ReLU on/off pattern, plus a line for the rounding and clamping in those layers, adding up
to the board's logit exactly. Features that share an embedding row (a hash collision)
are marked. See docs/cli.md.
)"))
    return 0;
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
  const long top = args.has("explain") ? static_cast<long>(args.get_int("top", 1, 1000000)) : -1;

  if (from_data) {
    const data::Dataset d = data::read_dataset(args.get("data"), ro);
    for (const auto& t : d.texts) write_out(line(model, format, json, t, top));
  } else if (pos.size() > 1) {
    for (size_t i = 1; i < pos.size(); ++i) {
      check_utf8(pos[i], "argument " + std::to_string(i));
      write_out(line(model, format, json, pos[i], top));
    }
  } else {
    std::string text;
    size_t n = 0;
    while (std::getline(std::cin, text)) {
      ++n;
      if (!text.empty() && text.back() == '\r') text.pop_back();
      check_utf8(text, "<stdin>:" + std::to_string(n));
      write_out(line(model, format, json, text, top));
      std::fflush(stdout);  // answer each line as it arrives (interactive use, pipes)
    }
    if (std::cin.bad()) throw Error("<stdin>: read error");
  }
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) throw Error("predict: cannot write the output");
  return 0;
}

}  // namespace tt::cli
