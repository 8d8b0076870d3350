// Labelled text datasets: CSV (RFC 4180), TSV and fastText's format, read into memory.
//
// The three formats, as read_dataset parses them (the whole file is read into memory first; a
// UTF-8 byte order mark at its start is skipped; lines end in LF or CRLF; blank lines between
// records are skipped):
//   csv       RFC 4180. A field may be quoted ("..."): then it may hold commas, CR/LF line breaks
//             and doubled quotes (""). Strict: a quote inside an unquoted field, or anything but a
//             comma or a line end after a closing quote, is an error (it almost always means the
//             writer forgot to quote, and guessing would silently shift columns).
//   tsv       No quoting: a field is every byte between two tabs (quotes are ordinary bytes), so a
//             field cannot hold a tab or a line break.
//   fasttext  One example per line: leading whitespace-separated tokens `__label__NAME` are the
//             labels (any number, NAME non-empty, repeats count once); the rest of the line after
//             the whitespace that follows them is the text. No header, no columns.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tt::data {

// The most labels (classes, or label columns) a dataset may have: a model's most outputs
// (kMaxOutputs, model/model.h). A reader refuses more before sizing anything by them.
constexpr size_t kMaxLabels = 4096;

enum class Format { kAuto, kCsv, kTsv, kFastText };

// How to read a file. Shared by every command that reads data (train, eval, predict, split).
struct ReaderOptions {
  // kAuto: from the file name, case-insensitively: .csv -> csv; .tsv/.tab -> tsv; .txt -> tsv,
  // or fasttext if its first line starts with "__label__"; .ft/.fasttext -> fasttext. Any other
  // name: sniff the first line: starts with "__label__" -> fasttext, holds a tab -> tsv, else csv.
  Format format = Format::kAuto;
  // A header name or a 1-based position. A name is matched first (exactly, then ignoring
  // surrounding spaces), so a column named "2" wins over position 2. Empty: the first column
  // named "text", "comment_text", "tweet" or "message" (in that order of preference), else the
  // last column.
  std::string text_column;
  // Names or 1-based positions; one column -> binary or multi-class, several -> multi-label.
  // Empty: the first column named "label", "labels", "class" or "toxic" (in that order of
  // preference), else the first column that is not the text column.
  std::vector<std::string> label_columns;
  // false: the first row is data; columns by position only, and a label column is named "colN"
  // (N its 1-based position) in Dataset::label_names.
  bool header = true;
  // false (predict): labels are not read or checked; label_names and targets stay empty. A
  // one-column file is then allowed.
  bool require_labels = true;
};

enum class LabelKind {
  kBinary,      // one output: a 0/1 column, or a class column with exactly two values
  kMultiClass,  // one output per class, exactly one true per row (softmax)
  kMultiLabel   // one output per 0/1 column (or fastText line with any number of labels)
};

struct Dataset {
  std::string path;
  LabelKind kind = LabelKind::kBinary;
  // One name per output. Binary: the 0/1 column's name, or the positive class's name (the rarer
  // of the two values; on a tie, the later one in byte order). Multi-class: class names in byte
  // order (integers in numeric order). Multi-label: column names / fastText label names in
  // byte order.
  std::vector<std::string> label_names;
  std::vector<std::string> texts;    // raw bytes, valid UTF-8
  std::vector<uint8_t> targets;      // size() * outputs(), row-major, 0/1
  std::vector<uint32_t> lines;       // the 1-based line where each record starts

  size_t size() const { return texts.size(); }
  size_t outputs() const { return label_names.size(); }
  uint8_t target(size_t row, size_t output) const { return targets[row * outputs() + output]; }
  // Multi-class: the index of the true class of a row. Binary: target(row, 0). Multi-label:
  // throws std::logic_error (a caller bug: there is no single class).
  size_t class_of(size_t row) const;
};

// Reads a whole file. Throws tt::Error naming the file and line on: a missing or unreadable
// file, an empty file, an unterminated quote, a wrong column count, a missing column name, a
// label that is not 0/1 where 0/1 is required, a label column with fewer than two classes,
// invalid UTF-8. An empty text is a valid example.
//
// Label kinds (a label value is trimmed of surrounding spaces and tabs; an empty one is an error):
//  - one column whose values are exactly {0, 1}: binary, positive 1, named after the column;
//  - one column of any other two distinct values (names or integers): binary, the rarer value is
//    positive (on a tie, the later in byte order) and names the output;
//  - one column of three or more values: multi-class;
//  - several columns: multi-label, every value must be 0 or 1;
//  - fastText: exactly one label on every line -> as one column (binary: positive "1" for the
//    labels {0, 1}, else the rarer); otherwise multi-label, one output per label name.
// Every output must take both values: a column of all 0 (or one class only), or a fastText label
// on every line of a multi-label file, is an error ("label column X has only one class").
// A file with no examples (only a header, or only blank lines) is an error.
Dataset read_dataset(const std::string& path, const ReaderOptions& options);

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
