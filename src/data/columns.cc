#include "data/columns.h"

#include <algorithm>
#include <cstdint>

namespace tt::data::detail {

namespace {

}  // namespace

// The text column when --text or a header name chooses it (the first part of
// ReaderOptions::text_column's rule): then it is known from the first record.
bool text_by_name(const Columns& cols, const ReaderOptions& o, DataSummary& s, size_t* text) {
  if (!o.text_column.empty()) {
    *text = cols.find(o.text_column, "text");
    s.text_rule = "--text " + o.text_column;
    return true;
  }
  if (cols.find_preferred({"text", "comment_text", "tweet", "message"}, SIZE_MAX, text)) {
    s.text_rule = "named " + quoted(trim(cols.name(*text)));
    return true;
  }
  return false;
}

void ColumnStats::add(const Table& t, size_t from) {
  if (empty.size() < t.columns) empty.resize(t.columns, 0), boolean.resize(t.columns, 1);
  for (size_t r = from; r < t.rows(); ++r) {
    ++rows;
    for (size_t c = 0; c < t.columns; ++c) {
      const std::string_view v = trim(t.cell(r, c));
      empty[c] += v.empty();
      bool b = false;
      if (boolean[c] && !boolean_value(v, &b)) boolean[c] = 0;
    }
  }
}

// Picks the text column (ReaderOptions::text_column documents the rule).
size_t pick_text(const Columns& cols, const ColumnStats& st, const ReaderOptions& o, DataSummary& s) {
  size_t text = 0;
  if (text_by_name(cols, o, s, &text)) return text;
  text = cols.count() - 1;
  size_t skipped = 0;
  while (text > 0 && st.mostly_empty(text)) --text, ++skipped;
  if (st.mostly_empty(text)) text = cols.count() - 1;  // every column is: the check below refuses it
  s.text_rule = skipped ? "the last column that is not mostly empty; after it " + std::to_string(skipped) +
                              " mostly empty column" + (skipped == 1 ? "" : "s") + " (--text to choose)"
                        : "the last column (--text to choose)";
  return text;
}

// Picks the label columns (ReaderOptions::label_columns documents the rule).
std::vector<size_t> pick_labels(const std::string& path, const Columns& cols, const ColumnStats& st, size_t text,
                                const ReaderOptions& o, DataSummary& s) {
  std::vector<size_t> labels;
  for (const auto& spec : o.label_columns) labels.push_back(cols.find(spec, "label"));
  if (!labels.empty()) {
    std::string given;
    for (const auto& spec : o.label_columns) given += (given.empty() ? "" : ",") + spec;
    s.label_rule = "--label " + given;
  } else {
    std::vector<size_t> others;
    for (size_t c = 0; c < cols.count(); ++c)
      if (c != text) others.push_back(c);
    size_t c = 0;
    if (cols.header() && others.size() >= 2 &&
        std::all_of(others.begin(), others.end(), [&](size_t x) { return st.boolean[x] != 0; })) {
      labels = others;
      s.label_rule = "every column but the text holds only 0/1 values: all " + std::to_string(others.size()) +
                     " are labels (--label to choose)";
    } else if (cols.find_preferred({"label", "labels", "class", "toxic"}, text, &c)) {
      labels.push_back(c);
      s.label_rule = "named " + quoted(trim(cols.name(c))) + " (--label to choose)";
    } else {
      if (cols.count() < 2) {
        throw Error(at(path, cols.header_line(),
                       "only one column, but a labelled file needs a text column and a label column (is it a "
                       "TSV or fastText file? give --format)"));
      }
      auto it = std::find_if(others.begin(), others.end(), [&](size_t x) { return !st.mostly_empty(x); });
      labels.push_back(it == others.end() ? others[0] : *it);
      s.label_rule = "the first column other than the text (--label to choose)";
    }
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] == text) {
      throw Error(at(path, cols.header_line(),
                     cols.describe(text) + " is both the text column and a label column; choose another"));
    }
    for (size_t j = 0; j < i; ++j)
      if (labels[j] == labels[i])
        throw Error(at(path, cols.header_line(), cols.describe(labels[i]) + " is given twice as a label"));
  }
  return labels;
}

// A header whose label cell is one of that column's values is a data row; a first data row whose
// label occurs nowhere else, above boolean labels, is a header.
void check_header(Dataset& d, const Columns& cols, const HeadCheck& h, size_t label) {
  DataSummary& s = d.summary;
  if (cols.header()) {
    const std::string_view head = h.first_label;
    const bool in_data = !head.empty() && h.rest.count(head);
    const size_t text_len = h.first_text_bytes;
    if (in_data || text_len >= 40) {
      s.warnings.push_back("the first line looks like data, not column names: " +
                           (in_data ? "its label " + quoted(head) + " is a value of " + cols.describe(label)
                                    : "its text cell is " + std::to_string(text_len) + " bytes long") +
                           ". If the file has no header, give --no-header (the first line is then an example)");
    }
    return;
  }
  if (h.rows < 3) return;
  const std::string_view v0 = h.first_label;
  const bool unique = !h.rest.count(v0);
  bool rest_boolean = true;
  for (const auto& kv : h.rest) {
    bool b = false;
    rest_boolean = rest_boolean && (kv.first.empty() || detail::boolean_value(kv.first, &b));
  }
  bool b0 = false;
  if (unique && rest_boolean && !detail::boolean_value(v0, &b0)) {
    s.warnings.push_back("the first line looks like column names, not data: its label " + quoted(v0) +
                         " occurs on no other line, whose labels are 0/1. If it names the columns, drop "
                         "--no-header");
  }
}

HeadCheck head_check(const Table& t, size_t label, size_t text) {
  HeadCheck h;
  h.rows = t.rows();
  if (!t.rows()) return h;
  h.first_label = trim(t.cell(0, label));
  h.first_text_bytes = t.cell(0, text).size();
  for (size_t r = 1; r < t.rows(); ++r) ++h.rest[trim(t.cell(r, label))];
  return h;
}

// Warns about unnamed columns that are not used but hold values (Kaggle's spam.csv: the ends of
// messages whose commas were not quoted).
void check_unused(Dataset& d, const Columns& cols, const std::vector<ColumnFill>& fill, uint64_t data_rows,
                  size_t text, const std::vector<size_t>& labels) {
  for (size_t c = 0; c < cols.count(); ++c) {
    if (c == text || std::find(labels.begin(), labels.end(), c) != labels.end()) continue;
    if (cols.header() && !trim(cols.name(c)).empty()) continue;
    const uint64_t filled = fill[c].filled;
    if (filled && (data_rows - filled) * 2 > data_rows) {
      d.summary.warnings.push_back(cols.describe(c) + " is mostly empty and not used, but " +
                                   std::to_string(filled) + (filled == 1 ? " row has" : " rows have") +
                                   " a value there (first on line " + std::to_string(fill[c].first_line) +
                                   "); is part of the text there? (--text chooses one column)");
    }
  }
}

std::vector<ColumnFill> column_fill(const Table& t, size_t first) {
  std::vector<ColumnFill> fill(t.columns);
  for (size_t r = first; r < t.rows(); ++r)
    for (size_t c = 0; c < t.columns; ++c) fill[c].add(t.cell(r, c), t.lines[r]);
  return fill;
}

}  // namespace tt::data::detail
