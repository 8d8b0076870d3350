#include "data/records.h"

#include "common/error.h"

namespace tt::data {

void RecordSpool::append(uint32_t line, const uint32_t* ids, size_t n, std::string_view text) {
  if (text.size() > UINT32_MAX) throw Error(file_.source() + ": a text of more than 4 GiB on line " + std::to_string(line));
  const uint32_t len = static_cast<uint32_t>(text.size());
  const uint16_t count = static_cast<uint16_t>(n);
  head_.resize(kHeadBytes + 4 * n);
  std::memcpy(&head_[0], &line, 4);
  std::memcpy(&head_[4], &len, 4);
  std::memcpy(&head_[8], &count, 2);
  if (n) std::memcpy(&head_[kHeadBytes], ids, 4 * n);
  file_.append(head_);
  file_.append(text);
  ++records_;
}

bool RecordSpool::parse(const std::string& block, size_t p, Record& r, std::vector<uint32_t>& ids, size_t* need) {
  if (block.size() - p < kHeadBytes) {
    *need = kHeadBytes;
    return false;
  }
  uint32_t len = 0;
  uint16_t n = 0;
  std::memcpy(&r.line, &block[p], 4);
  std::memcpy(&len, &block[p + 4], 4);
  std::memcpy(&n, &block[p + 8], 2);
  const size_t bytes = kHeadBytes + 4 * size_t{n} + len;
  if (block.size() - p < bytes) {
    *need = bytes;
    return false;
  }
  ids.resize(n);
  if (n) std::memcpy(ids.data(), &block[p + kHeadBytes], 4 * size_t{n});
  r.ids = ids.data();
  r.n = n;
  r.text = std::string_view(block).substr(p + kHeadBytes + 4 * size_t{n}, len);
  return true;
}

RecordSpool::Record RecordSpool::read_at(uint64_t offset, std::string& buf, std::vector<uint32_t>& ids) const {
  file_.read(offset, kHeadBytes, buf);
  uint32_t len = 0;
  uint16_t n = 0;
  std::memcpy(&len, &buf[4], 4);
  std::memcpy(&n, &buf[8], 2);
  file_.read(offset, kHeadBytes + 4 * size_t{n} + len, buf);
  Record r;
  size_t need = 0;
  parse(buf, 0, r, ids, &need);
  r.offset = offset;
  return r;
}

}  // namespace tt::data
