// The features of a list that fall in a range of embedding rows, in their order: how the threads
// split a batch's gradient sums by rows (train/loop.cc). The portable loop, and with AVX-512 (BW
// and VBMI2, checked at run time) an optimised variant (range_filter_avx512.cc) that gives the
// same output (tests/train_scale_test.cc, RangeFilterVariantsAgree).
#pragma once

#include <cstddef>
#include <cstdint>

namespace tt::train {

// Room `out` needs past n values: the optimised variant stores whole vectors.
constexpr size_t kFilterSlack = 32;

// Writes the f of in[0, n) with lo <= f < hi to out, in order, and returns their count. `out`
// has room for n + kFilterSlack values; hi <= 65536.
size_t filter_range(const uint16_t* in, size_t n, uint32_t lo, uint32_t hi, uint16_t* out);

namespace detail {

size_t filter_range_portable(const uint16_t* in, size_t n, uint32_t lo, uint32_t hi, uint16_t* out);
// Whether this CPU runs filter_range_avx512.
bool has_filter_range_avx512();
// Only where has_filter_range_avx512().
size_t filter_range_avx512(const uint16_t* in, size_t n, uint32_t lo, uint32_t hi, uint16_t* out);

}  // namespace detail
}  // namespace tt::train
