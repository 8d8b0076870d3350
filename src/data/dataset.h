// Labelled text datasets: CSV (RFC 4180), TSV and fastText's format, read into memory.
//
// The three formats, as read_dataset parses them (the file is read in chunks of 8 MiB, never held
// whole: the format and delimiter are sniffed from the first chunk; a UTF-8 byte order mark at its
// start is skipped; lines end in LF or CRLF; blank lines between records are skipped):
//   csv       RFC 4180, with a delimiter among ',' ';' tab '|' (ReaderOptions::delimiter, else
//             sniffed). A field may be quoted ("..."): then it may hold the delimiter, CR/LF line
//             breaks and doubled quotes (""). Strict: a quote inside an unquoted field, or anything
//             but the delimiter or a line end after a closing quote, is an error (it almost always
//             means the writer forgot to quote, and guessing would silently shift columns).
//   tsv       No quoting: a field is every byte between two tabs (quotes are ordinary bytes), so a
//             field cannot hold a tab or a line break.
//   fasttext  One example per line: every whitespace-separated token `__label__NAME` is a label,
//             wherever it stands on the line, as fastText reads it (any number, NAME non-empty,
//             repeats count once); the text is the line from its first other token on, without
//             the label tokens (each cut out with the whitespace after it, or before it at the end
//             of the line). No header, no columns.
//
// Every choice the reader makes about the user's data (format, delimiter, columns, positive
// label, skipped rows) is recorded with its reason in Dataset::summary, with warnings for what
// looks wrong (data/summary.h); the commands print it before they use the data.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "data/records.h"
#include "data/spool.h"
#include "data/summary.h"

