#include "data/spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "common/error.h"

namespace tt::data {

namespace {

constexpr size_t kWriteBytes = size_t{1} << 20;

}  // namespace

std::string temp_dir() {
  const char* t = std::getenv("TMPDIR");
  return t && *t ? t : "/tmp";
}

TempFile::TempFile(std::string source, std::string what) : source_(std::move(source)), what_(std::move(what)) {
  const std::string dir = temp_dir();
  std::string name = dir + "/tinytext-" + what_ + ".XXXXXX";
  fd_ = ::mkstemp(name.data());
  if (fd_ < 0)
    throw Error(source_ + ": cannot create a temporary file for the " + what_ + " in " + dir + " (" +
                std::strerror(errno) + "); set TMPDIR to a writable directory, or raise --feature-memory");
  ::unlink(name.c_str());
}

TempFile::~TempFile() {
  if (fd_ >= 0) ::close(fd_);
}

uint64_t TempFile::append(std::string_view bytes) {
  const uint64_t at = end_;
  end_ += bytes.size();
  buf_.append(bytes);
  if (buf_.size() >= kWriteBytes) flush();
  return at;
}

void TempFile::flush() {
  const uint64_t at = end_ - buf_.size();
  for (size_t done = 0; done < buf_.size();) {
    const ssize_t w = ::pwrite(fd_, buf_.data() + done, buf_.size() - done, static_cast<off_t>(at + done));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0)
      throw Error(source_ + ": cannot write the " + what_ + "' temporary file in " + temp_dir() + " (" +
                  std::strerror(w < 0 ? errno : ENOSPC) + "); set TMPDIR to a directory with room, or raise --feature-memory");
    done += static_cast<size_t>(w);
  }
  buf_.clear();
  if (buf_.capacity() > 2 * kWriteBytes) buf_.shrink_to_fit();
}

void TempFile::read(uint64_t at, uint64_t n, std::string& out) const {
  out.resize(n);
  for (uint64_t done = 0; done < n;) {
    const ssize_t r = ::pread(fd_, out.data() + done, n - done, static_cast<off_t>(at + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0)
      throw Error(source_ + ": cannot read the " + what_ + "' temporary file back (" +
                  std::string(r < 0 ? std::strerror(errno) : "it is shorter than written") + ")");
    done += static_cast<uint64_t>(r);
  }
}

TextSpool::TextSpool(std::string source, std::string what) : file_(std::move(source), what), what_(std::move(what)) {}

TextSpool::~TextSpool() = default;

void TextSpool::append(std::string_view text) {
  if (text.size() > UINT32_MAX) throw Error(file_.source() + ": " + what_ + " of more than 4 GiB in one row");
  begin_.push_back(file_.append(text));
  length_.push_back(static_cast<uint32_t>(text.size()));
  bytes_ += text.size();
}

void TextSpool::finish() { file_.flush(); }

void TextSpool::keep(const std::vector<uint32_t>& rows) {
  bytes_ = 0;
  for (size_t j = 0; j < rows.size(); ++j) {
    begin_[j] = begin_[rows[j]];
    length_[j] = length_[rows[j]];
    bytes_ += length_[j];
  }
  begin_.shrink(rows.size());
  length_.shrink(rows.size());
}

void TextSpool::read(size_t row, std::string& out) const { read_span(begin_[row], length_[row], out); }

}  // namespace tt::data
