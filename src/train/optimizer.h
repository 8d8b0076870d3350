// The optimisers: AdaGrad and Adam on one tensor's rows, with the L2 penalty added to the
// gradient. The trainer updates only the rows a batch touches (lazy updates); the exact table's
// selection pass uses the same AdaGrad.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/float_model.h"
#include "train/optimizer_sse2.h"

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
// w[f] = v[f] r[f]. With SSE2 the rows go four at a time through the optimised variant in
// optimizer_sse2.h (the same bits); the rest, or every row elsewhere, through this loop.
inline void adagrad_scaled_rows1(const OptConfig& o, const uint32_t* rows, size_t n, float* g, const float* r,
                                 float* v, float* w, float* s1, float lr) {
  size_t i = 0;
#if defined(__SSE2__)
  i = detail::adagrad_scaled_rows1_sse2(o.l2, rows, n, g, r, v, w, s1, lr);
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
