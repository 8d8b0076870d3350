#include "report/explain.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>

#include "common/error.h"
#include "model/forward.h"
#include "tokenize/reference.h"

namespace tt::report {

namespace {

const char* kind_name(uint8_t k) { return k == kFeatureChar ? "char" : k == kFeatureWord ? "word" : "bigram"; }

// The features of `text` with their n-gram texts, mapped to rows as the model maps them.
std::vector<Feature> features_of(const ModelShape& s, const FeatureMap& map, const std::string& text,
                                 const std::vector<uint16_t>& expect) {
  std::vector<Feature> out;
  for (const Token& t : reference_tokens(s.tokenizer, text))
    out.push_back({t.text, kind_name(t.kind), t.pos, map(t.hash), {}});
  if (s.text_row) out.push_back({"(text row)", "text row", 0, s.tokenizer.buckets, {}});
  // The reference tokenizer and the device's must agree (they are tested to); check it here so an
  // explanation never names the wrong n-grams.
  size_t j = 0;
  for (const Feature& f : out) {
    const size_t times = f.kind == "text row" ? s.text_row_count : 1;
    for (size_t c = 0; c < times; ++c, ++j)
      if (j >= expect.size() || expect[j] != f.row) throw Error("internal error: explain's features differ from the model's");
  }
  if (j != expect.size()) throw Error("internal error: explain's features differ from the model's");
  // The distinct n-grams reading each row, in order of first appearance.
  std::map<uint32_t, std::vector<std::string>> texts;
  for (const Feature& f : out) {
    auto& v = texts[f.row];
    if (std::find(v.begin(), v.end(), f.text) == v.end()) v.push_back(f.text);
  }
  for (Feature& f : out)
    for (const std::string& other : texts[f.row])
      if (other != f.text) f.shares_row.push_back(other);
  return out;
}

double times_of(const Feature& f, const ModelShape& s) { return f.kind == "text row" ? s.text_row_count : 1; }

Explanation explain_float(const FloatModel& m, const std::string& text) {
  const ModelShape& s = m.shape;
  const std::vector<uint16_t> rows = m.features(text);
  Explanation e;
  e.features = features_of(s, m.feature_map(), text, rows);
  Activations<double> a;
  a.resize(s);
  forward<double, double>(s, weights_of(m), rows.data(), rows.size(), a);
  const size_t D = s.dim, H = s.hidden, K = s.outputs, I = s.out_in();
  e.scale = a.scale;
  for (size_t k = 0; k < K; ++k) {
    LabelExplanation l;
    l.label = m.labels[k];
    l.logit = a.z[k];
    std::vector<double> v(D, 0.0);  // logit_k = bias + scale * v . (sum of the rows)
    if (s.linear) {
      v[k] = 1;
      l.bias = m.b2[k];
    } else if (!H) {
      for (size_t d = 0; d < D; ++d) v[d] = m.w2[k * I + d];
      l.bias = m.b2[k];
    } else {
      l.bias = m.b2[k];
      for (size_t h = 0; h < H; ++h) {
        if (!(a.z1[h] > 0)) continue;
        const double w = m.w2[k * I + h];
        l.bias += w * m.b1[h];
        for (size_t d = 0; d < D; ++d) v[d] += w * m.w1[h * D + d];
      }
    }
    for (const Feature& f : e.features) {
      double dot = 0;
      for (size_t d = 0; d < D; ++d) dot += v[d] * m.emb[size_t{f.row} * D + d];
      l.contrib.push_back(a.scale * dot * times_of(f, s));
    }
    e.labels.push_back(std::move(l));
  }
  return e;
}

// The real factor the device's rescale(x, mult, shift) multiplies by: mult to 16 bits, / 2^(shift - 16).
double rescale_factor(uint32_t mult, uint8_t shift) {
  return std::ldexp(static_cast<double>((mult + 0x8000u) >> 16), 16 - static_cast<int>(shift));
}
double rescale_factor_at(const uint8_t* p) { return rescale_factor(detail::rd_u32(p), p[4]); }

// The device's layers (a dense head) on `count` features' sums: its hidden activations `a` and its
// scores, by the device runtime's own code.
void device_layers(const tt::Model& m, const int32_t* sums, uint32_t count, int16_t* a, ModelScores<kModelMaxDim>& sc) {
  const uint8_t* img = m.image;
  const ImageShape is = detail::model_shape(m);
  sc = ModelScores<kModelMaxDim>{};
  sc.features = count;
  int16_t x[kModelMaxDim] = {};
  detail::read_pool<kModelMaxDim, kModelMaxDim, tt::Model>(m, sums, x, sc);
  if (is.hidden) detail::read_hidden(img, is, img + m.off_mpool + section_bytes(kSecPoolRequant, is), x, a);
  detail::read_dense<kModelMaxDim, kModelMaxDim, kModelMaxDim, tt::Model>(m, x, sc);
}

// An int8 model with a dense head (explain.h): the sums, the device's activations, the split.
void explain_dense(const quant::QuantModel& q, const tt::Model& m, const uint8_t* emb, const quant::IntScores& r,
                   Explanation& e) {
  const ModelShape& s = q.shape;
  const uint8_t* img = reinterpret_cast<const uint8_t*>(q.image.data());
  const ImageShape is = detail::model_shape(m);
  const size_t D = s.dim, H = s.hidden, K = s.outputs;
  e.dense = true;
  // The board's sums: every feature's int8 row added (the text row c times), as model_push does.
  e.sums.assign(D, 0);
  for (const Feature& f : e.features)
    for (size_t d = 0; d < D; ++d)
      e.sums[d] += static_cast<int8_t>(emb[size_t{f.row} * D + d]) * static_cast<int64_t>(times_of(f, s));
  int32_t sums[kModelMaxDim] = {};
  for (size_t d = 0; d < D; ++d) {
    if (e.sums[d] < INT32_MIN || e.sums[d] > INT32_MAX) throw Error("internal error: an int32 sum overflows");
    sums[d] = static_cast<int32_t>(e.sums[d]);
  }
  ModelScores<kModelMaxDim> sc{};
  int16_t a[kModelMaxDim] = {};
  device_layers(m, sums, r.features, a, sc);
  const uint8_t* w1 = img + m.off_mpool + section_bytes(kSecPoolRequant, is);
  const uint8_t* w2 = H ? w1 + section_span(kSecW1, kSecW2, is) : w1;
  for (size_t k = 0; k < K; ++k)
    if (sc.logit[k] != r.logit[k]) throw Error("internal error: the features' sums do not give the device's logit");
  e.hidden.assign(a, a + H);

  // g[d]: what one unit of sums[d] adds to the pooled vector x[d] (pooling times its requantiser).
  uint32_t den;
  uint8_t p;
  detail::pool_divisor(m.pool, r.features, &den, &p);
  std::vector<double> g(D, 0.0);
  if (r.features)
    for (size_t d = 0; d < D; ++d)
      g[d] = rescale_factor(den, p) * rescale_factor_at(img + m.off_mpool + d * detail::kRescaleBytes);
  const uint8_t* b1 = w1 + section_bytes(kSecW1, is);
  const uint8_t* m1 = b1 + section_bytes(kSecB1, is);
  const uint8_t* b2 = img + m.off_b2;
  const uint8_t* m2 = b2 + section_bytes(kSecB2, is);
  const size_t I = H ? H : D;  // the output layer's fan-in
  for (size_t k = 0; k < K; ++k) {
    LabelExplanation l;
    l.label = q.labels[k];
    l.logit_q16 = r.logit[k];
    l.logit = r.logit[k] / 65536.0;
    const double mk = rescale_factor_at(m2 + k * detail::kRescaleBytes);
    // logit_k ~ bias + sum_d v[d] sums[d], with the units off dropped.
    std::vector<double> v(D, 0.0);
    double bias = detail::rd_i32(b2 + 4 * k);
    if (!H) {
      for (size_t d = 0; d < D; ++d) v[d] = static_cast<int8_t>(w2[k * I + d]);
    } else {
      for (size_t h = 0; h < H; ++h) {
        if (!(a[h] > 0)) continue;
        const double u = static_cast<int8_t>(w2[k * I + h]) * rescale_factor_at(m1 + h * detail::kRescaleBytes);
        bias += u * detail::rd_i32(b1 + 4 * h);
        for (size_t d = 0; d < D; ++d) v[d] += u * static_cast<int8_t>(w1[h * D + d]);
      }
    }
    for (size_t d = 0; d < D; ++d) v[d] *= mk * g[d];
    l.bias_q16 = std::llround(mk * bias);
    int64_t parts = l.bias_q16;
    for (const Feature& f : e.features) {
      double dot = 0;
      for (size_t d = 0; d < D; ++d) dot += v[d] * static_cast<int8_t>(emb[size_t{f.row} * D + d]);
      const int64_t c = std::llround(dot * times_of(f, s));
      l.contrib.push_back(static_cast<double>(c));
      parts += c;
    }
    l.remainder_q16 = r.logit[k] - parts;
    e.labels.push_back(std::move(l));
  }
}

Explanation explain_int8(quant::LoadedModel& model, const std::string& text) {
  const quant::QuantModel& q = *model.int8_model();
  const ModelShape& s = q.shape;
  const tt::Model m = q.view();
  const uint8_t* img = reinterpret_cast<const uint8_t*>(q.image.data());
  const uint8_t* fp = img + section_at(kSecFingerprints, detail::model_shape(m));
  const std::vector<uint8_t> table(fp, fp + size_t{kTableWays} * s.table_groups);
  const FeatureMap map = feature_map(s, table);
  std::vector<uint16_t> rows;
  append_text_features(s.tokenizer, map, text, rows);
  append_text_row(s, rows);
  Explanation e;
  e.int8 = true;
  e.features = features_of(s, map, text, rows);
  const quant::IntScores r = model.raw(text);
  const uint8_t* emb = img + section_at(kSecEmbedding, detail::model_shape(m));
  if (!s.linear) {
    explain_dense(q, m, emb, r, e);
    return e;
  }
  const size_t D = s.dim;
  for (size_t k = 0; k < s.outputs; ++k) {
    LabelExplanation l;
    l.label = q.labels[k];
    for (const Feature& f : e.features) {
      const int64_t v = static_cast<int8_t>(emb[size_t{f.row} * D + k]) * static_cast<int64_t>(times_of(f, s));
      l.contrib.push_back(static_cast<double>(v));
      l.int_sum += v;
    }
    l.logit_q16 = r.logit[k];
    l.logit = r.logit[k] / 65536.0;
    // The device's pooling and requantisation of this sum must give its logit.
    uint32_t den;
    uint8_t p;
    detail::pool_divisor(m.pool, r.features, &den, &p);
    const int32_t t = r.features ? detail::pool_q8(static_cast<int32_t>(l.int_sum), den, p) : 0;
    const int32_t z = detail::add_sat32(detail::rescale_at(t, img + m.off_mpool + static_cast<uint32_t>(k) * detail::kRescaleBytes),
                                        detail::rd_i32(img + m.off_b2 + 4u * static_cast<uint32_t>(k)));
    if (z != r.logit[k]) throw Error("internal error: the integer sum does not give the device's logit");
    e.labels.push_back(std::move(l));
  }
  return e;
}

}  // namespace

Explanation explain(quant::LoadedModel& model, const std::string& text) {
  return model.is_int8() ? explain_int8(model, text) : explain_float(*model.float_model(), text);
}

}  // namespace tt::report

