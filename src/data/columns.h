// Choosing the text and label columns of a CSV/TSV table (read_dataset's rules, documented on
// ReaderOptions): by --text/--label, by header name, by content; and the checks of that choice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string_view>
#include <string>
#include <vector>

#include "common/error.h"
#include "data/dataset.h"
#include "data/labels.h"
#include "data/table.h"

namespace tt::data::detail {

// Column selection in a CSV/TSV table.
class Columns {
 public:
  Columns(const std::string& path, const Table& t, bool header)
      : path_(path), count_(t.columns), header_(header), line_(t.lines.empty() ? 0 : t.lines[0]) {
    if (header)
      for (size_t c = 0; c < t.columns; ++c) names_.emplace_back(t.cell(0, c));
  }

  size_t count() const { return count_; }
  bool header() const { return header_; }
  // The header name of column c ("" without a header).
  std::string name(size_t c) const { return header_ ? names_[c] : std::string(); }
  uint32_t header_line() const { return line_; }

  // The output name of a label column: its header name, or "colN".
  std::string label_name(size_t c) const {
    if (header_ && !trim(names_[c]).empty()) return std::string(trim(names_[c]));
    return "col" + std::to_string(c + 1);
  }
  // How messages name a column: 'name' (column N), or column N.
  std::string describe(size_t c) const {
    std::string n = "column " + std::to_string(c + 1);
    if (header_ && trim(names_[c]).empty()) return n + " (unnamed)";
    return header_ ? quoted(names_[c]) + " (" + n + ")" : n;
  }

  // "label column 'name' (column N)", or "label column N" without a header.
  std::string label_column(size_t c) const {
    return header_ ? "label column " + describe(c) : "label " + describe(c);
  }

  size_t find(const std::string& spec, const char* role) const {
    if (header_) {
      for (bool trimmed : {false, true}) {
        std::vector<size_t> hits;
        for (size_t c = 0; c < count_; ++c)
          if (trimmed ? trim(names_[c]) == trim(spec) : names_[c] == spec) hits.push_back(c);
        if (hits.size() == 1) return hits[0];
        if (hits.size() > 1) {
          throw Error(at(path_, line_,
                         "the " + std::string(role) + " column name " + quoted(spec) + " is in columns " +
                             std::to_string(hits[0] + 1) + " and " + std::to_string(hits[1] + 1) +
                             "; select it by its 1-based position"));
        }
      }
    }
    bool digits = !spec.empty() && spec.size() <= 9 &&
                  std::all_of(spec.begin(), spec.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    if (digits) {
      size_t pos = std::stoul(spec);
      if (pos >= 1 && pos <= count_) return pos - 1;
      throw Error(at(path_, line_,
                     "the " + std::string(role) + " column " + spec + " is out of range: the file has " +
                         std::to_string(count_) + (count_ == 1 ? " column" : " columns") +
                         " (positions count from 1)"));
    }
    if (!header_) {
      throw Error(at(path_, line_,
                     "no " + std::string(role) + " column " + quoted(spec) +
                         ": without a header, select columns by 1-based position (1.." + std::to_string(count_) +
                         ")"));
    }
    std::string list;
    for (size_t c = 0; c < count_; ++c) list += (c ? ", " : "") + std::to_string(c + 1) + " " + quoted(names_[c]);
    throw Error(at(path_, line_,
                   "no " + std::string(role) + " column named " + quoted(spec) + "; the columns are: " + list +
                       "; give a name or a 1-based position"));
  }

  // The first column (not `except`) whose name is one of `preferred`, in order of preference.
  bool find_preferred(std::initializer_list<const char*> preferred, size_t except, size_t* out) const {
    if (!header_) return false;
    for (const char* p : preferred)
      for (size_t c = 0; c < count_; ++c)
        if (c != except && lower(trim(names_[c])) == p) {
          *out = c;
          return true;
        }
    return false;
  }

 private:
  const std::string& path_;
  size_t count_;
  bool header_;
  uint32_t line_;
  std::vector<std::string> names_;
};

// The text column when --text or a header name chooses it (the first part of
// ReaderOptions::text_column's rule): then it is known from the first record.
bool text_by_name(const Columns& cols, const ReaderOptions& o, DataSummary& s, size_t* text);

// What the content rules of the column choice look at: per column, over the data rows, the
// blank values and whether every value is boolean.
struct ColumnStats {
  uint64_t rows = 0;
  std::vector<uint64_t> empty;
  std::vector<uint8_t> boolean;
  // Adds the table's rows from `from` on.
  void add(const Table& t, size_t from);
  // More than half of the column's values blank.
  bool mostly_empty(size_t c) const { return empty[c] * 2 > rows; }
};

// Picks the text column (ReaderOptions::text_column documents the rule).
size_t pick_text(const Columns& cols, const ColumnStats& st, const ReaderOptions& o, DataSummary& s);

// Picks the label columns (ReaderOptions::label_columns documents the rule).
std::vector<size_t> pick_labels(const std::string& path, const Columns& cols, const ColumnStats& st, size_t text,
                                const ReaderOptions& o, DataSummary& s);

// What check_header looks at: the first table row's label (trimmed) and text cells, and the
// label values of the rows after it (trimmed, distinct, with their rows).
struct HeadCheck {
  std::string_view first_label;
  size_t first_text_bytes = 0;
  uint64_t rows = 0;  // table rows, the first included
  std::map<std::string_view, uint64_t> rest;
};
HeadCheck head_check(const Table& t, size_t label, size_t text);

// A header whose label cell is one of that column's values is a data row; a first data row whose
// label occurs nowhere else, above boolean labels, is a header.
void check_header(Dataset& d, const Columns& cols, const HeadCheck& h, size_t label);

// A column's data rows with a value (not blank), and the line of the first.
struct ColumnFill {
  uint64_t filled = 0;
  uint32_t first_line = 0;
  void add(std::string_view cell, uint32_t line) {
    if (trim(cell).empty()) return;
    if (filled++ == 0) first_line = line;
  }
};
std::vector<ColumnFill> column_fill(const Table& t, size_t first);

// Warns about unnamed columns that are not used but hold values (Kaggle's spam.csv: the ends of
// messages whose commas were not quoted). `data_rows`: the rows `fill` counted.
void check_unused(Dataset& d, const Columns& cols, const std::vector<ColumnFill>& fill, uint64_t data_rows,
                  size_t text, const std::vector<size_t>& labels);

}  // namespace tt::data::detail
