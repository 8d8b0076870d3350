// Rows of bytes on disk instead of in memory: a dataset's texts (ReaderOptions::text_memory: the
// reader appends each text as its chunk is parsed), or the trainer's tokenized features
// (train::RowFeed). The bytes go to an unlinked temporary file in $TMPDIR (else /tmp); in memory
// stay 12 bytes per row (where the row starts and its length). Rows are read back with pread, in
// any order and from any thread. The file vanishes when the spool is destroyed or the process
// ends, however it ends.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "data/chunked.h"

namespace tt::data {

// Where temporary files go: $TMPDIR, else /tmp.
std::string temp_dir();

// An unlinked temporary file in temp_dir(), appended through a buffer and read back with pread
// (from any thread once flushed). `source` names the data and `what` the contents ("texts",
// "features", "rows") in error messages.
class TempFile {
 public:
  TempFile(std::string source, std::string what);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  // Appends bytes; returns where they start.
  uint64_t append(std::string_view bytes);
  // Writes the buffer out (before reading).
  void flush();
  uint64_t size() const { return end_; }
  const std::string& source() const { return source_; }
  // n bytes at `at` into out (replacing it). Throws tt::Error naming the source on a read error.
  void read(uint64_t at, uint64_t n, std::string& out) const;

 private:
  std::string source_, what_;
  int fd_ = -1;
  std::string buf_;
  uint64_t end_ = 0;
};

class TextSpool {
 public:
  // `source` names the data in error messages (a failure to create or write the file), `what`
  // the rows (plural: "texts", "features").
  explicit TextSpool(std::string source, std::string what = "texts");
  ~TextSpool();
  TextSpool(const TextSpool&) = delete;
  TextSpool& operator=(const TextSpool&) = delete;

  // Appends a text as the next row. Writes go through a buffer: call finish() before reading.
  void append(std::string_view text);
  // Writes what the buffer holds; the spool is read-only from then on.
  void finish();
  // Keeps rows rows[0..) in that order (sorted, distinct), dropping the others (rows without a
  // label left out); their bytes stay in the file.
  void keep(const std::vector<uint32_t>& rows);

  size_t size() const { return length_.size(); }
  uint64_t bytes() const { return bytes_; }  // the rows' text bytes in all
  size_t length(size_t row) const { return length_[row]; }
  // Row `row`'s text into `out` (replacing it). Throws tt::Error naming the source on a read error.
  void read(size_t row, std::string& out) const;
  // Rows [first, first + n) in order, each to fn(row, text), read in large sequential blocks.
  template <class Fn>
  void for_each(size_t first, size_t n, Fn fn) const {
    std::string block, one;
    for (size_t r = first; r < first + n;) {
      // The rows that fit in one block read together (a longer row alone).
      size_t e = r + 1;
      uint64_t span = length_[r];
      while (e < first + n && begin_[e] == begin_[e - 1] + length_[e - 1] && span + length_[e] <= kBlockBytes)
        span += length_[e++];
      read_span(begin_[r], span, block);
      for (size_t q = r; q < e; ++q) fn(q, std::string_view(block).substr(begin_[q] - begin_[r], length_[q]));
      r = e;
    }
  }

 private:
  static constexpr size_t kBlockBytes = size_t{4} << 20;
  void read_span(uint64_t at, uint64_t n, std::string& out) const { file_.read(at, n, out); }

  TempFile file_;
  std::string what_;
  uint64_t bytes_ = 0;
  detail::ChunkedArray<uint64_t> begin_;
  detail::ChunkedArray<uint32_t> length_;
};

}  // namespace tt::data