namespace tt::report {

std::vector<double> row_weights(const quant::LoadedModel& model, const std::vector<uint32_t>& rows, size_t k) {
  const ModelShape& s = model.shape();
  std::vector<double> w;
  w.reserve(rows.size());
  if (model.is_int8()) {
    const quant::QuantModel& q = *model.int8_model();
    const uint8_t* emb =
        reinterpret_cast<const uint8_t*>(q.image.data()) + section_at(kSecEmbedding, detail::model_shape(q.view()));
    if (!s.linear) {
      // The board's logit of a bag of that row (and the text row) less the bag's without it.
      const tt::Model m = q.view();
      std::vector<uint16_t> bag;
      append_text_row(s, bag);
      std::vector<int32_t> sums(s.dim, 0);
      for (uint16_t row : bag)
        for (size_t d = 0; d < s.dim; ++d) sums[d] += static_cast<int8_t>(emb[size_t{row} * s.dim + d]);
      ModelScores<kModelMaxDim> sc{};
      int16_t a[kModelMaxDim] = {};
      device_layers(m, sums.data(), static_cast<uint32_t>(bag.size()), a, sc);
      const int32_t without = sc.logit[k];
      std::vector<int32_t> with(s.dim);
      for (uint32_t row : rows) {
        for (size_t d = 0; d < s.dim; ++d) with[d] = sums[d] + static_cast<int8_t>(emb[size_t{row} * s.dim + d]);
        device_layers(m, with.data(), static_cast<uint32_t>(bag.size() + 1), a, sc);
        w.push_back((sc.logit[k] - static_cast<double>(without)) / 65536.0);
      }
      return w;
    }
    for (uint32_t row : rows) w.push_back(static_cast<int8_t>(emb[size_t{row} * s.dim + k]));
    return w;
  }
  const FloatModel& m = *model.float_model();
  if (s.linear) {
    for (uint32_t row : rows) w.push_back(m.emb[size_t{row} * s.dim + k]);
    return w;
  }
  std::vector<uint16_t> bag;
  append_text_row(s, bag);
  Activations<double> a;
  a.resize(s);
  forward<double, double>(s, weights_of(m), bag.data(), bag.size(), a);
  const double without = a.z[k];  // (an empty bag pools to zero)
  bag.insert(bag.begin(), uint16_t{0});
  for (uint32_t row : rows) {
    bag[0] = static_cast<uint16_t>(row);
    forward<double, double>(s, weights_of(m), bag.data(), bag.size(), a);
    w.push_back(a.z[k] - without);
  }
  return w;
}

}  // namespace tt::report
