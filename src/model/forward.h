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
#include <algorithm>
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

// bag_sum of four bags at once, each summed in its own feature order (the same sums as four
// calls): the four running sums hide the addition's latency. A lane past its bag's end adds -0.0,
// the identity of float addition (x + -0.0 == x for every x, zeros included).
template <size_t D, class T, class W, class Index>
void bag_sum4(const W* emb, const Index* const* f, const size_t* n, T* p, const T* scale) {
  W neg_zero[D];
  for (size_t d = 0; d < D; ++d) neg_zero[d] = -W(0);
  T acc[4][D];
  for (size_t r = 0; r < 4; ++r)
    for (size_t d = 0; d < D; ++d) acc[r][d] = T(0);
  const size_t m = std::max(std::max(n[0], n[1]), std::max(n[2], n[3]));
  for (size_t i = 0; i < m; ++i) {
    for (size_t r = 0; r < 4; ++r) {
      const W* row = i < n[r] ? emb + size_t{f[r][i]} * D : neg_zero;
      for (size_t d = 0; d < D; ++d) acc[r][d] += row[d];
    }
  }
  for (size_t r = 0; r < 4; ++r)
    for (size_t d = 0; d < D; ++d) p[r * D + d] = acc[r][d] * scale[r];
}

template <size_t D, class T, class W, class Index>
void bag_sums(const W* emb, const Index* const* f, const size_t* n, size_t count, T* p, const T* scale) {
  size_t r = 0;
  for (; r + 4 <= count; r += 4) bag_sum4<D>(emb, f + r, n + r, p + r * D, scale + r);
  for (; r < count; ++r) bag_sum<D>(emb, f[r], n[r], p + r * D, scale[r]);
}

}  // namespace detail

// The pooled vectors of `count` bags (bag r: features f[r][0, n[r])): p[r x D, (r + 1) x D) and
// scale[r], exactly as forward() sets a.p and a.scale for that bag. With D <= 3 four bags are
// summed at once (detail::bag_sum4).
template <class T, class W, class Index>
void pool_bags(const ModelShape& s, const W* emb, const Index* const* f, const size_t* n, size_t count, T* p,
               T* scale) {
  const size_t D = s.dim;
  for (size_t r = 0; r < count; ++r) scale[r] = static_cast<T>(pool_scale(s.pool, n[r]));
  switch (D) {  // the linear models' D (= outputs) in registers
    case 1: return detail::bag_sums<1>(emb, f, n, count, p, scale);
    case 2: return detail::bag_sums<2>(emb, f, n, count, p, scale);
    case 3: return detail::bag_sums<3>(emb, f, n, count, p, scale);
    default:
      for (size_t r = 0; r < count; ++r) {
        T* pr = p + r * D;
        for (size_t d = 0; d < D; ++d) pr[d] = T(0);
        for (size_t i = 0; i < n[r]; ++i) {
          const W* row = emb + size_t{f[r][i]} * D;
          for (size_t d = 0; d < D; ++d) pr[d] += row[d];
        }
        for (size_t d = 0; d < D; ++d) pr[d] *= scale[r];
      }
  }
}

// The layers after the pooling: a.p and a.scale set (by pool_bags) -> a.z1, a.a1 and a.z.
template <class T, class W>
void forward_pooled(const ModelShape& s, const Weights<W>& w, Activations<T>& a);

// Features f[0, n) (embedding row indices, repeats kept) -> a.p, a.z1, a.a1 and the logits a.z.
// `a` must be resized to the shape. Each pooled component sums its rows in feature order.
template <class T, class Acc = T, class W, class Index>
void forward(const ModelShape& s, const Weights<W>& w, const Index* f, size_t n, Activations<T>& a) {
  if constexpr (std::is_same<Acc, T>::value) {
    pool_bags(s, w.emb, &f, &n, 1, a.p.data(), &a.scale);
  } else {
    const size_t D = s.dim;
    a.scale = static_cast<T>(pool_scale(s.pool, n));
    for (size_t d = 0; d < D; ++d) {
      Acc sum = Acc(0);
      for (size_t i = 0; i < n; ++i) sum += w.emb[size_t{f[i]} * D + d];
      a.p[d] = static_cast<T>(sum) * a.scale;
    }
  }
  forward_pooled(s, w, a);
}

template <class T, class W>
void forward_pooled(const ModelShape& s, const Weights<W>& w, Activations<T>& a) {
  const size_t D = s.dim, H = s.hidden, K = s.outputs;
  const T* p = a.p.data();
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
