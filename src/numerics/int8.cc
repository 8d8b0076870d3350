#include "numerics/int8.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.h"
#include "tinytext/model.h"  // kModelMaxDim, and the bounds model_open checks (image.h)

namespace tt::numerics {

namespace {

// Round half away from zero (std::round), saturated to [lo, hi].
int64_t round_sat(double v, int64_t lo, int64_t hi) {
  if (std::isnan(v)) return 0;
  const double r = std::round(v);
  if (r <= static_cast<double>(lo)) return lo;
  if (r >= static_cast<double>(hi)) return hi;
  return static_cast<int64_t>(r);
}

// A dense layer per row: the input scales `in` folded into the columns, then one scale per row
// (max |w| / 127), int8 weights and int32 biases in that scale.
void quantize_rows(const std::vector<float>& w, const std::vector<float>& b, uint32_t rows, uint32_t cols,
                   const std::vector<double>& in, std::vector<int8_t>& wq, std::vector<int32_t>& bq,
                   std::vector<double>& scale) {
  scale.assign(rows, 1.0);
  wq.resize(size_t{rows} * cols);
  bq.resize(rows);
  for (uint32_t r = 0; r < rows; ++r) {
    double mx = 0;
    for (uint32_t c = 0; c < cols; ++c) mx = std::max(mx, std::fabs(w[size_t{r} * cols + c] * in[c]));
    if (mx > 0) scale[r] = mx / 127.0;
    for (uint32_t c = 0; c < cols; ++c)
      wq[size_t{r} * cols + c] = static_cast<int8_t>(round_sat(w[size_t{r} * cols + c] * in[c] / scale[r], -127, 127));
    bq[r] = static_cast<int32_t>(round_sat(b[r] / scale[r], -kAccBound, kAccBound));
  }
}

// Scales of activations from their ranges. A range of 0 (never active in calibration) takes the
// smallest live scale: a large made-up scale would dominate the per-row weight scale of the next
// layer (its weights are folded with the activation scale) and zero out the live inputs.
std::vector<double> act_scales(const std::vector<double>& range, double limit) {
  double smallest = 0;
  for (double r : range)
    if (r > 0 && (smallest == 0 || r < smallest)) smallest = r;
  if (smallest == 0) smallest = limit;  // nothing live: scale 1
  std::vector<double> s(range.size());
  for (size_t i = 0; i < range.size(); ++i) s[i] = (range[i] > 0 ? range[i] : smallest) / limit;
  return s;
}

// The largest activation limit model_open accepts for a layer of this fan-in (include/tinytext/image.h).
uint16_t act_limit(uint32_t fan_in) {
  return static_cast<uint16_t>(std::min<uint32_t>(kMaxActLimit, kMaxLimitFanIn / fan_in));
}

}  // namespace

int32_t threshold_q16(double p) {
  if (!(p > 0)) return INT32_MIN;
  if (!(p < 1)) return INT32_MAX;
  const double z = std::log(p / (1 - p)) * 65536.0;
  return static_cast<int32_t>(std::max<double>(INT32_MIN, std::min<double>(INT32_MAX, std::ceil(z - 1e-9))));
}

Int8Plan make_plan(const FloatModel& m, const Ranges& r) {
  const ModelShape& s = m.shape;
  const uint32_t B = s.rows(), D = s.dim, H = s.hidden, K = s.outputs;  // B: embedding rows
  if (D > kModelMaxDim || H > kModelMaxDim || K > kModelMaxDim)
    throw Error("the device runtime handles at most " + std::to_string(kModelMaxDim) + " dims/units/outputs");
  if ((!s.linear && r.pooled.size() != D) || r.hidden.size() != H)
    throw Error("internal error: activation ranges do not match the model shape");
  Int8Plan p;
  p.se.assign(D, 1.0);
  for (uint32_t d = 0; d < D; ++d) {
    double mx = 0;
    for (uint32_t b = 0; b < B; ++b) mx = std::max(mx, std::fabs(double{m.emb[size_t{b} * D + d]}));
    if (mx > 0) p.se[d] = mx / 127.0;
  }
  p.emb.resize(size_t{B} * D);
  for (uint32_t b = 0; b < B; ++b)
    for (uint32_t d = 0; d < D; ++d)
      p.emb[size_t{b} * D + d] = static_cast<int8_t>(round_sat(m.emb[size_t{b} * D + d] / p.se[d], -127, 127));
  p.mpool.resize(D);
  if (s.linear) {
    // logit (Q16.16) = t * se / 256 * 65536, t the pooled sum with 8 fractional bits.
    for (uint32_t d = 0; d < D; ++d) p.mpool[d] = p.se[d] * 256.0;
    p.b2.resize(K);
    for (uint32_t k = 0; k < K; ++k)
      p.b2[k] = static_cast<int32_t>(round_sat(double{m.b2[k]} * 65536.0, INT32_MIN, INT32_MAX));
  } else {
    p.ap = act_limit(D);
    p.sp = act_scales(r.pooled, p.ap);
    for (uint32_t d = 0; d < D; ++d) {
      p.mpool[d] = p.se[d] / (256.0 * p.sp[d]);
    }
    p.sx = p.sp;
    if (H) {
      p.ah = act_limit(H);
      quantize_rows(m.w1, m.b1, H, D, p.sp, p.w1, p.b1, p.sw1);
      p.sa = act_scales(r.hidden, p.ah);
      p.m1.resize(H);
      for (uint32_t h = 0; h < H; ++h) p.m1[h] = p.sw1[h] / p.sa[h];
      p.sx = p.sa;
    }
    const uint32_t I = s.out_in();
    quantize_rows(m.w2, m.b2, K, I, p.sx, p.w2, p.b2, p.sw2);
    p.m2.resize(K);
    for (uint32_t k = 0; k < K; ++k) p.m2[k] = p.sw2[k] * 65536.0;
  }
  p.thr.resize(K);
  for (uint32_t k = 0; k < K; ++k) p.thr[k] = threshold_q16(m.threshold[k]);
  return p;
}

FloatModel dequantized(const FloatModel& m, const Ranges& ranges) {
  const ModelShape& s = m.shape;
  const Int8Plan p = make_plan(m, ranges);
  const uint32_t B = s.rows(), D = s.dim, H = s.hidden, K = s.outputs;  // B: embedding rows
  FloatModel out = m;
  for (uint32_t b = 0; b < B; ++b)
    for (uint32_t d = 0; d < D; ++d)
      out.emb[size_t{b} * D + d] = static_cast<float>(p.emb[size_t{b} * D + d] * p.se[d]);
  if (s.linear) {
    for (uint32_t k = 0; k < K; ++k) out.b2[k] = static_cast<float>(p.b2[k] / 65536.0);
    return out;
  }
  for (uint32_t h = 0; h < H; ++h) {
    for (uint32_t d = 0; d < D; ++d)
      out.w1[size_t{h} * D + d] = static_cast<float>(p.w1[size_t{h} * D + d] * p.sw1[h] / p.sp[d]);
    out.b1[h] = static_cast<float>(p.b1[h] * p.sw1[h]);
  }
  const uint32_t I = s.out_in();
  for (uint32_t k = 0; k < K; ++k) {
    for (uint32_t j = 0; j < I; ++j)
      out.w2[size_t{k} * I + j] = static_cast<float>(p.w2[size_t{k} * I + j] * p.sw2[k] / p.sx[j]);
    out.b2[k] = static_cast<float>(p.b2[k] * p.sw2[k]);
  }
  return out;
}

}  // namespace tt::numerics
