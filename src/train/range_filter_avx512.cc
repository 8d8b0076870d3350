// An optimised variant of filter_range (range_filter.h): 32 features at a time, compared with
// AVX-512BW and compressed with VBMI2. Compiled for those extensions only in this function, and
// called only when the CPU has them (has_filter_range_avx512).
#include "train/range_filter.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TT_FILTER_AVX512 1
#endif

namespace tt::train::detail {

#if TT_FILTER_AVX512

bool has_filter_range_avx512() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vbmi2");
}

__attribute__((target("avx512f,avx512bw,avx512vbmi2"))) size_t filter_range_avx512(const uint16_t* in, size_t n,
                                                                                      uint32_t lo, uint32_t hi,
                                                                                      uint16_t* out) {
  if (hi - lo > 0xFFFF) return filter_range_portable(in, n, lo, hi, out);  // every feature: [0, 65536)
  // lo <= f < hi as (f - lo) mod 2^16 < hi - lo, unsigned.
  const __m512i vlo = _mm512_set1_epi16(static_cast<short>(lo));
  const __m512i vsize = _mm512_set1_epi16(static_cast<short>(hi - lo));
  size_t k = 0;
  for (size_t q = 0; q < n; q += 32) {
    const __mmask32 live = n - q >= 32 ? ~__mmask32{0} : static_cast<__mmask32>((uint64_t{1} << (n - q)) - 1);
    const __m512i f = _mm512_maskz_loadu_epi16(live, in + q);
    const __mmask32 m = _mm512_mask_cmplt_epu16_mask(live, _mm512_sub_epi16(f, vlo), vsize);
    _mm512_storeu_si512(out + k, _mm512_maskz_compress_epi16(m, f));
    k += static_cast<size_t>(__builtin_popcount(m));
  }
  return k;
}

#else

bool has_filter_range_avx512() { return false; }

size_t filter_range_avx512(const uint16_t* in, size_t n, uint32_t lo, uint32_t hi, uint16_t* out) {
  return filter_range_portable(in, n, lo, hi, out);
}

#endif

}  // namespace tt::train::detail
