#include "train/range_filter.h"

namespace tt::train {

namespace detail {

size_t filter_range_portable(const uint16_t* in, size_t n, uint32_t lo, uint32_t hi, uint16_t* out) {
  // Without a branch per feature: each is stored at the count so far, which moves only when it
  // is in range (the count never passes the feature's own index, so the store stays inside n).
  const uint32_t size = hi - lo;
  size_t k = 0;
  for (size_t q = 0; q < n; ++q) {
    const uint16_t f = in[q];
    out[k] = f;
    k += static_cast<uint32_t>(f - lo) < size;
  }
  return k;
}

}  // namespace detail

size_t filter_range(const uint16_t* in, size_t n, uint32_t lo, uint32_t hi, uint16_t* out) {
  static const bool avx512 = detail::has_filter_range_avx512();
  return avx512 ? detail::filter_range_avx512(in, n, lo, hi, out) : detail::filter_range_portable(in, n, lo, hi, out);
}

}  // namespace tt::train
