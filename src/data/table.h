// The reader's first stage: a file's bytes split into records, before any column or label is
// chosen. Internal to src/data (read_dataset is the public entry point); the formats' rules are
// documented in data/dataset.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tt::data::detail {

// CSV or TSV records. The first record fixes the column count; every record has exactly that many.
struct Table {
  size_t columns = 0;
  std::vector<std::string> cells;  // row-major: rows() * columns
  std::vector<uint32_t> lines;     // the 1-based physical line where each record starts

  size_t rows() const { return lines.size(); }
  const std::string& cell(size_t row, size_t column) const { return cells[row * columns + column]; }
};

// fastText lines: the labels (without "__label__", duplicates removed, in line order) and the text.
struct FastTextLines {
  std::vector<std::vector<std::string>> labels;
  std::vector<std::string> texts;
  std::vector<uint32_t> lines;
};

// The whole file. Throws tt::Error for a missing file, a directory, or a read error.
std::string read_file(const std::string& path);

// The length of a UTF-8 byte order mark at the start of `bytes` (3 or 0).
size_t bom_length(std::string_view bytes);

// Parsers of `text` (the file after its BOM; line numbers start at 1). `path` only names the file
// in error messages. parse_csv stops after `max_records` records; with `fields`, it records each
// record's field count there instead of requiring the first record's (Table::columns is then 0).
Table parse_csv(const std::string& path, std::string_view text, char delimiter = ',',
                size_t max_records = SIZE_MAX, std::vector<size_t>* fields = nullptr);
Table parse_tsv(const std::string& path, std::string_view text);
FastTextLines parse_fasttext(const std::string& path, std::string_view text);

// The CSV delimiter of `text`, among kDelimiters: the one that splits each of the first
// kSniffRecords records (quotes respected) into the same number of fields, at least two; of
// several, the one giving the most fields, then the first in kDelimiters. When none does: the one
// that splits the most of those records into as many fields (two or more) as the first record
// (the full parse then reports the first uneven line), else ','. `rule` says why, in words, for
// the summary; `ambiguous` is set when another delimiter would fit as well.
constexpr char kDelimiters[] = {',', ';', '\t', '|'};
constexpr size_t kSniffRecords = 100;
struct Sniffed {
  char delimiter = ',';
  std::string rule;
  bool ambiguous = false;
};
Sniffed sniff_delimiter(std::string_view text);
// How messages show a delimiter: ',' or "tab".
std::string delimiter_name(char d);

// Whether the first non-blank line of `text` holds a whitespace-separated token that starts with
// "__label__" (how fastText marks a label, anywhere on the line).
bool first_line_has_fasttext_label(std::string_view text);

}  // namespace tt::data::detail
