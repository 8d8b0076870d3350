// The float model's forward pass, one body for every caller: FloatModel's scores, the trainer (in
// float, and in double for the gradient check), the exact table's selection pass, calibration
// and quantisation-aware training. As fastText's Model::computeHidden serves predict and update.
//
// Three types, so each caller keeps the arithmetic it needs:
//   W    the stored weights (float; double in the gradient check),
//   Acc  the bag's running sum (double where a long bag must not lose low bits),
//   T    the activations (pooled vector, hidden layer, logits).
// The pooling scale is always the float model's (pool_scale, float), converted to T, so every
// caller pools exactly as the model does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "model/float_model.h"

namespace tt {

// Read-only views of a model's tensors (FloatModel's layout; nullptr for the ones a shape lacks).
template <class W>
struct Weights {
  const W* emb;  // rows x D
  const W* w1;   // H x D
  const W* b1;   // H
  const W* w2;   // K x out_in (unused when linear)
  const W* b2;   // K
};

inline Weights<float> weights_of(const FloatModel& m) {
  return {m.emb.data(), m.w1.data(), m.b1.data(), m.w2.data(), m.b2.data()};
}

// One example's activations. Sizes: p: D; z1, a1: H; z: K.
template <class T>
struct Activations {
  std::vector<T> p, z1, a1, z;  // pooled embedding, hidden pre-activation and ReLU, logits
  T scale = 0;                  // the pooling scale applied to the bag's sum
  void resize(const ModelShape& s) {
    p.assign(s.dim, T(0));
    z1.assign(s.hidden, T(0));
    a1.assign(s.hidden, T(0));
    z.assign(s.outputs, T(0));
  }
  // The input of the output layer: the hidden activations, or the pooled embedding.
  const T* out_in(const ModelShape& s) const { return s.hidden ? a1.data() : p.data(); }
};

namespace detail {

// p[d] = scale x the sum over i of emb[f[i] x D + d], summed in feature order: with D fixed at
// compile time the D running sums stay in registers (the same additions, the same result).
template <size_t D, class T, class W, class Index>
void bag_sum(const W* emb, const Index* f, size_t n, T* p, T scale) {
  T acc[D];
  for (size_t d = 0; d < D; ++d) acc[d] = T(0);
  for (size_t i = 0; i < n; ++i) {
    const W* row = emb + size_t{f[i]} * D;
    for (size_t d = 0; d < D; ++d) acc[d] += row[d];
  }
  for (size_t d = 0; d < D; ++d) p[d] = acc[d] * scale;
}

}  // namespace detail

// Features f[0, n) (embedding row indices, repeats kept) -> a.p, a.z1, a.a1 and the logits a.z.
// `a` must be resized to the shape. Each pooled component sums its rows in feature order.
template <class T, class Acc = T, class W, class Index>
void forward(const ModelShape& s, const Weights<W>& w, const Index* f, size_t n, Activations<T>& a) {
  const size_t D = s.dim, H = s.hidden, K = s.outputs;
  T* p = a.p.data();
  a.scale = static_cast<T>(pool_scale(s.pool, n));
  if constexpr (std::is_same<Acc, T>::value) {
    switch (D) {  // the linear models' D (= outputs) in registers
      case 1: detail::bag_sum<1>(w.emb, f, n, p, a.scale); break;
      case 2: detail::bag_sum<2>(w.emb, f, n, p, a.scale); break;
      case 3: detail::bag_sum<3>(w.emb, f, n, p, a.scale); break;
      default:
        for (size_t d = 0; d < D; ++d) p[d] = T(0);
        for (size_t i = 0; i < n; ++i) {
          const W* row = w.emb + size_t{f[i]} * D;
          for (size_t d = 0; d < D; ++d) p[d] += row[d];
        }
        for (size_t d = 0; d < D; ++d) p[d] *= a.scale;
    }
  } else {
    for (size_t d = 0; d < D; ++d) {
      Acc sum = Acc(0);
      for (size_t i = 0; i < n; ++i) sum += w.emb[size_t{f[i]} * D + d];
      p[d] = static_cast<T>(sum) * a.scale;
    }
  }
  if (s.linear) {
    for (size_t k = 0; k < K; ++k) a.z[k] = p[k] + w.b2[k];
    return;
  }
  for (size_t h = 0; h < H; ++h) {
    T z = w.b1[h];
    const W* wr = w.w1 + h * D;
    for (size_t d = 0; d < D; ++d) z += wr[d] * p[d];
    a.z1[h] = z;
    a.a1[h] = z > T(0) ? z : T(0);
  }
  const size_t I = s.out_in();
  const T* in = a.out_in(s);
  for (size_t k = 0; k < K; ++k) {
    T z = w.b2[k];
    const W* wr = w.w2 + k * I;
    for (size_t j = 0; j < I; ++j) z += wr[j] * in[j];
    a.z[k] = z;
  }
}

}  // namespace tt
