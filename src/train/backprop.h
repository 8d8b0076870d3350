// The float model's loss and backward pass for one example, templated on the scalar type so the
// gradient check runs the same code in double (tests/gradcheck_test.cc). The forward pass is the
// model's own (model/forward.h).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/float_model.h"
#include "model/forward.h"

namespace tt::train::detail {

// One example's activations (the forward pass's) and gradients. Sizes: dz: K; dz1: H; dp: D.
template <class T>
struct Cache : Activations<T> {
  std::vector<T> dz, dz1, dp;
  void resize(const ModelShape& s) {
    Activations<T>::resize(s);
    dp.assign(s.dim, T(0));
    dz1.assign(s.hidden, T(0));
    dz.assign(s.outputs, T(0));
  }
};
// Loss of one example and dL/dz. Sigmoid: sum over outputs of w(y) * BCE, with w = wpos/wneg per
// output (nullptr: 1). Softmax: w[c] * cross-entropy of the true class c (wcls nullptr: 1); `y`
// must hold exactly one 1.
template <class T>
T loss_grad(Head head, const T* z, const uint8_t* y, size_t K, const float* wpos, const float* wneg,
            const float* wcls, T* dz) {
  T loss = 0;
  if (head == Head::kSigmoid) {
    for (size_t k = 0; k < K; ++k) {
      const T wt = y[k] ? (wpos ? T(wpos[k]) : T(1)) : (wneg ? T(wneg[k]) : T(1));
      const T x = z[k];
      // softplus(x) - y x, computed stably.
      const T sp = (x > T(0) ? x : T(0)) + std::log1p(std::exp(-std::fabs(x)));
      loss += wt * (sp - (y[k] ? x : T(0)));
      const T sg = x >= T(0) ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x));
      dz[k] = wt * (sg - T(y[k] ? 1 : 0));
    }
    return loss;
  }
  size_t c = 0;
  for (size_t k = 0; k < K; ++k)
    if (y[k]) c = k;
  T m = z[0];
  for (size_t k = 1; k < K; ++k) m = z[k] > m ? z[k] : m;
  T sum = 0;
  for (size_t k = 0; k < K; ++k) sum += std::exp(z[k] - m);
  const T lse = m + std::log(sum);
  const T wt = wcls ? T(wcls[c]) : T(1);
  for (size_t k = 0; k < K; ++k) dz[k] = wt * (std::exp(z[k] - lse) - T(k == c ? 1 : 0));
  return wt * (lse - z[c]);
}

// Back-propagates c.dz: fills c.dz1 (dL/d pre-activation of the hidden layer) and c.dp (dL/dp,
// the pooled embedding). The parameter gradients are then:
//   emb[f_i] += scale * dp (per occurrence); w2 += dz (x) out_in; b2 += dz;
//   w1 += dz1 (x) p; b1 += dz1.
template <class T>
void backward(const ModelShape& s, const Weights<T>& w, Cache<T>& c) {
  const size_t D = s.dim, H = s.hidden, K = s.outputs;
  if (s.linear) {
    for (size_t d = 0; d < D; ++d) c.dp[d] = c.dz[d];
    return;
  }
  const size_t I = s.out_in();
  if (H) {
    for (size_t h = 0; h < H; ++h) {
      T g = 0;
      for (size_t k = 0; k < K; ++k) g += w.w2[k * I + h] * c.dz[k];
      c.dz1[h] = c.z1[h] > T(0) ? g : T(0);
    }
    for (size_t d = 0; d < D; ++d) {
      T g = 0;
      for (size_t h = 0; h < H; ++h) g += w.w1[h * D + d] * c.dz1[h];
      c.dp[d] = g;
    }
  } else {
    for (size_t d = 0; d < D; ++d) {
      T g = 0;
      for (size_t k = 0; k < K; ++k) g += w.w2[k * I + d] * c.dz[k];
      c.dp[d] = g;
    }
  }
}

// ---- Whole gradients, for the gradient check ----------------------------------------------------

// Per-example loss and gradient w.r.t. the logits. `y` has K 0/1 targets; `wpos/wneg` (sigmoid)
// or `wcls` (softmax, per class) are class weights. Returns the loss; writes dz (size K).
double loss_and_grad(Head head, const float* z, const uint8_t* y, size_t K, const float* wpos, const float* wneg,
                     const float* wcls, float* dz);

// Gradients of the loss w.r.t. every parameter for one example (dense, for the gradient check).
struct Grads {
  std::vector<double> emb, w1, b1, w2, b2;
};
double example_grads(const FloatModel& m, const uint16_t* f, size_t n, const uint8_t* y, const float* wpos,
                     const float* wneg, const float* wcls, Grads& g);
// The gradient w.r.t. v of one example's loss for a linear model whose weights are emb = v r
// (elementwise; r as from nb_ratios), for the gradient check: g_v = r g_emb.
double nb_example_grads(const FloatModel& m_with_v, const std::vector<float>& r, const uint16_t* f, size_t n,
                        const uint8_t* y, Grads& g);

}  // namespace tt::train::detail
