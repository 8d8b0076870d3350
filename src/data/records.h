// A data file's rows on disk, one record each, for data beyond ReaderOptions::text_memory whose
// columns are known from the header (read_dataset's streamed path): nothing is held per row. The
// one owner of the record layout (little-endian host order, the file never leaves the process):
//   uint32 line | uint32 text bytes | uint16 n | uint32 ids[n] | text
// ids are label value ids (Dataset::id_targets): one per label column of a CSV/TSV file, one per
// distinct label of a fastText line. Records are read back in file order, in large sequential
// blocks, or one at a time by the offset for_each gave.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "data/spool.h"

namespace tt::data {

class RecordSpool {
 public:
  static constexpr size_t kHeadBytes = 10;
  explicit RecordSpool(std::string source) : file_(std::move(source), "rows") {}

  void append(uint32_t line, const uint32_t* ids, size_t n, std::string_view text);
  // Writes what the buffer holds (before reading).
  void finish() { file_.flush(); }
  uint64_t records() const { return records_; }
  uint64_t file_bytes() const { return file_.size(); }

  struct Record {
    uint64_t offset = 0;
    uint32_t line = 0;
    const uint32_t* ids = nullptr;
    size_t n = 0;
    std::string_view text;
  };
  // Every record in file order, to fn(const Record&), read in blocks of kBlockBytes.
  template <class Fn>
  void for_each(Fn fn) const {
    std::string block;
    std::vector<uint32_t> ids;
    uint64_t at = 0;
    while (at < file_.size()) {
      file_.read(at, std::min<uint64_t>(kBlockBytes, file_.size() - at), block);
      size_t p = 0;
      for (;;) {
        Record r;
        size_t need = 0;
        if (!parse(block, p, r, ids, &need)) {
          if (p == 0) file_.read(at, need, block);  // one record longer than a block
          if (p == 0) continue;
          break;
        }
        r.offset = at + p;
        p += record_bytes(r);
        fn(static_cast<const Record&>(r));
        if (p == block.size()) break;
      }
      at += p;
    }
  }
  // The record at `offset` (its text and ids stay valid until the next call with the same buffers).
  Record read_at(uint64_t offset, std::string& buf, std::vector<uint32_t>& ids) const;

 private:
  static constexpr size_t kBlockBytes = size_t{4} << 20;
  static size_t record_bytes(const Record& r) { return kHeadBytes + 4 * r.n + r.text.size(); }
  // The record at block[p, ...) into r, if whole; else false and *need = its bytes from block[p]
  // (or the head's, when the head itself is cut).
  static bool parse(const std::string& block, size_t p, Record& r, std::vector<uint32_t>& ids, size_t* need);

  TempFile file_;
  std::string head_;
  uint64_t records_ = 0;
};

}  // namespace tt::data
