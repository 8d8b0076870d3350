// model_read's stages after the sums: pooling and its requantiser, the dense layers, the head
// (argmax, sigmoid or softmax). Freestanding C++11.
#ifndef TINYTEXT_DETAIL_LAYERS_H
#define TINYTEXT_DETAIL_LAYERS_H

#include "../config.h"
#include "../image.h"
#include "../state.h"
#include "numerics.h"
#include "push.h"

namespace tt {
namespace detail {

// The pooling of n >= 1 features as one rescale: pooled = rescale(acc, den, p), den = m 2^16 with
// m in [2^14, 2^15], i.e. acc * m / 2^(p - 16) ~ acc * 2^8 / (n, sqrt(n) or 1). Mean: n scaled by
// 2^k into x in [2^15, 2^16), m = rsqrt_q14(x^2 / 2^16) ~ 2^30 / x, p = 38 - k. Sqrt: n scaled by
// 4^k into x in [2^14, 2^16), m = rsqrt_q14(x) ~ 2^22 / sqrt(x), p = 30 - k. (k < 0, right
// shifts truncating, only beyond 2^16 features.) Sum: m = 2^14, p = 22. No division; computed
// once per read. The factor m / 2^(p - 16) is within 2^-13.5 of 2^8 / n (2^8 / sqrt(n)).
inline void pool_divisor(uint8_t pool, uint32_t n, uint32_t* den, uint8_t* p) {
  uint32_t m = (uint32_t)1 << 14;
  uint8_t s = 22;
  if (pool != kPoolSum && n) {  // (n = 0: no features, the pooled value is 0)
    const bool sq = pool == kPoolSqrt;
    const uint8_t step = sq ? 2 : 1;
    uint32_t x = n;
    s = sq ? 30 : 38;
    while (x < (sq ? (uint32_t)1 << 14 : (uint32_t)1 << 15)) {
      x <<= step;
      --s;
    }
    while (x >> 16) {
      x >>= step;
      ++s;
    }
    m = rsqrt_q14((uint16_t)(sq ? x : (x * x) >> 16));  // mean: 1 / x = 1 / sqrt(x^2)
  }
  *den = m << 16;
  *p = s;
}

// The pooled value of one dim with 8 fraction bits: acc * 2^8 / n (mean), / sqrt(n) (sqrt) or
// acc * 2^8 (sum), by the factor of pool_divisor, rounded half away from zero, saturated to int32.
inline int32_t pool_q8(int32_t acc, uint32_t den, uint8_t p) { return rescale(acc, den, p); }

// model_read's stages after the pending word run in read_layers, whose frame never sits on top
// of the kernel's (read's copy of the state is all that does). The pooling and the head are
// inline in it (on the M0 the smallest nesting: read_layers' frame plus rescale's); the dense
// layers (the hidden activations) are out of line. With TT_SMALL (AVR) read_layers and the dense
// layers are inline in model_read: fewer prologues for a few bytes more of its frame.
#if TT_SMALL
#define TT_READ_STAGE TT_INLINE
#else
#define TT_READ_STAGE TT_COLD_CALL
#endif

// Pooling and its requantisation of out.features features: x[d] (or, for a linear model, the
// logits).
template <uint16_t D, uint16_t K, class M>
TT_INLINE void read_pool(typename ModelArg<M>::Type m, const int32_t* sums, int16_t* x, ModelScores<K>& out) {
  const uint32_t count = out.features;
  uint32_t den;
  uint8_t p;
  pool_divisor(m.pool, count, &den, &p);
  const bool linear = (m.flags & kModelLinear) != 0;
  const uint16_t dim = m.dim < D ? m.dim : D;
  for (uint16_t d = 0; d < D; ++d) x[d] = 0;  // (keeps gcc's -Wmaybe-uninitialized quiet; D stores)
  for (uint16_t d = 0; d < dim; ++d) {
    // Pooled, in embedding units with 8 fractional bits.
    const int32_t t = count ? pool_q8(sums[d], den, p) : 0;
    const FlashAddr image = image_of(m);
    const int32_t r = rescale_at(t, image + m.off_mpool + (uint32_t)d * kRescaleBytes);
    if (linear) {
      out.logit[d < K ? d : 0] = add_sat32(r, rd_i32(image + m.off_b2 + 4u * (uint32_t)d));
    } else {
      const int32_t ap = (int32_t)rd_u16(image + kHdrPoolLimit);
      x[d] = (int16_t)clamp32(r, -ap, ap);
    }
  }
}

// The hidden layer of a non-linear model (s.hidden > 0), its weights w1 at `w`:
// a[j] = clamp(rescale(b1[j] + W1[j] . x, m1[j]), 0, hidden limit) (ReLU and saturation) for
// j < s.hidden. Returns where w2 starts (after m1). (Also the host's explanation of an int8 model
// reads the activations here: src/report/explain.cc.)
TT_INLINE FlashAddr read_hidden(FlashAddr image, const ImageShape& s, FlashAddr w, const int16_t* x,
                                     int16_t* a) {
  const int32_t ah = (int32_t)rd_u16(image + kHdrHiddenLimit);
  FlashAddr b = w + section_bytes(kSecW1, s);  // b1
  FlashAddr q = b + section_bytes(kSecB1, s);  // m1
  for (uint16_t j = 0; j < s.hidden; ++j, b += 4, q += kRescaleBytes) {
    int32_t sum = rd_i32(b);
    for (uint16_t d = 0; d < s.dim; ++d) sum += rd_i8(w++) * (int32_t)x[d];
    a[j] = (int16_t)clamp32(rescale_at(sum, q), 0, ah);
  }
  return q;
}

// The hidden layer (if any) and the output layer of a non-linear model: the logits.
template <uint16_t D, uint16_t H, uint16_t K, class M>
TT_COLD_CALL void read_dense(typename ModelArg<M>::Type m, const int16_t* x, ModelScores<K>& out) {
  const uint16_t dim = m.dim < D ? m.dim : D;  // (model_read checked m.dim <= D, and so on)
  const uint16_t hidden = m.hidden < H ? m.hidden : H;
  const uint16_t outputs = m.outputs < K ? m.outputs : K;
  const FlashAddr image = image_of(m);
  const ImageShape s = {0u, dim, hidden, outputs, 0u, 0u, m.flags};  // the layers' shape (D, H, K within bounds)
  int16_t a[H ? H : 1];
  for (uint16_t j = 0; j < (H ? H : 1); ++j) a[j] = 0;
  const int16_t* in = x;
  uint16_t fan_in = dim;
  // The sections in order, each section_bytes long (w1, b1 and m1 are empty without a hidden layer).
  FlashAddr w = image + m.off_mpool + section_bytes(kSecPoolRequant, s);  // w1
  if (hidden) {
    w = read_hidden(image, s, w, x, a);  // w2
    in = a;
    fan_in = hidden;
  }
  FlashAddr b = image + m.off_b2;
  FlashAddr q = b + section_bytes(kSecB2, s);  // m2
  for (uint16_t k = 0; k < outputs; ++k, b += 4, q += kRescaleBytes) {
    int32_t sum = rd_i32(b);
    for (uint16_t j = 0; j < fan_in; ++j) sum += rd_i8(w++) * (int32_t)in[j];
    out.logit[k] = rescale_at(sum, q);
  }
}

// The head: argmax, probabilities (sigmoid per output or softmax) and ranking scores.
template <uint16_t K, class M>
TT_INLINE void read_head(typename ModelArg<M>::Type m, ModelScores<K>& out) {
  const uint16_t outputs = m.outputs < K ? m.outputs : K;
  for (uint16_t k = 1; k < outputs; ++k)
    if (out.logit[k] > out.logit[out.best]) out.best = k;

  if (K >= 2 && (m.flags & kModelSoftmax)) {  // (K = 1 cannot be softmax: compiled out)
    // e_k = e^-(top - z_k) in Q31, scaled down by 2^sh so that the sum of K of them fits 31 bits.
    const uint32_t top = (uint32_t)out.logit[out.best];
    uint8_t sh = 1;
    while (((uint32_t)1 << sh) < outputs) ++sh;
    uint32_t sum = 0;
    for (uint16_t k = 0; k < outputs; ++k) sum += exp_neg_q31(top - (uint32_t)out.logit[k]) >> sh;
    for (uint16_t k = 0; k < outputs; ++k) {
      const uint32_t e = exp_neg_q31(top - (uint32_t)out.logit[k]) >> sh;
      const uint32_t r = div_round(e, sum, 30);  // Q30, <= 2^30
      out.rank[k] = (int32_t)r;
      out.prob[k] = (uint16_t)((r + ((uint32_t)1 << 14)) >> 15);  // Q15, <= 32768
    }
  } else {
    for (uint16_t k = 0; k < outputs; ++k) {
      out.prob[k] = sigmoid_q15(out.logit[k]);
      out.rank[k] = out.logit[k];
    }
  }
}

// model_read from the sums of the text so far (pending word included) on: the text row, then
// the layers. Out of line (but with TT_SMALL): its locals are not in read's frame, which sits
// under the kernel's (the peak of RAM).
template <class M, uint16_t D, uint16_t H, uint16_t K>
TT_READ_STAGE void read_layers(typename ModelArg<M>::Type m, int32_t* sums, uint32_t count, ModelScores<K>& out) {
  // The text row: c times per text, as if it were the last c features (model_push never adds it).
  if (m.flags & kModelTextRow) {
    detail::Sums<M, D> sink(m, sums);
    sink.add_rows(m.tokenizer.buckets, text_row_count(m));
    sink.store(sums);
    count += text_row_count(m);
  }
  out.features = count;
  int16_t x[D];
  detail::read_pool<D, K, M>(m, sums, x, out);
  if (!(m.flags & kModelLinear)) detail::read_dense<D, H, K, M>(m, x, out);
  detail::read_head<K, M>(m, out);
}

// The byte model_read pushes into a copy of the state to end the pending word.
static const uint8_t kEndOfText = ' ';

// The body of model_read (out of line; the model by value if static).
template <class M, uint16_t D, uint16_t H, uint16_t K>
TT_COLD_CALL void read(typename ModelArg<M>::Type m, const ModelState<D, H, K>& s, ModelScores<K>& out) {
  out.outputs = m.outputs;
  out.best = 0;
  out.features = 0;
  for (uint16_t k = 0; k < K; ++k) {
    out.logit[k] = 0;
    out.rank[k] = 0;
    out.prob[k] = 0;
  }
  if (!s.limit || m.dim > D || m.hidden > H || m.outputs > K) {  // a caller bug; stay in bounds
    TT_ASSERT(s.limit);
    return;
  }
  // The pending word ends in a copy of the kernel's part of the state (SumsState: no limit),
  // through the kernel (a separator byte ends a word and emits nothing else), so model_read
  // leaves s as it is and has no code of its own for a word's end. The copy is this frame's one
  // local: it sits under the kernel's frame, the peak of RAM.
  SumsState<D> t = s;
  detail::push_run<M>(m, t, &kEndOfText, &kEndOfText + 1);
  read_layers<M, D, H, K>(m, t.acc, t.count, out);
}
}  // namespace detail
}  // namespace tt

#endif  // TINYTEXT_DETAIL_LAYERS_H
