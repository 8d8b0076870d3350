#include "data/labels.h"

#include <algorithm>
#include <map>

#include "common/error.h"

namespace tt::data::detail {

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

bool boolean_value(std::string_view v, bool* out) {
  const std::string l = lower(v);
  if (l == "true" || l == "yes" || l == "false" || l == "no") {
    *out = l == "true" || l == "yes";
    return true;
  }
  // 0 or 1, optionally with a point and zeros after it (1.0, 0.00).
  if (v.empty() || (v[0] != '0' && v[0] != '1')) return false;
  size_t i = 1;
  if (i < v.size() && v[i] == '.')
    for (++i; i < v.size() && v[i] == '0';) ++i;
  if (i != v.size()) return false;
  *out = v[0] == '1';
  return true;
}

void check_label_name(const std::string& path, uint32_t line, std::string_view name) {
  const size_t nul = name.find('\0');
  if (nul != std::string_view::npos)
    throw Error(at(path, line, "label " + quoted(name.substr(0, nul)) + "... holds a NUL byte at byte " +
                                   std::to_string(nul) + "; labels are text"));
}

void check_label_count(const std::string& path, uint32_t line, const std::string& what, size_t n) {
  if (n > kMaxLabels)
    throw Error(at(path, line,
                   what + " has " + std::to_string(n) + " distinct labels; a model has at most " +
                       std::to_string(kMaxLabels) + " (a column of ids or free text? name the label column)"));
}

namespace {

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

std::string rows_text(uint64_t n) { return std::to_string(n) + (n == 1 ? " row" : " rows"); }

std::string list(const std::vector<std::string_view>& v) {
  std::string s;
  for (auto x : v) s += (s.empty() ? "" : ", ") + quoted(x);
  return s;
}

// The values of one class column: counts, the first line of each, their order.
Values count_values(const Dataset& d, const LabelValues& values, const std::vector<uint32_t>& lines,
                    const LabelSource& src) {
  Values v;
  for (size_t i = 0; i < values.size(); ++i) {
    v.first_line.emplace(values[i], lines[i]);
    ++v.counts[values[i]];
  }
  order_values(d, v, src);
  return v;
}

// --label-names as value -> name. Items "VALUE=NAME", or plain names given to the classes in
// their order (which then must all be present).
std::map<std::string, std::string> name_map(const Dataset& d, const Values& v, const LabelSource& src,
                                            const ReaderOptions& o) {
  std::map<std::string, std::string> names;
  if (o.label_names.empty()) return names;
  const bool pairs = o.label_names[0].find('=') != std::string::npos;
  auto fail = [&](const std::string& why) {
    throw Error(at(d.path, src.line, "--label-names: " + why + " (" + src.what + " holds " + list(v.order) + ")"));
  };
  if (pairs) {
    for (const auto& item : o.label_names) {
      const size_t eq = item.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
        fail("give every item as VALUE=NAME, got " + quoted(item));
      const std::string value = item.substr(0, eq);
      if (!v.counts.count(value) && !o.allow_one_class) fail(quoted(value) + " is not a label value");
      if (!names.emplace(value, item.substr(eq + 1)).second) fail(quoted(value) + " is named twice");
    }
    for (auto x : v.order)
      if (!names.count(std::string(x))) fail("no name for " + quoted(x));
  } else {
    if (o.label_names.size() != v.order.size())
      fail(std::to_string(o.label_names.size()) + " names for " + std::to_string(v.order.size()) +
           " classes; give one name per class, in this order, or VALUE=NAME pairs");
    for (size_t k = 0; k < v.order.size(); ++k) names[std::string(v.order[k])] = o.label_names[k];
  }
  std::vector<std::string> seen;
  for (const auto& kv : names) {
    if (std::find(seen.begin(), seen.end(), kv.second) != seen.end()) fail("two classes are named " + quoted(kv.second));
    seen.push_back(kv.second);
  }
  return names;
}

// Warnings about the values of a column of three or more classes.
void warn_classes(Dataset& d, const Values& v, const LabelSource& src, uint64_t rows) {
  // Values that differ only in case.
  std::map<std::string, std::vector<std::string_view>> by_lower;
  for (auto x : v.order) by_lower[lower(x)].push_back(x);
  for (const auto& kv : by_lower)
    if (kv.second.size() > 1)
      d.summary.warnings.push_back(src.what + ": the values " + list(kv.second) +
                                   " differ only in case; they are different classes here");
  // Two values that hold 90% of the rows, the others at most 1% of them (or 2 rows) each: a
  // binary column with stray values.
  std::vector<std::pair<uint64_t, std::string_view>> by_count;
  for (const auto& kv : v.counts) by_count.emplace_back(kv.second, kv.first);
  std::stable_sort(by_count.begin(), by_count.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  const uint64_t top2 = by_count[0].first + by_count[1].first;
  bool rare_rest = top2 * 10 >= rows * 9;
  for (size_t k = 2; k < by_count.size(); ++k)
    rare_rest = rare_rest && by_count[k].first <= std::max<uint64_t>(2, rows / 100);
  if (rare_rest) {
    std::string stray;
    for (size_t k = 2; k < by_count.size() && k < 7; ++k)
      stray += (k > 2 ? ", " : "") + quoted(by_count[k].second) + " (" + rows_text(by_count[k].first) + ", line " +
               std::to_string(v.first_line.at(by_count[k].second)) + ")";
    if (by_count.size() > 7) stray += " and " + std::to_string(by_count.size() - 7) + " more";
    d.summary.warnings.push_back(src.what + " looks binary (" + quoted(by_count[0].second) + " " +
                                 rows_text(by_count[0].first) + ", " + quoted(by_count[1].second) + " " +
                                 rows_text(by_count[1].first) + ") but also holds " + stray + ": they make this a " +
                                 std::to_string(by_count.size()) +
                                 "-class model. Fix or remove those rows (rows with an empty label are left out "
                                 "with --skip-missing)");
  }
  // Many distinct values: the text, or an id, taken for the labels.
  if (v.order.size() >= 20 && v.order.size() * 2 > rows) {
    d.summary.warnings.push_back(src.what + " looks like text or ids, not labels: " + std::to_string(v.order.size()) +
                                 " distinct values in " + rows_text(rows) + " (e.g. " + quoted(v.order[0]) +
                                 "); choose the columns with --text and --label");
  }
}

}  // namespace

void order_values(const Dataset& d, Values& v, const LabelSource& src) {
  std::vector<std::pair<uint32_t, std::string_view>> by_line;
  for (const auto& [x, line] : v.first_line) by_line.emplace_back(line, x);
  std::sort(by_line.begin(), by_line.end());
  for (const auto& [line, x] : by_line) check_label_name(d.path, line, x);
  check_label_count(d.path, src.line, src.what, v.counts.size());
  v.order.clear();
  for (const auto& kv : v.counts) v.order.push_back(kv.first);
  if (std::all_of(v.order.begin(), v.order.end(), is_integer))
    std::sort(v.order.begin(), v.order.end(), integer_less);
}

void check_class_options(const Dataset& d, const ReaderOptions& o, const std::string& why) {
  if (!o.positive.empty())
    throw Error(at(d.path, 0, "--positive applies to binary data (one class column of two values); " + why));
  if (!o.label_names.empty())
    throw Error(at(d.path, 0, "--label-names applies to one class column (or single-label fastText data); " + why));
}

void set_class_labels(Dataset& d, const LabelValues& values, const std::vector<uint32_t>& lines,
                      const LabelSource& src, const ReaderOptions& o) {
  const Values v = count_values(d, values, lines, src);
  const ValueTargets t = class_labels(d, v, values.size(), src, o);
  const size_t K = d.label_names.size();
  d.targets.clear();
  d.targets.reserve(values.size() * K);
  for (auto x : values) {
    const std::vector<uint8_t>& y = t.at(x);
    d.targets.insert(d.targets.end(), y.begin(), y.end());
  }
}

ValueTargets class_labels(Dataset& d, const Values& v, uint64_t rows, const LabelSource& src,
                          const ReaderOptions& o) {
  ValueTargets t;
  if (v.counts.empty()) throw Error(at(d.path, src.line, "no example has a label in " + src.what));
  if (v.counts.size() < 2 && !o.allow_one_class) {
    throw Error(at(d.path, src.line,
                   src.what + " has only one class (" + quoted(v.order[0]) +
                       "); a classifier needs examples of at least two classes"));
  }
  const std::map<std::string, std::string> names = name_map(d, v, src, o);
  auto name_of = [&](std::string_view x) {
    auto it = names.find(std::string(x));
    return it == names.end() ? std::string(x) : it->second;
  };
  // The value a label option names (by its value or its --label-names name), or "".
  auto find_value = [&](const std::string& want) -> std::string_view {
    for (auto x : v.order)
      if (x == want || name_of(x) == want) return x;
    return {};
  };
  DataSummary& s = d.summary;
  if (!o.classes.empty()) {
    std::map<std::string_view, size_t> index;
    for (auto x : v.order) {
      auto it = std::find(o.classes.begin(), o.classes.end(), name_of(x));
      if (it == o.classes.end()) {
        std::string known;
        for (const auto& c : o.classes) known += (known.empty() ? "" : ", ") + quoted(c);
        throw Error(at(d.path, v.first_line.at(x),
                       "label " + quoted(x) + " in " + src.what + " is not one of the model's classes (" + known +
                           ")"));
      }
      index[x] = static_cast<size_t>(it - o.classes.begin());
    }
    d.kind = LabelKind::kMultiClass;
    d.label_names = o.classes;
    for (auto x : v.order) {
      t[x].assign(o.classes.size(), 0);
      t[x][index[x]] = 1;
    }
    for (auto x : v.order) s.classes.emplace_back(name_of(x), v.counts.at(x));
    return t;
  }
  bool all_bool = true;
  for (auto x : v.order) {
    bool b = false;
    all_bool = all_bool && boolean_value(x, &b);
  }
  if (all_bool) {
    // A boolean column: the true side is positive unless --positive (or the model) names the other.
    std::string_view spelled[2];  // the most common spelling of each side
    uint64_t side_rows[2] = {0, 0};
    for (auto x : v.order) {
      bool b = false;
      boolean_value(x, &b);
      if (spelled[b].empty() || v.counts.at(x) > v.counts.at(spelled[b])) spelled[b] = x;
      side_rows[b] += v.counts.at(x);
    }
    if ((!side_rows[0] || !side_rows[1]) && !o.allow_one_class) {
      throw Error(at(d.path, src.line,
                     src.what + " has only one class (every value is " + (side_rows[1] ? "true" : "false") +
                         ": " + list(v.order) + "); a classifier needs examples of both"));
    }
    bool side = true;
    if (!o.positive.empty()) {
      std::string_view x = find_value(o.positive);
      if (x.empty() && o.positive != src.output)
        throw Error(at(d.path, src.line,
                       "--positive " + quoted(o.positive) + " is not a value of " + src.what + "; it holds " +
                           list(v.order)));
      if (!x.empty()) boolean_value(x, &side);
      s.positive_rule = "--positive";
    } else if (std::string_view x = find_value(o.positive_hint); !o.positive_hint.empty() && !x.empty()) {
      boolean_value(x, &side);
      s.positive_rule = "the model's label";
    } else if (!o.positive_hint.empty()) {
      s.positive_rule = "the column holds boolean values; the true one is the model's label";
    } else {
      s.positive_rule = "the column holds boolean values; the true one is positive (--positive to choose)";
    }
    std::string_view pos = spelled[side];
    if (pos.empty()) pos = side ? "1" : "0";
    std::string output = !names.empty() || src.output.empty() || !side ? name_of(pos) : src.output;
    // eval: a boolean column's true side is the model's one label, whatever the column's name.
    if (o.positive.empty() && !o.positive_hint.empty() && names.empty()) output = o.positive_hint;
    d.kind = LabelKind::kBinary;
    d.label_names = {output};
    for (auto x : v.order) {
      bool b = false;
      boolean_value(x, &b);
      t[x] = {static_cast<uint8_t>(b == side ? 1 : 0)};
    }
    s.positive = output;
    s.classes = {{name_of(pos), side_rows[side]}};
    if (!spelled[!side].empty()) s.classes.emplace_back(name_of(spelled[!side]), side_rows[!side]);
    return t;
  }

  if (v.order.size() <= 2) {
    std::string_view pos;
    std::string output;
    if (!o.positive.empty()) {
      pos = find_value(o.positive);
      if (pos.empty())
        throw Error(at(d.path, src.line,
                       "--positive " + quoted(o.positive) + " is not a value of " + src.what + "; it holds " +
                           list(v.order)));
      s.positive_rule = "--positive";
    } else if (!o.positive_hint.empty() && (!find_value(o.positive_hint).empty() || v.order.size() == 1)) {
      pos = find_value(o.positive_hint);
      if (pos.empty()) output = o.positive_hint;  // one class here, and it is the negative one
      s.positive_rule = "the model's label";
    } else if (v.order.size() == 1) {
      pos = v.order[0];
      s.positive_rule = "the only value";
    } else {
      const auto a = v.order[0], b = v.order[1];
      const uint64_t ca = v.counts.at(a), cb = v.counts.at(b);
      pos = ca < cb ? a : (cb < ca ? b : std::max(a, b));
      s.positive_rule = ca != cb ? "the rarer of the two values (--positive to choose)"
                                 : "the two values are equally common: the later in byte order (--positive to choose)";
    }
    if (output.empty()) output = name_of(pos);
    d.kind = LabelKind::kBinary;
    d.label_names = {output};
    for (auto x : v.order) t[x] = {static_cast<uint8_t>(!pos.empty() && x == pos ? 1 : 0)};
    s.positive = output;
    if (!pos.empty()) s.classes.emplace_back(name_of(pos), v.counts.at(pos));
    for (auto x : v.order)
      if (x != pos) s.classes.emplace_back(name_of(x), v.counts.at(x));
    return t;
  }

  if (!o.positive.empty())
    throw Error(at(d.path, src.line,
                   "--positive applies to binary data; " + src.what + " has " + std::to_string(v.order.size()) +
                       " classes (" + list(v.order) + ")"));
  std::map<std::string_view, size_t> index;
  for (size_t k = 0; k < v.order.size(); ++k) index[v.order[k]] = k;
  d.kind = LabelKind::kMultiClass;
  d.label_names.clear();
  for (auto x : v.order) {
    d.label_names.push_back(name_of(x));
    s.classes.emplace_back(name_of(x), v.counts.at(x));
  }
  for (auto x : v.order) {
    t[x].assign(v.order.size(), 0);
    t[x][index[x]] = 1;
  }
  warn_classes(d, v, src, rows);
  return t;
}

void set_multi_labels(Dataset& d, const std::vector<std::vector<std::string_view>>& cells,
                      const std::vector<uint32_t>& lines, const std::vector<LabelSource>& sources,
                      const ReaderOptions& o) {
  std::vector<Values> columns(cells.size());
  for (size_t k = 0; k < cells.size(); ++k)
    for (size_t r = 0; r < lines.size(); ++r) {
      columns[k].first_line.emplace(cells[k][r], lines[r]);
      ++columns[k].counts[cells[k][r]];
    }
  const std::vector<ValueTargets> t = multi_labels(d, columns, lines.size(), sources, o);
  const size_t outputs = sources.size();
  d.targets.assign(lines.size() * outputs, 0);
  for (size_t k = 0; k < outputs; ++k)
    for (size_t r = 0; r < lines.size(); ++r) d.targets[r * outputs + k] = t[k].at(cells[k][r])[0];
}

std::vector<ValueTargets> multi_labels(Dataset& d, const std::vector<Values>& columns, uint64_t rows,
                                       const std::vector<LabelSource>& sources, const ReaderOptions& o) {
  check_class_options(d, o, "give one label column for --positive or --label-names");
  const size_t outputs = sources.size();
  check_label_count(d.path, sources.empty() ? 0 : sources[0].line, "the label columns", outputs);
  for (const auto& src : sources) check_label_name(d.path, src.line, src.output);
  for (size_t k = 0; k < outputs; ++k)
    for (size_t j = 0; j < k; ++j)
      if (sources[k].output == sources[j].output)
        throw Error(at(d.path, sources[k].line,
                       "two label columns are named " + quoted(sources[k].output) + "; rename one"));
  d.kind = LabelKind::kMultiLabel;
  d.label_names.clear();
  std::vector<ValueTargets> t(outputs);
  for (size_t k = 0; k < outputs; ++k) {
    d.label_names.push_back(sources[k].output);
    // The first row (in file order) whose value is not boolean is the error.
    std::string_view bad;
    uint32_t bad_line = UINT32_MAX;
    uint64_t ones = 0;
    for (const auto& [x, count] : columns[k].counts) {
      bool b = false;
      if (!boolean_value(x, &b)) {
        const uint32_t line = columns[k].first_line.at(x);
        if (line < bad_line) bad = x, bad_line = line;
        continue;
      }
      t[k][x] = {static_cast<uint8_t>(b ? 1 : 0)};
      ones += b ? count : 0;
    }
    if (bad_line != UINT32_MAX) {
      throw Error(at(d.path, bad_line,
                     "label " + quoted(bad) + " in " + sources[k].what +
                         " is not 0 or 1; with several label columns each must hold 0/1 (or 0.0/1.0, "
                         "false/true, no/yes; for class names give one label column)"));
    }
    if ((ones == 0 || ones == rows) && !o.allow_one_class) {
      throw Error(at(d.path, sources[k].line,
                     sources[k].what + " has only one class (every row is " + (ones ? "1" : "0") +
                         "); a classifier needs examples of both"));
    }
    d.summary.classes.emplace_back(sources[k].output, ones);
  }
  return t;
}

}  // namespace tt::data::detail
