// The reader's label stage: label values into outputs and 0/1 targets, the positive class, names
// for numeric classes, and the warnings about label values that look wrong. Internal to src/data
// (read_dataset in dataset.cc is the entry point; the rules are documented in data/dataset.h).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "data/dataset.h"

namespace tt::data::detail {

std::string_view trim(std::string_view s);
std::string lower(std::string_view s);
std::string quoted(std::string_view s);
// Whether `v` is a boolean label value (0/1, 0.0/1.0, false/true, no/yes in any case); its value
// into *out.
bool boolean_value(std::string_view v, bool* out);

// A label name becomes a C string in the model file and on the device: a NUL byte is refused.
void check_label_name(const std::string& path, uint32_t line, std::string_view name);
// Refuses a label set larger than any model's (kMaxLabels) before anything is sized by it.
void check_label_count(const std::string& path, uint32_t line, const std::string& what, size_t n);

// A label column as messages and outputs name it.
struct LabelSource {
  std::string output;  // the output name of a boolean column ("" for fastText: the true value)
  std::string what;    // "label column 'v1' (column 1)", or "the fastText labels"
  uint32_t line = 0;   // the line to blame for column-wide problems (the header, or the first row)
};

// One label value per row, trimmed and non-empty: value i is at(i). A view over the parsed cells,
// so that the reader holds no array of values per row.
class LabelValues {
 public:
  LabelValues(size_t n, std::function<std::string_view(size_t)> at) : n_(n), at_(std::move(at)) {}
  size_t size() const { return n_; }
  std::string_view operator[](size_t i) const { return at_(i); }
  struct iterator {
    const LabelValues* v;
    size_t i;
    std::string_view operator*() const { return (*v)[i]; }
    iterator& operator++() { return ++i, *this; }
    bool operator!=(const iterator& o) const { return i != o.i; }
  };
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, n_}; }

 private:
  size_t n_;
  std::function<std::string_view(size_t)> at_;
};

// The distinct values of a label column: each one's rows and the first line it is on, and (after
// order_values) their order: integers in numeric order, else byte order. The views point into
// storage the caller keeps.
struct Values {
  std::map<std::string_view, uint64_t> counts;
  std::map<std::string_view, uint32_t> first_line;
  std::vector<std::string_view> order;
};
// Each value's targets (one byte per output).
using ValueTargets = std::map<std::string_view, std::vector<uint8_t>>;

// Checks the values' names (NUL bytes, in file order) and count; sets v.order.
void order_values(const Dataset& d, Values& v, const LabelSource& src);

// set_class_labels from the values' counts (v ordered by order_values) over `rows` rows: sets
// d.kind, d.label_names and the summary's classes, positive and warnings; returns each value's targets.
ValueTargets class_labels(Dataset& d, const Values& v, uint64_t rows, const LabelSource& src, const ReaderOptions& o);

// set_multi_labels from each column's values (counts and first lines) over `rows` rows: returns
// each column's value -> its one target byte.
std::vector<ValueTargets> multi_labels(Dataset& d, const std::vector<Values>& columns, uint64_t rows,
                                       const std::vector<LabelSource>& sources, const ReaderOptions& o);

// One label per row (a class column, or fastText lines with one label each): sets d.kind,
// d.label_names, d.targets and the summary's classes, positive and label warnings. `values` are
// trimmed and non-empty; lines[i] is the line of values[i].
void set_class_labels(Dataset& d, const LabelValues& values, const std::vector<uint32_t>& lines,
                      const LabelSource& source, const ReaderOptions& o);

// One output per boolean column, in the order given: cells[k][r] is output k's value on row r.
void set_multi_labels(Dataset& d, const std::vector<std::vector<std::string_view>>& cells,
                      const std::vector<uint32_t>& lines, const std::vector<LabelSource>& sources,
                      const ReaderOptions& o);

// Refuses ReaderOptions::positive and label_names for data that is not one class column.
void check_class_options(const Dataset& d, const ReaderOptions& o, const std::string& why);

}  // namespace tt::data::detail
