// The optimisers: AdaGrad and Adam on one tensor's rows, with the L2 penalty added to the
// gradient. The trainer updates only the rows a batch touches (lazy updates); the exact table's
// selection pass uses the same AdaGrad.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "model/float_model.h"

namespace tt::train {

enum class Optimizer : uint8_t { kAdagrad, kAdam };

// Optimiser state for one tensor.
struct ParamState {
  std::vector<float> g1, g2;  // AdaGrad: g1 = sum of squares. Adam: g1 = m, g2 = v.
};

struct OptConfig {
  Optimizer kind;
  float l2;
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
  float adagrad_init = 0.0f;
};

// Updates w[0, n) with gradient g; `lr` already scheduled. bc1/bc2: Adam bias corrections.
inline void update(const OptConfig& o, float* w, const float* g, float* s1, float* s2, size_t n, float lr, float bc1,
                   float bc2) {
  if (o.kind == Optimizer::kAdagrad) {
    for (size_t i = 0; i < n; ++i) {
      const float gi = g[i] + o.l2 * w[i];
      s1[i] += gi * gi;
      w[i] -= lr * gi / (std::sqrt(s1[i]) + 1e-6f);
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      const float gi = g[i] + o.l2 * w[i];
      s1[i] = o.beta1 * s1[i] + (1 - o.beta1) * gi;
      s2[i] = o.beta2 * s2[i] + (1 - o.beta2) * gi * gi;
      w[i] -= lr * (s1[i] / bc1) / (std::sqrt(s2[i] / bc2) + o.eps);
    }
  }
}

// update() on rows [at, at + n) of a tensor whose state is `s`.
inline void update_at(const OptConfig& o, float* w, const float* g, ParamState& s, size_t at, size_t n, float lr,
                      float bc1, float bc2) {
  update(o, w, g, &s.g1[at], s.g2.empty() ? nullptr : &s.g2[at], n, lr, bc1, bc2);
}

// AdaGrad on rows rows[0, n) (distinct) of a D = 1 tensor trained as w = v r (NB-scaled linear
// training): for each row f, g[f] *= r[f], update(o, &v[f], &g[f], &s1[f], ...) and
// w[f] = v[f] r[f]. An optimised variant of that loop: with SSE2, four rows at a time, each lane
// doing the scalar's operations in the same order (so the same bits).
inline void adagrad_scaled_rows1(const OptConfig& o, const uint32_t* rows, size_t n, float* g, const float* r,
                                 float* v, float* w, float* s1, float lr) {
  size_t i = 0;
#if defined(__SSE2__)
  const __m128 l2 = _mm_set1_ps(o.l2), vlr = _mm_set1_ps(lr), eps = _mm_set1_ps(1e-6f);
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
#endif
  for (; i < n; ++i) {
    const uint32_t f = rows[i];
    g[f] *= r[f];
    update(o, &v[f], &g[f], &s1[f], nullptr, 1, lr, 1.0f, 1.0f);
    w[f] = v[f] * r[f];
  }
}

// The optimiser state of every tensor of a FloatModel.
struct ModelOptState {
  ParamState emb, w1, b1, w2, b2;
  // Zeroed state sized for `m`.
  void reset(const FloatModel& m, const OptConfig& o) {
    alloc(emb, m.emb.size(), o);
    alloc(w1, m.w1.size(), o);
    alloc(b1, m.b1.size(), o);
    alloc(w2, m.w2.size(), o);
    alloc(b2, m.b2.size(), o);
  }

 private:
  static void alloc(ParamState& s, size_t n, const OptConfig& o) {
    s.g1.assign(n, o.kind == Optimizer::kAdam ? 0.0f : o.adagrad_init);
    s.g2.assign(o.kind == Optimizer::kAdam ? n : 0, 0.0f);
  }
};

}  // namespace tt::train
