#include "data/streamed.h"

#include <algorithm>
#include <cstring>

#include "common/error.h"
#include "data/labels.h"

namespace tt::data::detail {

bool labels_from_header(const Columns& cols, size_t text, const ReaderOptions& o, std::vector<size_t>* labels) {
  labels->clear();
  if (!o.require_labels) return false;
  try {
    if (!o.label_columns.empty()) {
      for (const auto& spec : o.label_columns) labels->push_back(cols.find(spec, "label"));
    } else {
      const size_t others = cols.count() - 1;
      size_t c = 0;
      if (cols.header() && others >= 2) return false;  // the 0/1-columns rule reads every row
      if (cols.find_preferred({"label", "labels", "class", "toxic"}, text, &c))
        labels->push_back(c);
      else if (others == 1)
        labels->push_back(text == 0 ? 1 : 0);
      else
        return false;
    }
  } catch (const Error&) {
    return false;  // pick_labels gives the error
  }
  for (size_t i = 0; i < labels->size(); ++i) {
    if ((*labels)[i] == text) return false;
    for (size_t j = 0; j < i; ++j)
      if ((*labels)[j] == (*labels)[i]) return false;
  }
  return !labels->empty();
}

RowStream::RowStream(const std::string& path, const Columns& cols, size_t text, std::vector<size_t> labels,
                     const ReaderOptions& o)
    : path_(path), o_(o), cols_(cols), text_(text), labels_(std::move(labels)),
      rec_(std::make_shared<RecordSpool>(path)), index_(labels_.size()), fill_(cols.count()) {}

RowStream::RowStream(const std::string& path, const ReaderOptions& o)
    : path_(path), o_(o), rec_(std::make_shared<RecordSpool>(path)), index_(1) {}

uint32_t RowStream::id(size_t column, std::string_view value, uint32_t line) {
  auto& index = index_[column];
  auto it = index.find(value);
  if (it != index.end()) {
    ++all_rows_[it->second];
    return it->second;
  }
  // A label set no model can have: refused as it is read (the held path counts it exactly).
  if (index.size() > kMaxLabels + 1) {
    const std::string what = cols_ ? cols_->label_column(labels_[column]) : "the fastText label set";
    throw Error(at(path_, line,
                   what + " has more than " + std::to_string(kMaxLabels) + " distinct labels; a model has at most " +
                       std::to_string(kMaxLabels) + " (a column of ids or free text? name the label column)"));
  }
  const uint32_t n = static_cast<uint32_t>(value_.size());
  value_.emplace_back(value);
  column_of_.push_back(static_cast<uint32_t>(column));
  all_rows_.push_back(1);
  index.emplace(value_.back(), n);
  return n;
}

void RowStream::add_rows(Table& t, size_t from) {
  const size_t C = t.columns;
  if (!have_first_ && t.rows() > 0 && labels_.size() == 1) {
    first_label_ = std::string(trim(t.cell(0, labels_[0])));
    first_text_bytes_ = t.cell(0, text_).size();
    have_first_ = true;
  }
  ids_.resize(labels_.size());
  stats_.add(t, from);
  for (size_t r = from; r < t.rows(); ++r) {
    const uint32_t line = t.lines[r];
    for (size_t k = 0; k < labels_.size(); ++k) ids_[k] = id(k, trim(t.cell(r, labels_[k])), line);
    for (size_t c = 0; c < C; ++c) fill_[c].add(t.cell(r, c), line);
    rec_->append(line, ids_.data(), ids_.size(), t.cell(r, text_));
    ++data_rows_;
  }
  t.truncate(from * C);
  t.lines.resize(from);
}

void RowStream::add_lines(FastTextLines& f) {
  for (size_t r = 0; r < f.texts.size(); ++r) {
    if (lines_++ == 0) first_line_ = f.lines[r];
    if (f.labels[r].empty() && unlabelled_++ == 0) first_unlabelled_ = f.lines[r];
    several_ += f.labels[r].size() > 1;
    if (f.labels[r].empty() && o_.skip_missing) continue;
    ids_.clear();
    for (const auto& name : f.labels[r]) ids_.push_back(id(0, name, f.lines[r]));
    rec_->append(f.lines[r], ids_.data(), ids_.size(), f.texts[r]);
  }
  f = FastTextLines();
}

void RowStream::count_kept(Dataset& d, const std::function<size_t(const RecordSpool::Record&)>& missing) {
  (void)d;
  rec_->finish();
  kept_rows_.assign(value_.size(), 0);
  kept_first_.assign(value_.size(), 0);
  rec_->for_each([&](const RecordSpool::Record& r) {
    if (missing(r) != SIZE_MAX) return;
    if (kept_++ == 0) first_kept_line_ = r.line;
    kept_bytes_ += r.text.size();
    for (size_t j = 0; j < r.n; ++j)
      if (kept_rows_[r.ids[j]]++ == 0) kept_first_[r.ids[j]] = r.line;
  });
}

void RowStream::set_records(Dataset& d) {
  d.records = rec_;
  d.record_rows = kept_;
  d.record_text_bytes = kept_bytes_;
  d.first_line = first_kept_line_;
}

void RowStream::finish_table(Dataset& d, Table& t) {
  DataSummary& s = d.summary;
  const Columns& cols = *cols_;
  const size_t first = o_.header ? 1 : 0;
  if (data_rows_ == 0)
    throw Error(at(d.path, cols.header_line(), "no examples after the header; add data rows (or the file has "
                                               "no header: --no-header)"));
  (void)t;
  const size_t text = pick_text(cols, stats_, o_, s);
  s.text_column = cols.describe(text);
  const std::vector<size_t> labels = pick_labels(d.path, cols, stats_, text, o_, s);
  for (size_t c : labels) s.label_columns.push_back(cols.describe(c));
  if (text != text_ || labels != labels_) throw std::logic_error("RowStream: columns chosen differently");

  // Rows with an empty label: an error, or left out with skip_missing (read_table's rule).
  std::string skipped_lines;
  count_kept(d, [&](const RecordSpool::Record& r) {
    size_t missing = SIZE_MAX;
    for (size_t k = 0; k < r.n; ++k)
      if (value_[r.ids[k]].empty()) missing = k;
    if (missing == SIZE_MAX) return missing;
    if (!o_.skip_missing) {
      throw Error(at(d.path, r.line,
                     "empty label in " + cols.describe(labels[missing]) +
                         "; every example needs a label (--skip-missing leaves such rows out)"));
    }
    if (++s.skipped <= 5) skipped_lines += (s.skipped > 1 ? ", " : "") + std::to_string(r.line);
    return missing;
  });
  if (s.skipped)
    s.warnings.push_back(std::to_string(s.skipped) + (s.skipped == 1 ? " row" : " rows") +
                         " without a label left out (--skip-missing): line" + (s.skipped == 1 ? " " : "s ") +
                         skipped_lines + (s.skipped > 5 ? ", ..." : ""));
  if (kept_ == 0)
    throw Error(at(d.path, cols.header_line(), "no row has a label (every one was left out by --skip-missing)"));

  // The label rules on the kept rows' values.
  const auto values_of = [&](size_t k) {
    Values v;
    for (size_t i = 0; i < value_.size(); ++i)
      if (column_of_[i] == k && kept_rows_[i]) {
        v.counts[value_[i]] = kept_rows_[i];
        v.first_line[value_[i]] = kept_first_[i];
      }
    return v;
  };
  std::vector<ValueTargets> targets;
  if (labels.size() == 1) {
    const LabelSource src{cols.label_name(labels[0]), cols.label_column(labels[0]), cols.header_line()};
    Values v = values_of(0);
    order_values(d, v, src);
    if (v.counts.empty()) throw Error(at(d.path, src.line, "no example has a label in " + src.what));
    targets.push_back(class_labels(d, v, kept_, src, o_));
    HeadCheck h;
    h.first_label = first_label_;
    h.first_text_bytes = first_text_bytes_;
    h.rows = data_rows_ + first;
    for (size_t i = 0; i < value_.size(); ++i) h.rest[value_[i]] += all_rows_[i];
    if (!o_.header) {  // the first table row is a data row: the others' values
      auto it = h.rest.find(first_label_);
      if (it != h.rest.end() && --it->second == 0) h.rest.erase(it);
    }
    check_header(d, cols, h, labels[0]);
  } else {
    std::vector<Values> columns;
    std::vector<LabelSource> sources;
    for (size_t k = 0; k < labels.size(); ++k) {
      columns.push_back(values_of(k));
      sources.push_back({cols.label_name(labels[k]), cols.label_column(labels[k]), cols.header_line()});
    }
    targets = multi_labels(d, columns, kept_, sources, o_);
  }
  check_unused(d, cols, fill_, data_rows_, text, labels);
  const size_t K = d.outputs();
  d.id_targets.assign(value_.size() * K, 0);
  d.skip_id.assign(value_.size(), 0);
  for (size_t i = 0; i < value_.size(); ++i) {
    d.skip_id[i] = value_[i].empty();
    if (!kept_rows_[i]) continue;
    const std::vector<uint8_t>& y = targets[labels.size() == 1 ? 0 : column_of_[i]].at(value_[i]);
    if (labels.size() == 1)
      std::copy(y.begin(), y.end(), d.id_targets.begin() + static_cast<std::ptrdiff_t>(i * K));
    else
      d.id_targets[i * K + column_of_[i]] = y[0];
  }
  set_records(d);
}

void RowStream::finish_fasttext(Dataset& d) {
  DataSummary& s = d.summary;
  if (!o_.text_column.empty() || !o_.label_columns.empty())
    throw Error(at(d.path, 0, "a fastText file has no columns; drop the text/label column options"));
  s.header = false;
  s.text_rule = "the line without its __label__ tokens";
  s.label_rule = "the __label__ tokens of each line";
  if (unlabelled_ == lines_)
    throw Error(at(d.path, first_line_, "no labels: each line needs a __label__NAME token (fastText's format)"));
  if (unlabelled_ && !o_.skip_missing && several_ == 0) {
    throw Error(at(d.path, first_unlabelled_,
                   "this line has no __label__, while every other labelled line has one; every example needs a "
                   "label (--skip-missing leaves such lines out)"));
  }
  if (unlabelled_ && o_.skip_missing) {
    s.skipped = unlabelled_;
    s.warnings.push_back(std::to_string(unlabelled_) + (unlabelled_ == 1 ? " line" : " lines") +
                         " without a label left out (--skip-missing), the first on line " +
                         std::to_string(first_unlabelled_));
  }
  count_kept(d, [](const RecordSpool::Record&) { return SIZE_MAX; });
  Values v;
  for (size_t i = 0; i < value_.size(); ++i) {
    v.counts[value_[i]] = kept_rows_[i];
    v.first_line[value_[i]] = kept_first_[i];
  }
  const size_t n = value_.size();
  if (several_ == 0) {
    const LabelSource src{"", "the fastText label set", first_kept_line_};
    order_values(d, v, src);
    const ValueTargets t = class_labels(d, v, kept_, src, o_);
    const size_t K = d.outputs();
    d.id_targets.assign(n * K, 0);
    for (size_t i = 0; i < n; ++i) {
      const std::vector<uint8_t>& y = t.at(value_[i]);
      std::copy(y.begin(), y.end(), d.id_targets.begin() + static_cast<std::ptrdiff_t>(i * K));
    }
  } else {
    check_class_options(d, o_, "this fastText file has lines with several labels (multi-label)");
    std::vector<std::pair<uint32_t, std::string_view>> by_line;
    for (const auto& [x, line] : v.first_line) by_line.emplace_back(line, x);
    std::sort(by_line.begin(), by_line.end());
    for (const auto& [line, x] : by_line) check_label_name(d.path, line, x);
    check_label_count(d.path, first_kept_line_, "the fastText label set", n);
    std::map<std::string_view, size_t> index;
    for (const auto& [name, count] : v.counts) {
      if (count == kept_ && !o_.allow_one_class) {
        throw Error(at(d.path, first_kept_line_,
                       "label " + quoted(name) + " is on every line, so it has only one class; a classifier "
                                                 "needs examples without it too"));
      }
      index[name] = d.label_names.size();
      d.label_names.emplace_back(name);
      s.classes.emplace_back(std::string(name), count);
    }
    d.kind = LabelKind::kMultiLabel;
    const size_t K = d.outputs();
    d.id_targets.assign(n * K, 0);
    for (size_t i = 0; i < n; ++i) d.id_targets[i * K + index.at(value_[i])] = 1;
  }
  d.skip_id.assign(n, 0);
  set_records(d);
}

bool blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

void count_repeats(std::vector<std::pair<uint64_t, uint64_t>>& order,
                   const std::function<std::string_view(uint64_t, std::string&)>& text,
                   const std::function<bool(uint64_t, uint64_t)>& same, DataSummary& s) {
  std::sort(order.begin(), order.end());
  std::string buf_a, buf_b;
  for (size_t i = 0, j = 0; i < order.size(); i = j) {
    while (j < order.size() && order[j].first == order[i].first) ++j;
    for (size_t a = i + 1; a < j; ++a) {
      const uint64_t r = order[a].second;
      const std::string_view t = text(r, buf_a);
      size_t b = i;
      while (b < a && text(order[b].second, buf_b) != t) ++b;
      if (b == a) continue;  // the first row of its text
      (same(r, order[b].second) ? s.duplicates : s.conflicts) += 1;
    }
  }
}

void streamed_texts(const Dataset& d, bool repeats, DataSummary& s) {
  TempFile pairs(d.path, "text hashes");
  std::string out;
  uint64_t n = 0;
  {
    std::vector<uint8_t> y(d.outputs());
    d.records->for_each([&](const RecordSpool::Record& r) {
      if (!d.record_targets(r, y.data())) return;
      s.empty_texts += blank(r.text);
      if (!repeats) return;
      const uint64_t pair[2] = {std::hash<std::string_view>()(r.text), r.offset};
      pairs.append(std::string_view(reinterpret_cast<const char*>(pair), sizeof pair));
      ++n;
    });
  }
  if (!repeats || n == 0) return;
  pairs.flush();
  // Part p holds the pairs whose hash is p modulo `parts`: a text's rows are all in one part.
  const uint64_t parts = (n + kPairsInMemory - 1) / kPairsInMemory;
  std::string buf_a, buf_b, block;
  std::vector<uint32_t> ids_a, ids_b;
  std::vector<uint8_t> ya(d.outputs()), yb(d.outputs());
  const auto text = [&](uint64_t offset, std::string& buf) { return d.records->read_at(offset, buf, ids_a).text; };
  const auto same = [&](uint64_t a, uint64_t b) {
    d.record_targets(d.records->read_at(a, buf_a, ids_a), ya.data());
    d.record_targets(d.records->read_at(b, buf_b, ids_b), yb.data());
    return ya == yb;
  };
  std::vector<std::pair<uint64_t, uint64_t>> order;
  constexpr uint64_t kBlock = uint64_t{1} << 20;  // pairs' bytes read at a time (a multiple of 16)
  for (uint64_t p = 0; p < parts; ++p) {
    order.clear();
    for (uint64_t at = 0; at < pairs.size(); at += kBlock) {
      pairs.read(at, std::min(kBlock, pairs.size() - at), block);
      for (size_t q = 0; q + 16 <= block.size(); q += 16) {
        uint64_t pair[2];
        std::memcpy(pair, block.data() + q, 16);
        if (pair[0] % parts == p) order.emplace_back(pair[0], pair[1]);
      }
    }
    count_repeats(order, text, same, s);
  }
}

}  // namespace tt::data::detail
