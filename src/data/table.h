// The reader's first stage: a file's bytes split into records, before any column or label is
// chosen. Internal to src/data (read_dataset is the public entry point); the formats' rules are
// documented in data/dataset.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "data/chunked.h"

namespace tt::data::detail {

// CSV or TSV records. The first record fixes the column count; every record has exactly that many.
// The cells' bytes are packed into blocks of kBlockBytes (a longer cell has a block of its own),
// 12 bytes of index per cell: no allocation per cell, and no copy of the whole as it grows.
struct Table {
  size_t columns = 0;
  std::vector<uint32_t> lines;  // the 1-based physical line where each record starts

  size_t rows() const { return lines.size(); }
  size_t cell_count() const { return len_.size(); }
  // Cells are row-major: cell (row, column) is cell_at(row * columns + column).
  std::string_view cell(size_t row, size_t column) const { return cell_at(row * columns + column); }
  std::string_view cell_at(size_t i) const {
    return std::string_view(blocks_[at_[i] >> kOffsetBits]).substr(at_[i] & kOffsetMask, len_[i]);
  }
  // Appends a cell.
  void add(std::string_view bytes);
  // Keeps the first n cells (their bytes' blocks are trimmed to them).
  void truncate(size_t n);
  // Frees the blocks wholly before cell i's: the cells in them may no longer be read.
  void release_before(size_t i);

 private:
  static constexpr size_t kBlockBytes = size_t{4} << 20;
  static constexpr unsigned kOffsetBits = 40;
  static constexpr uint64_t kOffsetMask = (uint64_t{1} << kOffsetBits) - 1;
  std::vector<std::string> blocks_;
  ChunkedArray<uint64_t> at_;  // block << kOffsetBits | offset
  ChunkedArray<uint32_t> len_;
};

// fastText lines: the labels (without "__label__", duplicates removed, in line order) and the text.
struct FastTextLines {
  std::vector<std::vector<std::string>> labels;
  std::vector<std::string> texts;
  std::vector<uint32_t> lines;
};

// A data file ("-": standard input) read in chunks, so the reader holds a chunk and the record
// that crosses its end, never the whole file. Throws tt::Error naming the file for a missing
// file, a directory, a read error, or more than kMaxDataBytes (line numbers are uint32_t).
constexpr uint64_t kMaxDataBytes = uint64_t{1} << 32;
constexpr size_t kChunkBytes = size_t{8} << 20;
class ByteSource {
 public:
  explicit ByteSource(const std::string& path);
  ~ByteSource();
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;
  // Appends up to n bytes to buf (fewer only at the end of the file).
  void read(std::string& buf, size_t n);
  bool eof() const { return eof_; }

 private:
  std::string path_;
  int fd_ = -1;
  bool eof_ = false;
  uint64_t total_ = 0;
};

// The length of a UTF-8 byte order mark at the start of `bytes` (3 or 0).
size_t bom_length(std::string_view bytes);

// Parsers of `text` (the file after its BOM; line numbers start at 1). `path` only names the file
// in error messages. parse_csv stops after `max_records` records; with `fields`, it records each
// record's field count there instead of requiring the first record's (Table::columns is then 0).
Table parse_csv(const std::string& path, std::string_view text, char delimiter = ',',
                size_t max_records = SIZE_MAX, std::vector<size_t>* fields = nullptr);

// The same parsers on a file read in chunks: each appends the complete records of `text` (a
// part of the file that starts where a record starts, on physical line `line`) to t or f,
// advances `line` past them and returns the bytes they take. `final`: text ends the file (its
// last record is then complete too, and everything is consumed or an error thrown). A record
// that may go on past the end of a non-final text is left for the next call with more bytes.
size_t parse_csv_chunk(Table& t, const std::string& path, std::string_view text, char delimiter, uint32_t& line,
                       bool final);
size_t parse_tsv_chunk(Table& t, const std::string& path, std::string_view text, uint32_t& line, bool final);
size_t parse_fasttext_chunk(FastTextLines& f, const std::string& path, std::string_view text, uint32_t& line,
                            bool final);

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
