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
// in error messages.
Table parse_csv(const std::string& path, std::string_view text);
Table parse_tsv(const std::string& path, std::string_view text);
FastTextLines parse_fasttext(const std::string& path, std::string_view text);

}  // namespace tt::data::detail
