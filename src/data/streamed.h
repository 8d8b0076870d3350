// read_dataset's streamed path (ReaderOptions::text_memory crossed, the columns known from the
// header): each parsed row goes to a RecordSpool at once, its label values as ids; the label
// rules then run on the values' counts, and the summary on passes over the records. Internal to
// src/data.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "data/columns.h"
#include "data/dataset.h"
#include "data/records.h"
#include "data/table.h"

namespace tt::data::detail {

// The label columns of a CSV/TSV file when the header alone decides them (--label, a preferred
// name, or the one column beside the text), else false: the rules that look at every row's values
// then need the table.
bool labels_from_header(const Columns& cols, size_t text, const ReaderOptions& o, std::vector<size_t>* labels);

class RowStream {
 public:
  // CSV/TSV: the text column and label columns (from the header).
  RowStream(const std::string& path, const Columns& cols, size_t text, std::vector<size_t> labels,
            const ReaderOptions& o);
  // fastText.
  RowStream(const std::string& path, const ReaderOptions& o);

  // The table's rows from `from` on go to the records; the table keeps the rows before.
  void add_rows(Table& t, size_t from);
  // Every line of f goes to the records (or is left out: --skip-missing); f is emptied.
  void add_lines(FastTextLines& f);

  // The label rules and read_table's / read_fasttext's checks, on the values' counts; d.records set.
  void finish_table(Dataset& d, Table& t);
  void finish_fasttext(Dataset& d);

 private:
  uint32_t id(size_t column, std::string_view value, uint32_t line);
  // Kept rows' counts and first lines per id, and the kept rows (pass over the records).
  void count_kept(Dataset& d, const std::function<size_t(const RecordSpool::Record&)>& missing);
  void set_records(Dataset& d);

  std::string path_;
  const ReaderOptions& o_;
  std::optional<Columns> cols_;
  size_t text_ = 0;
  std::vector<size_t> labels_;
  std::shared_ptr<RecordSpool> rec_;
  std::vector<std::unordered_map<std::string_view, uint32_t>> index_;  // per label column
  std::deque<std::string> value_;   // per id
  std::vector<uint32_t> column_of_;  // per id
  std::vector<uint64_t> all_rows_;   // per id: data rows with it, left out or not
  std::vector<uint64_t> kept_rows_;  // per id: kept rows with it
  std::vector<uint32_t> kept_first_;  // per id: the first kept row's line
  std::vector<ColumnFill> fill_;
  ColumnStats stats_;
  uint64_t data_rows_ = 0, kept_ = 0, kept_bytes_ = 0;
  uint32_t first_kept_line_ = 0;
  std::string first_label_;  // the first table row's label (trimmed), and its text's bytes
  size_t first_text_bytes_ = 0;
  bool have_first_ = false;
  std::vector<uint32_t> ids_;
  // fastText
  uint64_t lines_ = 0, unlabelled_ = 0, several_ = 0;
  uint32_t first_line_ = 0, first_unlabelled_ = 0;
};

// Whether a text is empty or whitespace.
bool blank(std::string_view text);

// Rows repeating an earlier row's text among (text hash, key) pairs, keys in row order (sorted
// here): with the same targets counted in s.duplicates, else in s.conflicts; each row compared
// with the first row of its text. text(key, buf) reads a row's text, same(a, b) compares targets.
void count_repeats(std::vector<std::pair<uint64_t, uint64_t>>& order,
                   const std::function<std::string_view(uint64_t, std::string&)>& text,
                   const std::function<bool(uint64_t, uint64_t)>& same, DataSummary& s);

// finish_summary's pass on streamed rows: blank texts into s.empty_texts, and with `repeats` the
// duplicates, counted exactly on (text hash, record offset) pairs kept in a temporary file, at
// most kPairsInMemory of them in memory at a time (a pass over the file per part of the hashes).
constexpr size_t kPairsInMemory = size_t{1} << 18;
void streamed_texts(const Dataset& d, bool repeats, DataSummary& s);

}  // namespace tt::data::detail
