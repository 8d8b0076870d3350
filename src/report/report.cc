#include "report/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "eval/curves.h"
#include "export/boards.h"
#include "report/explain.h"
#include "report/svg.h"
#include "tokenize/reference.h"

namespace tt::report {

namespace {

const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"};
const char* color(size_t i) { return kColors[i % (sizeof kColors / sizeof kColors[0])]; }

std::string fixed(double v, int prec = 4) {
  if (std::isnan(v)) return "n/a";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

std::string base_name(const std::string& p) {
  const size_t s = p.find_last_of('/');
  return s == std::string::npos ? p : p.substr(s + 1);
}

std::string model_name(const ReportModel& m) {
  return base_name(m.path) + (m.model->is_int8() ? " (int8)" : " (float)");
}

const std::string& info_of(const quant::LoadedModel& m) {
  return m.is_int8() ? m.int8_model()->info : m.float_model()->info;
}

bool softmax(const ReportModel& m) { return m.model->head() == Head::kSoftmax; }

// Whether example i is predicted as label j (threshold, or argmax under softmax).
bool predicted(const ReportModel& m, size_t i, size_t j) {
  const size_t k = m.thresholds.size();
  if (softmax(m)) return eval::argmax(&m.scores[i * k], k) == j;
  return m.scores[i * k + j] >= m.thresholds[j];
}

std::vector<double> column(const std::vector<double>& v, size_t n, size_t k, size_t j) {
  std::vector<double> c(n);
  for (size_t i = 0; i < n; ++i) c[i] = v[i * k + j];
  return c;
}
std::vector<uint8_t> column(const std::vector<uint8_t>& v, size_t n, size_t k, size_t j) {
  std::vector<uint8_t> c(n);
  for (size_t i = 0; i < n; ++i) c[i] = v[i * k + j];
  return c;
}

std::string summary_table(const std::vector<ReportModel>& models) {
  std::string o = "<h2>Models</h2><table><tr><th>model</th><th>shape</th><th>parameters</th><th>accuracy</th>"
                  "<th>macro-F1</th><th>mean ROC AUC</th><th>mean PR AUC</th></tr>";
  for (size_t i = 0; i < models.size(); ++i) {
    const ReportModel& m = models[i];
    o += "<tr><td><span class=\"swatch\" style=\"background:" + std::string(color(i)) + "\"></span>" +
         escape(model_name(m)) + "</td><td>" + escape(m.model->shape().describe()) + "</td><td>" +
         std::to_string(m.model->shape().parameter_count()) + "</td><td>" + fixed(m.metrics.accuracy) + "</td><td>" +
         fixed(m.metrics.macro_f1) + "</td><td>" + fixed(m.metrics.mean_auc) + "</td><td>" +
         fixed(m.metrics.mean_pr_auc) + "</td></tr>";
  }
  o += "</table><h3>On each board</h3><table><tr><th>board</th><th>flash / RAM a sketch may use</th>";
  for (const ReportModel& m : models) o += "<th>" + escape(model_name(m)) + "</th>";
  o += "</tr>";
  const auto& boards = exporter::boards();
  for (size_t b = 0; b < boards.size(); ++b) {
    o += "<tr><td>" + escape(boards[b].title) + " (" + escape(boards[b].mcu) + ")</td><td>" +
         std::to_string(boards[b].flash) + " / " + std::to_string(boards[b].ram) + " B</td>";
    for (const ReportModel& m : models) {
      if (b >= m.fits.size()) {
        o += "<td>n/a</td>";
        continue;
      }
      const exporter::BoardFit& f = m.fits[b];
      o += std::string("<td class=\"") + (f.fits ? "fits" : "nofit") + "\">" + std::to_string(f.flash_used) + " / " +
           std::to_string(f.ram_used) + " B" + (f.fits ? "" : " (" + escape(f.why) + ")") + "</td>";
    }
    o += "</tr>";
  }
  return o + "</table><p class=\"note\">Flash and RAM used: the device image, the runtime's code and RAM "
             "(estimated per target) and a typical sketch's share, as <code>tinytext size</code> prints them. "
             "A float model is sized as the int8 model quantize makes from it.</p>";
}

std::string curves_section(const std::vector<ReportModel>& models, size_t j, size_t n) {
  const size_t k = models[0].thresholds.size();
  Chart roc, pr;
  roc.title = "ROC";
  roc.xlabel = "false positive rate";
  roc.ylabel = "true positive rate";
  pr.title = "Precision-recall";
  pr.xlabel = "recall";
  pr.ylabel = "precision";
  roc.series.push_back({"", "#bbb", {0, 1}, {0, 1}, true});
  for (size_t mi = 0; mi < models.size(); ++mi) {
    const ReportModel& m = models[mi];
    const eval::Curve c = eval::threshold_curve(column(m.scores, n, k, j), column(m.truth, n, k, j));
    const eval::Roc r = eval::roc_curve(c);
    const eval::PrCurve p = eval::pr_curve(c);
    const std::string name = model_name(m);
    roc.series.push_back({name + " AUC " + fixed(m.metrics.labels[j].auc, 3), color(mi), r.fpr, r.tpr, false});
    pr.series.push_back({name + " AP " + fixed(m.metrics.labels[j].pr_auc, 3), color(mi), p.recall, p.precision, false});
    const eval::Counts& oc = m.metrics.labels[j].counts;
    const double fpr = (oc.fp + oc.tn) ? static_cast<double>(oc.fp) / static_cast<double>(oc.fp + oc.tn) : NAN;
    const std::string at = softmax(m) ? "argmax" : "threshold " + fixed(m.thresholds[j]);
    roc.markers.push_back({fpr, oc.recall(), color(mi), name + " at " + at});
    pr.markers.push_back({oc.recall(), oc.precision(), color(mi), name + " at " + at});
  }
  return "<div class=\"row\">" + line_chart(roc) + line_chart(pr);
}

std::string threshold_section(const ReportModel& m, size_t j, size_t n) {
  const size_t k = m.thresholds.size();
  const std::vector<double> s = column(m.scores, n, k, j);
  const std::vector<uint8_t> t = column(m.truth, n, k, j);
  const eval::Curve c = eval::threshold_curve(s, t);
  Chart ch;
  ch.title = "Precision, recall, F1 by threshold";
  ch.xlabel = "threshold (score)";
  Series p{"precision", "#1f77b4", {}, {}, false}, r{"recall", "#d62728", {}, {}, false}, f{"F1", "#2ca02c", {}, {}, false};
  for (size_t i = 0; i < c.points.size(); ++i) {
    const eval::Counts q = c.counts(i);
    for (Series* x : {&p, &r, &f}) x->x.push_back(c.points[i].threshold);
    p.y.push_back(q.precision());
    r.y.push_back(q.recall());
    f.y.push_back(q.f1());
  }
  ch.series = {p, r, f};
  if (!softmax(m)) {
    const eval::Counts q = m.metrics.labels[j].counts;
    ch.markers.push_back({m.thresholds[j], q.precision(), "#1f77b4", "stored threshold " + fixed(m.thresholds[j])});
    ch.markers.push_back({m.thresholds[j], q.recall(), "#d62728", "stored threshold " + fixed(m.thresholds[j])});
  }
  std::vector<double> hp(20, 0), hn(20, 0);
  for (size_t i = 0; i < n; ++i) {
    const size_t b = std::min<size_t>(19, static_cast<size_t>(std::max(0.0, s[i]) * 20));
    (t[i] ? hp : hn)[b] += 1;
  }
  const std::string& label = m.metrics.labels[j].name;
  return line_chart(ch) + histogram("Scores by class", "score", 0, 1,
                                    {{"not " + label, "#1f77b4", hn}, {label, "#d62728", hp}}) + "</div>";
}

std::string confusion(const ReportModel& m, size_t j) {
  const eval::Counts& c = m.metrics.labels[j].counts;
  const std::string& l = m.metrics.labels[j].name;
  return "<table class=\"cm\"><caption>" + escape(model_name(m)) + "</caption><tr><th>true \\ predicted</th><th>" +
         escape(l) + "</th><th>not " + escape(l) + "</th></tr><tr><th>" + escape(l) + "</th><td>" +
         std::to_string(c.tp) + "</td><td>" + std::to_string(c.fn) + "</td></tr><tr><th>not " + escape(l) + "</th><td>" +
         std::to_string(c.fp) + "</td><td>" + std::to_string(c.tn) + "</td></tr></table>";
}

std::string class_confusion(const ReportModel& m) {
  const size_t k = m.metrics.labels.size();
  std::string o = "<table class=\"cm\"><caption>" + escape(model_name(m)) + "</caption><tr><th>true \\ predicted</th>";
  for (const auto& l : m.metrics.labels) o += "<th>" + escape(l.name) + "</th>";
  o += "</tr>";
  for (size_t t = 0; t < k; ++t) {
    o += "<tr><th>" + escape(m.metrics.labels[t].name) + "</th>";
    for (size_t p = 0; p < k; ++p) o += "<td>" + std::to_string(m.metrics.confusion[t * k + p]) + "</td>";
    o += "</tr>";
  }
  return o + "</table>";
}

// A text cut to about 600 bytes (at a UTF-8 character boundary), saying how long it was.
std::string clipped(const std::string& t) {
  constexpr size_t kMax = 600;
  if (t.size() <= kMax) return t;
  size_t n = kMax;
  while (n > 0 && (static_cast<unsigned char>(t[n]) & 0xC0) == 0x80) --n;
  return t.substr(0, n) + " ... (" + std::to_string(t.size()) + " bytes)";
}

std::string mistakes(const data::Dataset& d, const ReportModel& m, size_t j, size_t n, size_t worst) {
  const size_t k = m.thresholds.size();
  std::vector<size_t> fp, fn;
  for (size_t i = 0; i < n; ++i) {
    const bool p = predicted(m, i, j), t = m.truth[i * k + j] != 0;
    if (p && !t) fp.push_back(i);
    if (!p && t) fn.push_back(i);
  }
  auto by = [&](bool desc) {
    return [&, desc](size_t a, size_t b) {
      const double x = m.scores[a * k + j], y = m.scores[b * k + j];
      return desc ? x > y : x < y;
    };
  };
  std::stable_sort(fp.begin(), fp.end(), by(true));
  std::stable_sort(fn.begin(), fn.end(), by(false));
  auto list = [&](const char* title, const std::vector<size_t>& v) {
    std::string o = "<h4>" + std::string(title) + " (" + std::to_string(v.size()) + ")</h4><table class=\"texts\">"
                    "<tr><th>line</th><th>score</th><th>text</th></tr>";
    for (size_t r = 0; r < v.size() && r < worst; ++r) {
      const size_t i = v[r];
      o += "<tr><td>" + std::to_string(d.lines.size() > i ? d.lines[i] : i + 1) + "</td><td>" +
           fixed(m.scores[i * k + j]) + "</td><td>" + escape(clipped(d.texts[i])) + "</td></tr>";
    }
    return o + "</table>";
  };
  return list("Worst false positives", fp) + list("Worst false negatives", fn);
}

std::string ngrams(const data::Dataset& d, const ReportModel& m, size_t j, size_t top) {
  const ModelShape& s = m.model->shape();
  // The rows the data's n-grams reach (as the model maps them), with every text reaching each.
  FeatureMap map;
  std::vector<uint8_t> table;
  if (m.model->is_int8()) {
    const quant::QuantModel& q = *m.model->int8_model();
    const tt::Model v = q.view();
    const uint8_t* fp = reinterpret_cast<const uint8_t*>(q.image.data()) + section_at(kSecFingerprints, detail::model_shape(v));
    table.assign(fp, fp + size_t{kTableWays} * s.table_groups);
  } else {
    table = m.model->float_model()->table;
  }
  map = feature_map(s, table);
  std::map<std::string, std::pair<uint32_t, size_t>> grams;  // text -> (row, count)
  std::map<uint32_t, std::vector<std::string>> texts_of_row;
  for (const std::string& text : d.texts)
    for (const Token& t : reference_tokens(s.tokenizer, text)) {
      auto [it, fresh] = grams.try_emplace(t.text, map(t.hash), 0);
      if (fresh) texts_of_row[it->second.first].push_back(t.text);
      ++it->second.second;
    }
  struct Row {
    std::string text;
    uint32_t row;
    size_t count;
    double w;
  };
  std::vector<uint32_t> distinct;
  for (const auto& [row, texts] : texts_of_row) distinct.push_back(row);
  const std::vector<double> w = row_weights(*m.model, distinct, j);
  std::map<uint32_t, double> weight;
  for (size_t i = 0; i < distinct.size(); ++i) weight[distinct[i]] = w[i];
  std::vector<Row> rows;
  for (const auto& [text, rc] : grams) rows.push_back({text, rc.first, rc.second, weight[rc.first]});
  const bool linear = s.linear;
  auto table_of = [&](const char* title, bool high) {
    std::vector<Row> r = rows;
    std::stable_sort(r.begin(), r.end(), [&](const Row& a, const Row& b) { return high ? a.w > b.w : a.w < b.w; });
    std::string o = "<table class=\"grams\"><caption>" + std::string(title) +
                    "</caption><tr><th>n-gram</th><th>weight</th><th>in data</th><th>row</th><th>shares the row with"
                    "</th></tr>";
    for (size_t i = 0; i < r.size() && i < top; ++i) {
      std::string shared;
      size_t shown = 0;
      for (const std::string& other : texts_of_row[r[i].row])
        if (other != r[i].text && shown++ < 4) shared += (shared.empty() ? "" : ", ") + escape(other);
      if (texts_of_row[r[i].row].size() > 5) shared += ", ...";
      o += "<tr><td><code>" + escape(r[i].text) + "</code></td><td>" +
           (m.model->is_int8() && s.linear ? std::to_string(static_cast<int>(r[i].w)) : fixed(r[i].w)) + "</td><td>" +
           std::to_string(r[i].count) + "</td><td>" + std::to_string(r[i].row) + "</td><td>" + shared + "</td></tr>";
    }
    return o + "</table>";
  };
  return std::string("<p class=\"note\">") +
         (linear ? (m.model->is_int8() ? "The int8 weight of each n-gram's row for this label (what the board adds)."
                                       : "The weight of each n-gram's row for this label (times the pooling scale, "
                                         "its part of the logit).")
                 : "For a model with a hidden layer: the logit of a bag of that n-gram alone less the empty bag's.") +
         " Only n-grams of this data are listed; n-grams that share a row (hash collisions) are named.</p>"
         "<div class=\"row\">" + table_of("Pushing towards the label", true) + table_of("Pushing away", false) + "</div>";
}

const char* kStyle =
    "body{font-family:sans-serif;margin:1.5em;color:#222;max-width:1400px}"
    "table{border-collapse:collapse;margin:.5em 1em .5em 0}td,th{border:1px solid #ccc;padding:2px 6px;"
    "font-size:13px;text-align:left;vertical-align:top}.row{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-start}"
    ".note{color:#555;font-size:13px}.fits{background:#eaf7ea}.nofit{background:#fbeaea}"
    ".swatch{display:inline-block;width:10px;height:10px;margin-right:4px}.texts td:last-child{max-width:800px;"
    "word-break:break-word}svg.chart{border:1px solid #ddd;background:#fafafa}";

}  // namespace

std::string html_report(const data::Dataset& d, const std::vector<ReportModel>& models, const ReportOptions& o) {
  const ReportModel& main = models.at(0);
  const size_t n = d.size();
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>tinytext report: " +
                  escape(base_name(main.path)) + "</title><style>" + kStyle + "</style></head><body>";
  h += "<h1>tinytext report: " + escape(base_name(main.path)) + "</h1><p>Data: " + escape(d.summary.file) + ", " +
       std::to_string(n) + " examples. " +
       (softmax(main) ? "Softmax model: the prediction is the highest score; curves are one label against the rest."
                      : "Sigmoid model: a label is predicted when its score is at least its stored threshold.") +
       "</p>";
  h += summary_table(models);
  if (softmax(main)) {
    h += "<h3>Confusion matrices (rows: true class, columns: predicted class, the highest score)</h3><div class=\"row\">";
    for (const ReportModel& m : models) h += class_confusion(m);
    h += "</div>";
  }
  for (size_t j = 0; j < main.metrics.labels.size(); ++j) {
    const eval::LabelReport& l = main.metrics.labels[j];
    h += "<h2>Label " + escape(l.name) + "</h2><p>" + std::to_string(l.positives) + " positive(s) of " +
         std::to_string(n) + ".</p>";
    if (!softmax(main)) {
      h += "<ul class=\"note\">";
      for (const ReportModel& m : models) {
        const std::string note = threshold_note(info_of(*m.model), l.name);
        h += "<li>" + escape(model_name(m)) + ": threshold " + fixed(m.thresholds[j]) + ", " +
             (note.empty() ? "set by train: the best F1 on its validation (or training) rows" : escape(note)) + "</li>";
      }
      h += "</ul>";
    }
    h += curves_section(models, j, n) + threshold_section(main, j, n);
    h += std::string("<h3>") + (softmax(main) ? "This label against the rest (argmax)" : "Confusion at the stored threshold") +
         "</h3><div class=\"row\">";
    for (const ReportModel& m : models) h += confusion(m, j);
    h += "</div><h3>Mistakes of " + escape(model_name(main)) + "</h3>" + mistakes(d, main, j, n, o.worst);
    h += "<h3>N-grams of " + escape(model_name(main)) + "</h3>" + ngrams(d, main, j, o.ngrams);
  }
  return h + "<p class=\"note\">Written by tinytext report. Curves as scikit-learn's roc_curve and "
             "precision_recall_curve; a prediction is positive when score &gt;= threshold.</p></body></html>\n";
}

}  // namespace tt::report

namespace tt::report {

std::string with_threshold_note(const std::string& info, const std::string& label, const std::string& note) {
  const std::string key = "threshold " + label + ": ";
  std::string out;
  size_t i = 0;
  while (i < info.size()) {
    size_t e = info.find('\n', i);
    e = e == std::string::npos ? info.size() : e + 1;
    if (info.compare(i, key.size(), key) != 0) out += info.substr(i, e - i);
    i = e;
  }
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out + key + note + "\n";
}

std::string threshold_note(const std::string& info, const std::string& label) {
  const std::string key = "threshold " + label + ": ";
  for (size_t i = 0; i < info.size();) {
    size_t e = info.find('\n', i);
    if (e == std::string::npos) e = info.size();
    if (info.compare(i, key.size(), key) == 0) return info.substr(i + key.size(), e - i - key.size());
    i = e + 1;
  }
  return "";
}

}  // namespace tt::report