namespace tt::data {

// The most labels (classes, or label columns) a dataset may have: a model's most outputs
// (kMaxOutputs, model/model.h). A reader refuses more before sizing anything by them.
constexpr size_t kMaxLabels = 4096;

enum class Format { kAuto, kCsv, kTsv, kFastText };

// How to read a file. Shared by every command that reads data (train, eval, predict, split).
struct ReaderOptions {
  // kAuto: from the file name, case-insensitively: .csv -> csv; .tsv/.tab -> tsv; .ft/.fasttext
  // -> fasttext; .txt or any other name: fasttext if a token of the first line starts with
  // "__label__", else the delimiter is sniffed: tab -> tsv, another -> csv. A given delimiter
  // (below) makes an auto file csv.
  Format format = Format::kAuto;
  // csv: ',' ';' '\t' or '|'; 0: sniffed (detail::sniff_delimiter in data/table.h).
  char delimiter = 0;
  // A header name or a 1-based position. A name is matched first (exactly, then ignoring
  // surrounding spaces), so a column named "2" wins over position 2. Empty: the first column
  // named "text", "comment_text", "tweet" or "message" (in that order of preference), else the
  // last column that is not mostly empty (more than half of its values empty: Kaggle's spam.csv
  // ends in three such unnamed columns).
  std::string text_column;
  // Names or 1-based positions; one column -> binary or multi-class, several -> multi-label, the
  // outputs in the order given. Empty: with a header, when every column but the text holds only
  // 0/1 values and there are several (what `split` writes for multi-label data), all of them in
  // file order; else the first column named "label", "labels", "class" or "toxic" (in that
  // order of preference); else the first column that is neither the text column nor mostly empty.
  std::vector<std::string> label_columns;
  // Binary data: the label value (or, for a 0/1 column, the column's output name) that is the
  // positive class. Empty: the true side of a boolean column (1, 1.0, true, yes), else the rarer
  // of the two values (on a tie, the later in byte order). Any other value, or data that is not
  // binary, is an error.
  std::string positive;
  // As `positive`, but only used when it is one of the two values (eval passes the model's
  // label, so a test file is read with the model's positive class); a boolean column's output
  // is then named after it (its true side is the model's label).
  std::string positive_hint;
  // Names for the values of a class column (--label-names): "VALUE=NAME" items, or plain names
  // given to the classes in their order (numeric order for integers). Every value present must
  // get a name.
  std::vector<std::string> label_names;
  // Rows with an empty label are left out (counted in the summary) instead of being an error.
  bool skip_missing = false;
  // A label may hold one class only (eval of a ham-only file). Else that is an error.
  bool allow_one_class = false;
  // A class column is read as these classes, in this order (multi-class, even with fewer values
  // present); a value (or its --label-names name) outside them is an error. eval passes a
  // softmax model's labels.
  std::vector<std::string> classes;
  // false: the first row is data; columns by position only, and a label column is named "colN"
  // (N its 1-based position) in Dataset::label_names.
  bool header = true;
  // false (predict): labels are not read or checked; label_names and targets stay empty. A
  // one-column file is then allowed.
  bool require_labels = true;
  // The most bytes of text held in memory. Beyond it, when the header decides the text and label
  // columns (--text or a preferred name; --label, a preferred name, or the one other column) and
  // always for fastText files, the rows are streamed: each goes to a temporary file as its chunk
  // is parsed (Dataset::records, data/records.h) and nothing is held per row. Otherwise the texts
  // go to a temporary file (Dataset::spool, data/spool.h) and the other cells stay in memory until
  // the column rules have seen every row. train sets it from --feature-memory; the other commands
  // hold every text.
  uint64_t text_memory = UINT64_MAX;
};

enum class LabelKind {
  kBinary,      // one output: a 0/1 column, or a class column with exactly two values
  kMultiClass,  // one output per class, exactly one true per row (softmax)
  kMultiLabel   // one output per 0/1 column (or fastText line with any number of labels)
};

struct Dataset {
  std::string path;
  LabelKind kind = LabelKind::kBinary;
  // One name per output. Binary: the boolean column's name, or the positive class's name (see
  // ReaderOptions::positive). Multi-class: class names in byte order (integers in numeric
  // order). Multi-label: column names in the order given, fastText label names in byte order.
  std::vector<std::string> label_names;
  // The texts, raw bytes, valid UTF-8: in memory (texts), or on disk (spool, when they took more
  // than ReaderOptions::text_memory; texts is then empty). text() and for_each_text() read either.
  std::vector<std::string> texts;
  std::shared_ptr<const TextSpool> spool;
  std::vector<uint8_t> targets;      // size() * outputs(), row-major, 0/1
  std::vector<uint32_t> lines;       // the 1-based line where each record starts
  DataSummary summary;               // what was taken from the file, and why
  // The streamed form (ReaderOptions::text_memory): every row on disk, texts / targets / lines
  // empty and nothing held per row. Row r is the r-th record without a skip id; its targets are
  // the OR of its ids' id_targets (outputs() bytes each). Read with for_each_row.
  std::shared_ptr<const RecordSpool> records;
  std::vector<uint8_t> id_targets;
  std::vector<uint8_t> skip_id;  // per id: 1 = its record is left out (an empty label)
  uint64_t record_rows = 0, record_text_bytes = 0;
  uint32_t first_line = 0;  // the first row's line (streamed form)

