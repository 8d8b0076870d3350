#include "numerics/fake_quant.h"

#include <algorithm>
#include <cmath>

#include "model/forward.h"

namespace tt::numerics {

FakeQuant::FakeQuant(const ModelShape& s, QuantOptions opt)
    : shape_(s), opt_(opt), pooled_max_(s.linear ? 0 : s.dim, 0.0), hidden_max_(s.hidden, 0.0) {}

void FakeQuant::observe(const FloatModel& m, const uint16_t* f, size_t n) {
  ++seen_;
  if (shape_.linear) return;
  Activations<double> a;
  a.resize(shape_);
  forward(shape_, weights_of(m), f, n, a);
  for (uint32_t d = 0; d < shape_.dim; ++d) pooled_max_[d] = std::max(pooled_max_[d], std::fabs(a.p[d]));
  for (uint32_t h = 0; h < shape_.hidden; ++h) hidden_max_[h] = std::max(hidden_max_[h], a.a1[h]);
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

}  // namespace tt::numerics
