#include "quant/fake_quant.h"

#include <algorithm>
#include <cmath>

namespace tt::quant {

FakeQuant::FakeQuant(const ModelShape& s, QuantOptions opt)
    : shape_(s), opt_(opt), pooled_max_(s.linear ? 0 : s.dim, 0.0), hidden_max_(s.hidden, 0.0) {}

void FakeQuant::observe(const FloatModel& m, const uint16_t* f, size_t n) {
  ++seen_;
  if (shape_.linear) return;
  const uint32_t D = shape_.dim, H = shape_.hidden;
  std::vector<double> p(D, 0.0);
  for (size_t i = 0; i < n; ++i)
    for (uint32_t d = 0; d < D; ++d) p[d] += m.emb[size_t{f[i]} * D + d];
  const double sc = pool_scale(shape_.pool, n);
  for (uint32_t d = 0; d < D; ++d) {
    p[d] *= sc;
    pooled_max_[d] = std::max(pooled_max_[d], std::fabs(p[d]));
  }
  for (uint32_t h = 0; h < H; ++h) {
    double z = m.b1[h];
    for (uint32_t d = 0; d < D; ++d) z += m.w1[size_t{h} * D + d] * p[d];
    hidden_max_[h] = std::max(hidden_max_[h], z);
  }
}

void FakeQuant::observe_activations(const float* pooled, const float* hidden) {
  ++seen_;
  if (shape_.linear) return;
  for (uint32_t d = 0; d < shape_.dim; ++d) pooled_max_[d] = std::max(pooled_max_[d], std::fabs(double{pooled[d]}));
  for (uint32_t h = 0; h < shape_.hidden; ++h) hidden_max_[h] = std::max(hidden_max_[h], double{hidden[h]});
}

Ranges FakeQuant::ranges() const {
  Ranges r;
  r.pooled = pooled_max_;
  r.hidden = hidden_max_;
  for (auto& v : r.pooled) v *= opt_.margin;
  for (auto& v : r.hidden) v *= opt_.margin;
  r.examples = seen_;
  return r;
}

void FakeQuant::refresh(const FloatModel& master, FloatModel& shadow) const { shadow = dequantized(master, ranges()); }

}  // namespace tt::quant