  size_t size() const { return records ? record_rows : spool ? spool->size() : texts.size(); }
  bool streamed() const { return records != nullptr; }
  // Streamed rows in order: fn(row, line, const uint8_t* targets, std::string_view text).
  template <class Fn>
  void for_each_row(Fn fn) const {
    std::vector<uint8_t> y(outputs());
    size_t row = 0;
    records->for_each([&](const RecordSpool::Record& r) {
      if (!record_targets(r, y.data())) return;
      fn(row++, r.line, static_cast<const uint8_t*>(y.data()), r.text);
    });
  }
  // A streamed record's targets into y (outputs() bytes); false when it is left out.
  bool record_targets(const RecordSpool::Record& r, uint8_t* y) const {
    const size_t K = outputs();
    std::fill(y, y + K, uint8_t{0});
    for (size_t j = 0; j < r.n; ++j) {
      if (skip_id[r.ids[j]]) return false;
      for (size_t k = 0; k < K; ++k) y[k] |= id_targets[r.ids[j] * K + k];
    }
    return true;
  }
  // Row i's text: texts[i], or read from the spool into `buf` (which is returned).
  const std::string& text(size_t i, std::string& buf) const {
    if (!spool) return texts[i];
    spool->read(i, buf);
    return buf;
  }
  size_t text_size(size_t i) const { return spool ? spool->length(i) : texts[i].size(); }
  // Rows [first, first + n) in order, each to fn(row, std::string_view text).
  template <class Fn>
  void for_each_text(size_t first, size_t n, Fn fn) const {
    if (spool) return spool->for_each(first, n, fn);
    for (size_t i = first; i < first + n; ++i) fn(i, std::string_view(texts[i]));
  }
  uint64_t text_bytes() const;
  size_t outputs() const { return label_names.size(); }
  uint8_t target(size_t row, size_t output) const { return targets[row * outputs() + output]; }
  // Multi-class: the index of the true class of a row. Binary: target(row, 0). Multi-label:
  // throws std::logic_error (a caller bug: there is no single class).
  size_t class_of(size_t row) const;
};

// Reads a whole file; "-" reads standard input (named "stdin" in messages and the summary; the
// format is sniffed from its first bytes as for a file name without a known extension). Throws tt::Error naming the file and line on: a missing or unreadable
// file, a tinytext model file, an empty file, an unterminated quote, a wrong column count, a
// missing column name, a label that is not boolean where 0/1 is required, an empty label
// (unless skip_missing), a label column with fewer than two classes (unless allow_one_class),
// invalid UTF-8, and (when labels are required) a text column whose values are all or mostly
// (more than half) empty. An empty text is otherwise a valid example.
//
// Label kinds (a label value is trimmed of surrounding spaces and tabs):
//  - one boolean column, every value one of 0/1 (also 0.0/1.0), false/true, no/yes in any case:
//    binary, positive the true side, named after the column (header name, or colN);
//  - one column of any other two distinct values (names or integers): binary, the positive is
//    ReaderOptions::positive, else the rarer value, and names the output;
//  - one column of three or more values: multi-class;
//  - several columns: multi-label, every value boolean;
//  - fastText: exactly one label on every line -> as one column; otherwise multi-label, one
//    output per label name.
// A file with no examples (only a header, or only blank lines) is an error.
Dataset read_dataset(const std::string& path, const ReaderOptions& options);

// The held form of streamed data (Dataset::streamed()): the rows' texts in a TextSpool, their
// targets and lines in memory, the rest as in d: what read_dataset gives when it does not stream.
Dataset held_form(const Dataset& d);

// Rows already in memory (the Python binding), read as read_dataset reads a CSV file's records:
// `cells` is row-major, `columns` per row, the first row the header when options.header. The same
// column, label and summary rules apply; `name` stands for the file in messages and the summary
// (format "rows"), and a row's "line" is its 1-based position after the header.
Dataset read_rows(const std::string& name, size_t columns, std::vector<std::string> cells, const ReaderOptions& options);

// Writes rows as RFC 4180 CSV with a header: text, then one 0/1 column per output for binary and
// multi-label data, or one "label" column of class names for multi-class data. Written with
// write_file_atomic (common/file.h): a failure leaves no partial file. Rows are
// `rows` in order (an index >= d.size() throws std::out_of_range). Lines end in LF (not the RFC's
// CRLF, to match the shared data files; both read back the same); a field is quoted only when it
// holds a comma, a quote, CR or LF. Reading the file back gives the same texts, kind and label
// names with default options (multi-label: with label_columns naming the label columns; a
// multi-label set with a single output reads back as binary).
void write_csv(const std::string& path, const Dataset& d, const std::vector<size_t>& rows);
// The bytes write_csv writes.
std::string format_csv(const Dataset& d, const std::vector<size_t>& rows);

// Checks that s[0, n) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). Returns the
// byte offset of the first bad byte, or n when valid. For a bad or truncated multi-byte
// sequence that is the offset of its lead byte.
size_t utf8_invalid_at(const char* s, size_t n);

}  // namespace tt::data
