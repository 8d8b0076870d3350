#include "data/dataset.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string_view>

#include "common/error.h"
#include "data/table.h"

namespace tt::data {

using detail::FastTextLines;
using detail::Table;

namespace {

std::string_view trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return r;
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// A label name becomes a C string in the model file and on the device: no NUL byte.
void check_label_name(const std::string& path, uint32_t line, std::string_view name) {
  const size_t nul = name.find('\0');
  if (nul != std::string_view::npos)
    throw Error(at(path, line, "label " + quoted(name.substr(0, nul)) + "... holds a NUL byte at byte " +
                                   std::to_string(nul) + "; labels are text"));
}

// Refuses a label set larger than any model's before anything is sized by it (rows x labels).
void check_label_count(const std::string& path, uint32_t line, const std::string& what, size_t n) {
  if (n > kMaxLabels)
    throw Error(at(path, line,
                   what + " has " + std::to_string(n) + " distinct labels; a model has at most " +
                       std::to_string(kMaxLabels) + " (a column of ids or free text? name the label column)"));
}

bool is_integer(std::string_view s) {
  size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

// Numeric order of two integers of any length; equal numbers ("01", "1") in byte order.
bool integer_less(std::string_view a, std::string_view b) {
  bool na = a[0] == '-', nb = b[0] == '-';
  if (na != nb) return na;
  auto digits = [](std::string_view s) {
    s.remove_prefix(s[0] == '-' ? 1 : 0);
    size_t z = s.find_first_not_of('0');
    return z == std::string_view::npos ? std::string_view() : s.substr(z);
  };
  std::string_view da = digits(a), db = digits(b);
  int c = da.size() != db.size() ? (da.size() < db.size() ? -1 : 1) : da.compare(db);
  if (c == 0) return a < b;
  return na ? c > 0 : c < 0;
}

Format format_from_name(const std::string& path, std::string_view text) {
  size_t slash = path.find_last_of('/');
  std::string base = path.substr(slash == std::string::npos ? 0 : slash + 1);
  size_t dot = base.find_last_of('.');
  std::string ext = dot == std::string::npos ? "" : lower(base.substr(dot + 1));
  size_t first = text.find_first_not_of("\r\n");
  std::string_view line = first == std::string_view::npos ? std::string_view() : text.substr(first);
  line = line.substr(0, line.find('\n'));
  bool fasttext = line.compare(0, 9, "__label__") == 0;
  if (ext == "csv") return Format::kCsv;
  if (ext == "tsv" || ext == "tab") return Format::kTsv;
  if (ext == "txt") return fasttext ? Format::kFastText : Format::kTsv;
  if (ext == "ft" || ext == "fasttext") return Format::kFastText;
  if (fasttext) return Format::kFastText;
  if (line.find('\t') != std::string_view::npos) return Format::kTsv;
  return Format::kCsv;
}

// Column selection in a CSV/TSV table.
class Columns {
 public:
  Columns(const std::string& path, const Table& t, bool header)
      : path_(path), count_(t.columns), header_(header), line_(t.lines.empty() ? 0 : t.lines[0]) {
    if (header)
      for (size_t c = 0; c < t.columns; ++c) names_.push_back(t.cell(0, c));
  }

  size_t count() const { return count_; }
  uint32_t header_line() const { return line_; }

  // The output name of a label column: its header name, or "colN".
  std::string label_name(size_t c) const {
    if (header_ && !trim(names_[c]).empty()) return std::string(trim(names_[c]));
    return "col" + std::to_string(c + 1);
  }
  // How messages name a column: 'name' (column N), or column N.
  std::string describe(size_t c) const {
    std::string n = "column " + std::to_string(c + 1);
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

// One label per row, from a class column or single-label fastText lines. `column` names the
// output of a {0, 1} column (empty for fastText: the output is then "1").
void set_class_labels(Dataset& d, const std::vector<std::string_view>& values, const std::string& column,
                      const std::string& what, uint32_t line) {
  std::map<std::string_view, size_t> counts;
  for (auto v : values) ++counts[v];
  check_label_count(d.path, line, what, counts.size());
  if (counts.size() < 2) {
    std::string only = counts.empty() ? "" : " (" + quoted(counts.begin()->first) + ")";
    throw Error(at(d.path, line,
                   what + " has only one class" + only +
                       "; a classifier needs examples of at least two classes"));
  }
  d.targets.clear();
  if (counts.size() == 2) {
    auto a = counts.begin(), b = std::next(a);
    std::string_view positive;
    if (a->first == "0" && b->first == "1") {
      positive = "1";
      d.label_names = {column.empty() ? std::string("1") : column};
    } else {
      positive = a->second < b->second ? a->first : b->first;  // the rarer; on a tie the later
      d.label_names = {std::string(positive)};
    }
    d.kind = LabelKind::kBinary;
    d.targets.reserve(values.size());
    for (auto v : values) d.targets.push_back(v == positive ? 1 : 0);
    return;
  }
  std::vector<std::string_view> classes;
  for (auto& kv : counts) classes.push_back(kv.first);  // byte order
  if (std::all_of(classes.begin(), classes.end(), is_integer))
    std::sort(classes.begin(), classes.end(), integer_less);
  std::map<std::string_view, size_t> index;
  for (size_t k = 0; k < classes.size(); ++k) index[classes[k]] = k;
  d.kind = LabelKind::kMultiClass;
  d.label_names.assign(classes.begin(), classes.end());
  d.targets.assign(values.size() * classes.size(), 0);
  for (size_t r = 0; r < values.size(); ++r) d.targets[r * classes.size() + index[values[r]]] = 1;
}

void read_table(Dataset& d, Table& t, const ReaderOptions& o) {
  Columns cols(d.path, t, o.header);
  const size_t first = o.header ? 1 : 0;
  if (t.rows() <= first) {
    throw Error(at(d.path, cols.header_line(), "no examples after the header; add data rows (or the file has "
                                               "no header: --no-header)"));
  }
  size_t text = 0;
  if (!o.text_column.empty()) {
    text = cols.find(o.text_column, "text");
  } else if (!cols.find_preferred({"text", "comment_text", "tweet", "message"}, SIZE_MAX, &text)) {
    text = cols.count() - 1;
  }
  std::vector<size_t> labels;
  if (o.require_labels) {
    for (const auto& spec : o.label_columns) labels.push_back(cols.find(spec, "label"));
    if (labels.empty()) {
      size_t c = 0;
      if (!cols.find_preferred({"label", "labels", "class", "toxic"}, text, &c)) {
        if (cols.count() < 2) {
          throw Error(at(d.path, cols.header_line(),
                         "only one column, but a labelled file needs a text column and a label column (is it a "
                         "TSV or fastText file? give --format)"));
        }
        c = text == 0 ? 1 : 0;
      }
      labels.push_back(c);
    }
    for (size_t i = 0; i < labels.size(); ++i) {
      if (labels[i] == text) {
        throw Error(at(d.path, cols.header_line(),
                       cols.describe(text) + " is both the text column and a label column; choose another"));
      }
      for (size_t j = 0; j < i; ++j)
        if (labels[j] == labels[i])
          throw Error(at(d.path, cols.header_line(), cols.describe(labels[i]) + " is given twice as a label"));
    }
  }

  const size_t rows = t.rows() - first;
  // Labels first: a bad label column fails before the texts are copied.
  if (labels.size() == 1) {
    std::vector<std::string_view> values(rows);
    for (size_t r = 0; r < rows; ++r) {
      values[r] = trim(t.cell(first + r, labels[0]));
      if (values[r].empty()) {
        throw Error(at(d.path, t.lines[first + r],
                       "empty label in " + cols.describe(labels[0]) + "; every example needs a label"));
      }
      check_label_name(d.path, t.lines[first + r], values[r]);
    }
    set_class_labels(d, values, cols.label_name(labels[0]),
                     cols.label_column(labels[0]), cols.header_line());
  } else if (labels.size() > 1) {
    std::vector<std::pair<std::string, size_t>> order;  // outputs in byte order of their names
    for (size_t c : labels) order.emplace_back(cols.label_name(c), c);
    check_label_count(d.path, cols.header_line(), "the label columns", order.size());
    for (const auto& named : order) check_label_name(d.path, cols.header_line(), named.first);
    std::sort(order.begin(), order.end());
    for (size_t k = 1; k < order.size(); ++k) {
      if (order[k].first == order[k - 1].first) {
        throw Error(at(d.path, cols.header_line(),
                       "two label columns are named " + quoted(order[k].first) + "; rename one"));
      }
    }
    const size_t outputs = order.size();
    d.kind = LabelKind::kMultiLabel;
    d.targets.assign(rows * outputs, 0);
    for (size_t k = 0; k < outputs; ++k) {
      d.label_names.push_back(order[k].first);
      size_t ones = 0;
      for (size_t r = 0; r < rows; ++r) {
        std::string_view v = trim(t.cell(first + r, order[k].second));
        if (v != "0" && v != "1") {
          throw Error(at(d.path, t.lines[first + r],
                         "label " + quoted(v) + " in " + cols.describe(order[k].second) +
                             " is not 0 or 1; with several label columns each must hold 0/1 (for class names "
                             "give one label column)"));
        }
        d.targets[r * outputs + k] = v == "1" ? 1 : 0;
        ones += v == "1";
      }
      if (ones == 0 || ones == rows) {
        throw Error(at(d.path, cols.header_line(),
                       cols.label_column(order[k].second) + " has only one class (every row is " +
                           (ones ? "1" : "0") + "); a classifier needs examples of both"));
      }
    }
  }
  d.texts.reserve(rows);
  for (size_t r = 0; r < rows; ++r) d.texts.push_back(std::move(t.cells[(first + r) * t.columns + text]));
  d.lines.assign(t.lines.begin() + static_cast<std::ptrdiff_t>(first), t.lines.end());
}

void read_fasttext(Dataset& d, FastTextLines& f, const ReaderOptions& o) {
  if (!o.text_column.empty() || !o.label_columns.empty()) {
    throw Error(at(d.path, 0, "a fastText file has no columns; drop the text/label column options"));
  }
  if (f.texts.empty()) throw Error(at(d.path, 1, "the file has no examples (only blank lines)"));
  if (o.require_labels) {
    const size_t rows = f.texts.size();
    bool single = std::all_of(f.labels.begin(), f.labels.end(), [](const auto& l) { return l.size() == 1; });
    if (single) {
      std::vector<std::string_view> values(rows);
      for (size_t r = 0; r < rows; ++r) {
        values[r] = f.labels[r][0];
        check_label_name(d.path, f.lines[r], values[r]);
      }
      set_class_labels(d, values, "", "the fastText label set", f.lines[0]);
    } else {
      std::map<std::string, size_t> counts;
      for (size_t r = 0; r < rows; ++r)
        for (const auto& name : f.labels[r]) {
          check_label_name(d.path, f.lines[r], name);
          ++counts[name];
        }
      check_label_count(d.path, f.lines[0], "the fastText label set", counts.size());
      if (counts.empty()) {
        throw Error(at(d.path, f.lines[0], "no labels: each line should start with __label__NAME"));
      }
      std::map<std::string, size_t> index;
      for (const auto& [name, count] : counts) {
        if (count == rows) {
          throw Error(at(d.path, f.lines[0],
                         "label " + quoted(name) + " is on every line, so it has only one class; a classifier "
                                                   "needs examples without it too"));
        }
        index[name] = d.label_names.size();
        d.label_names.push_back(name);
      }
      d.kind = LabelKind::kMultiLabel;
      d.targets.assign(rows * d.label_names.size(), 0);
      for (size_t r = 0; r < rows; ++r)
        for (const auto& name : f.labels[r]) d.targets[r * d.label_names.size() + index[name]] = 1;
    }
  }
  d.texts = std::move(f.texts);
  d.lines = std::move(f.lines);
}

}  // namespace

size_t Dataset::class_of(size_t row) const {
  if (kind == LabelKind::kBinary) return target(row, 0);
  if (kind == LabelKind::kMultiClass) {
    for (size_t k = 0; k < outputs(); ++k)
      if (target(row, k)) return k;
  }
  throw std::logic_error("Dataset::class_of: row " + std::to_string(row) + " has no single class");
}

Dataset read_dataset(const std::string& path, const ReaderOptions& options) {
  Dataset d;
  d.path = path;
  std::string bytes = detail::read_file(path);
  const size_t bom = detail::bom_length(bytes);
  std::string_view text = std::string_view(bytes).substr(bom);
  if (text.find_first_not_of("\r\n") == std::string_view::npos) {
    throw Error(at(path, 1, std::string("the file is empty; expected ") +
                                (options.header ? "a header line and examples" : "examples")));
  }
  size_t bad = utf8_invalid_at(text.data(), text.size());
  if (bad != text.size()) {
    static const char* kHex = "0123456789ABCDEF";
    auto byte = static_cast<unsigned char>(text[bad]);
    uint32_t line = 1 + static_cast<uint32_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n'));
    throw Error(at(path, line,
                   "invalid UTF-8 at byte offset " + std::to_string(bom + bad) + " (byte 0x" + kHex[byte >> 4] +
                       kHex[byte & 15] + "); convert the file to UTF-8 (e.g. iconv -f cp1252 -t utf-8)"));
  }
  Format format = options.format == Format::kAuto ? format_from_name(path, text) : options.format;
  if (format == Format::kFastText) {
    FastTextLines f = detail::parse_fasttext(path, text);
    read_fasttext(d, f, options);
  } else {
    Table t = format == Format::kCsv ? detail::parse_csv(path, text) : detail::parse_tsv(path, text);
    read_table(d, t, options);
  }
  return d;
}

}  // namespace tt::data
