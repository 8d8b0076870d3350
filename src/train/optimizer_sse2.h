// An optimised variant of adagrad_scaled_rows1 (optimizer.h): AdaGrad of NB-scaled one-dim rows,
// four rows at a time with SSE2. Each lane does the portable loop's operations in the same order,
// so the bits are the same (tests/train_scale_test.cc, AdagradScaledRowsIsUpdateRowByRow).
#pragma once

#include <cstddef>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>

namespace tt::train::detail {

// Rows rows[0, n - n % 4) (distinct) of a D = 1 tensor trained as w = v r, AdaGrad with L2 `l2f`:
// g[f] r[f] is the gradient of v[f]; v, w and the sum of squares s1 are updated (g is not
// written). Returns the number of rows done; the caller does the rest.
inline size_t adagrad_scaled_rows1_sse2(float l2f, const uint32_t* rows, size_t n, const float* g, const float* r,
                                        float* v, float* w, float* s1, float lr) {
  size_t i = 0;
  const __m128 l2 = _mm_set1_ps(l2f), vlr = _mm_set1_ps(lr), eps = _mm_set1_ps(1e-6f);
  alignas(16) float vo[4], wo[4], so[4];
  for (; i + 4 <= n; i += 4) {
    const uint32_t a = rows[i], b = rows[i + 1], c = rows[i + 2], d = rows[i + 3];
    const __m128 rv = _mm_setr_ps(r[a], r[b], r[c], r[d]);
    const __m128 gv = _mm_mul_ps(_mm_setr_ps(g[a], g[b], g[c], g[d]), rv);
    __m128 vv = _mm_setr_ps(v[a], v[b], v[c], v[d]);
    const __m128 gi = _mm_add_ps(gv, _mm_mul_ps(l2, vv));
    const __m128 sv = _mm_add_ps(_mm_setr_ps(s1[a], s1[b], s1[c], s1[d]), _mm_mul_ps(gi, gi));
    vv = _mm_sub_ps(vv, _mm_div_ps(_mm_mul_ps(vlr, gi), _mm_add_ps(_mm_sqrt_ps(sv), eps)));
    _mm_store_ps(vo, vv);
    _mm_store_ps(wo, _mm_mul_ps(vv, rv));
    _mm_store_ps(so, sv);
    const uint32_t at[4] = {a, b, c, d};
    for (size_t k = 0; k < 4; ++k) v[at[k]] = vo[k], w[at[k]] = wo[k], s1[at[k]] = so[k];
  }
  return i;
}

}  // namespace tt::train::detail

#endif
