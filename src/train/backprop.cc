#include "train/backprop.h"

#include "model/forward.h"

namespace tt::train::detail {

double loss_and_grad(Head head, const float* z, const uint8_t* y, size_t K, const float* wpos, const float* wneg,
                     const float* wcls, float* dz) {
  return static_cast<double>(loss_grad<float>(head, z, y, K, wpos, wneg, wcls, dz));
}

double example_grads(const FloatModel& m, const uint16_t* f, size_t n, const uint8_t* y, const float* wpos,
                     const float* wneg, const float* wcls, Grads& g) {
  const ModelShape& s = m.shape;
  std::vector<double> emb(m.emb.begin(), m.emb.end()), w1(m.w1.begin(), m.w1.end()), b1(m.b1.begin(), m.b1.end()),
      w2(m.w2.begin(), m.w2.end()), b2(m.b2.begin(), m.b2.end());
  Weights<double> w{emb.data(), w1.data(), b1.data(), w2.data(), b2.data()};
  Cache<double> c;
  c.resize(s);
  tt::forward(s, w, f, n, c);
  const double loss = loss_grad<double>(s.head, c.z.data(), y, s.outputs, wpos, wneg, wcls, c.dz.data());
  backward(s, w, c);
  g.emb.assign(emb.size(), 0.0);
  g.w1.assign(w1.size(), 0.0);
  g.b1.assign(b1.size(), 0.0);
  g.w2.assign(w2.size(), 0.0);
  g.b2.assign(b2.size(), 0.0);
  const size_t D = s.dim, I = s.out_in();
  for (size_t i = 0; i < n; ++i)
    for (size_t d = 0; d < D; ++d) g.emb[size_t{f[i]} * D + d] += c.scale * c.dp[d];
  for (size_t k = 0; k < s.outputs; ++k) {
    g.b2[k] = c.dz[k];
    if (!s.linear)
      for (size_t j = 0; j < I; ++j) g.w2[k * I + j] = c.dz[k] * c.out_in(s)[j];
  }
  for (size_t h = 0; h < s.hidden; ++h) {
    g.b1[h] = c.dz1[h];
    for (size_t d = 0; d < D; ++d) g.w1[h * D + d] = c.dz1[h] * c.p[d];
  }
  return loss;
}

double nb_example_grads(const FloatModel& mv, const std::vector<float>& r, const uint16_t* f, size_t n,
                        const uint8_t* y, Grads& g) {
  FloatModel w = mv;
  for (size_t i = 0; i < w.emb.size(); ++i) w.emb[i] = mv.emb[i] * r[i];
  const double loss = example_grads(w, f, n, y, nullptr, nullptr, nullptr, g);
  for (size_t i = 0; i < g.emb.size(); ++i) g.emb[i] *= static_cast<double>(r[i]);
  return loss;
}

}  // namespace tt::train::detail
