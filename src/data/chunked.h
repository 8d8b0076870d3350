// An array of one value per row or cell, grown in chunks of 2^16 values: growing never copies the
// whole (a std::vector's doubling holds the old and the new array at once, 3x the values at that
// moment), and at most one chunk is partly unused.
#pragma once

#include <cstddef>
#include <vector>

namespace tt::data::detail {

template <class T>
class ChunkedArray {
 public:
  size_t size() const { return n_; }
  const T& operator[](size_t i) const { return chunks_[i >> kBits][i & kMask]; }
  T& operator[](size_t i) { return chunks_[i >> kBits][i & kMask]; }
  const T& back() const { return (*this)[n_ - 1]; }
  void push_back(const T& v) {
    if ((n_ >> kBits) == chunks_.size()) {
      chunks_.emplace_back();
      chunks_.back().reserve(size_t{1} << kBits);
    }
    chunks_[n_ >> kBits].push_back(v);
    ++n_;
  }
  // Keeps the first n values (n <= size()).
  void shrink(size_t n) {
    chunks_.resize((n + kMask) >> kBits);
    if (n & kMask) chunks_.back().resize(n & kMask);
    n_ = n;
  }

 private:
  static constexpr unsigned kBits = 16;
  static constexpr size_t kMask = (size_t{1} << kBits) - 1;
  std::vector<std::vector<T>> chunks_;
  size_t n_ = 0;
};

}  // namespace tt::data::detail
