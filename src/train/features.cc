#include "train/features.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>

#include "common/rng.h"

namespace tt::train {

namespace {

// The device tokenizer's features with their kinds (the model's append_text_features drops them).
struct KindSink {
  std::vector<uint16_t>* out;
  std::vector<uint8_t>* kinds;
  const FeatureMap* map;
  void operator()(uint32_t hash, uint8_t kind) {
    out->push_back((*map)(hash));
    kinds->push_back(kind);
  }
};

void append_features_with_kinds(const TokenizerConfig& cfg, const FeatureMap& map, std::string_view text,
                                std::vector<uint16_t>& out, std::vector<uint8_t>& kinds) {
  TokenizerState st;
  tokenizer_reset(st);
  KindSink sink{&out, &kinds, &map};
  for (const char c : text) tokenizer_push(cfg, st, static_cast<uint8_t>(c), sink);
  tokenizer_finish(cfg, st, sink);
}

}  // namespace

void append_row_features(std::string_view text, const ModelShape& shape, const FeatureMap& map,
                         std::vector<uint16_t>& feats, std::vector<uint8_t>* kinds) {
  if (kinds)
    append_features_with_kinds(shape.tokenizer, map, text, feats, *kinds);
  else
    append_text_features(shape.tokenizer, map, text, feats);
  const size_t row_at = feats.size();
  append_text_row(shape, feats);
  if (kinds) kinds->resize(kinds->size() + (feats.size() - row_at), static_cast<uint8_t>(kFeatureWord));
}

Tokenized tokenize_all(const data::Dataset& d, const ModelShape& shape, const FeatureMap& map, WorkerPool& pool,
                       bool with_kinds, std::vector<std::string>* release) {
  const size_t n = d.size(), R = Tokenized::kChunkRows;
  Tokenized out;
  out.rows = n;
  out.chunks.resize((n + R - 1) / R);
  // Chunks are taken in turn by whichever thread is free; each is the same whoever takes it.
  std::atomic<size_t> next{0};
  pool.run([&](unsigned) {
    std::vector<uint16_t> feats;
    std::vector<uint8_t> kinds;
    for (size_t c; (c = next.fetch_add(1)) < out.chunks.size();) {
      Tokenized::Chunk& ch = out.chunks[c];
      const size_t b = c * R, e = std::min(n, b + R);
      feats.clear();
      kinds.clear();
      ch.offs.reserve(e - b + 1);
      ch.offs.push_back(0);
      d.for_each_text(b, e - b, [&](size_t i, std::string_view text) {
        append_row_features(text, shape, map, feats, with_kinds ? &kinds : nullptr);
        ch.offs.push_back(feats.size());
        if (release) std::string().swap((*release)[i]);
      });
      ch.feats.assign(feats.begin(), feats.end());
      ch.kinds.assign(kinds.begin(), kinds.end());
    }
  });
  for (const auto& ch : out.chunks) out.features += ch.feats.size();
  return out;
}

RowSplit split_rows(size_t n, double valid, uint64_t seed) {
  Rows order(n);
  std::iota(order.begin(), order.end(), RowIndex{0});
  SplitMix64 split_rng(seed * 0x9E3779B97F4A7C15ull + 0x5EED);
  tt::shuffle(order, split_rng);
  const size_t n_valid = static_cast<size_t>(std::floor(valid * static_cast<double>(n)));
  RowSplit s;
  s.valid.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_valid));
  s.train.assign(order.begin() + static_cast<std::ptrdiff_t>(n_valid), order.end());
  std::sort(s.valid.begin(), s.valid.end());
  std::sort(s.train.begin(), s.train.end());
  return s;
}

ClassWeights class_weights(const std::vector<uint8_t>& targets, size_t K, const Rows& rows, Head head, bool balanced) {
  std::vector<double> pos(K, 0);
  if (balanced)
    for (size_t i : rows)
      for (size_t k = 0; k < K; ++k) pos[k] += targets[i * K + k];
  return class_weights(pos, static_cast<double>(rows.size()), head, balanced);
}

ClassWeights class_weights(const std::vector<double>& pos, double m, Head head, bool balanced) {
  const size_t K = pos.size();
  ClassWeights w;
  w.head = head;
  w.pos.assign(K, 1.0f);
  w.neg.assign(K, 1.0f);
  w.cls.assign(K, 1.0f);
  if (!balanced) return w;
  for (size_t k = 0; k < K; ++k) {
    const double p = std::max(pos[k], 1.0), q = std::max(m - pos[k], 1.0);
    if (head == Head::kSigmoid) {
      w.pos[k] = static_cast<float>(m / (2 * p));
      w.neg[k] = static_cast<float>(m / (2 * q));
    } else {
      w.cls[k] = static_cast<float>(m / (static_cast<double>(K) * p));
    }
  }
  return w;
}

bool streamed_valid(size_t i, double valid, uint64_t seed) {
  if (valid <= 0) return false;
  SplitMix64 h(seed * 0x9E3779B97F4A7C15ull + 0x5EED + i * 0xBF58476D1CE4E5B9ull);
  return h.uniform() < valid;
}

namespace detail {

namespace {

// row(j, f, k, n, y): position j's features f[0, n) (and kinds k, or nullptr) and targets y.
template <class RowOf>
std::vector<float> nb_ratios_of(RowOf row, size_t m, size_t K, size_t B, double alpha, double beta) {
  // Presence counts per bucket among the positives and the negatives of each output.
  std::vector<double> pos(B * K, 0.0), neg(B * K, 0.0);
  std::vector<size_t> stamp(B, SIZE_MAX);
  for (size_t j = 0; j < m; ++j) {
    const uint16_t* f;
    const uint8_t* kinds;
    const uint8_t* y;
    size_t nf;
    row(j, f, kinds, nf, y);
    for (size_t q = 0; q < nf; ++q) {
      const size_t b = f[q];
      if (stamp[b] == j) continue;
      stamp[b] = j;
      for (size_t k = 0; k < K; ++k) (y[k] ? pos : neg)[b * K + k] += 1;
    }
  }
  std::vector<float> r(B * K);
  for (size_t k = 0; k < K; ++k) {
    double sp = 0, sn = 0;
    for (size_t b = 0; b < B; ++b) {
      sp += pos[b * K + k] + alpha;
      sn += neg[b * K + k] + alpha;
    }
    for (size_t b = 0; b < B; ++b)
      r[b * K + k] = static_cast<float>(std::log((pos[b * K + k] + alpha) / sp) - std::log((neg[b * K + k] + alpha) / sn));
    if (beta >= 0) {
      double mean = 0;
      for (size_t b = 0; b < B; ++b) mean += std::fabs(r[b * K + k]);
      mean = B ? mean / static_cast<double>(B) : 1.0;
      for (size_t b = 0; b < B; ++b)
        r[b * K + k] = static_cast<float>((1 - beta) + beta * std::fabs(r[b * K + k]) / (mean > 0 ? mean : 1.0));
    }
  }
  return r;
}

template <class RowOf>
std::vector<float> kind_scales_of(RowOf row, size_t m, size_t B, const float scale[3]) {
  std::vector<double> num(B, 0.0), den(B, 0.0);
  for (size_t j = 0; j < m; ++j) {
    const uint16_t* f;
    const uint8_t* kinds;
    const uint8_t* y;
    size_t nf;
    row(j, f, kinds, nf, y);
    for (size_t q = 0; q < nf; ++q) {
      num[f[q]] += static_cast<double>(scale[kinds[q] < 3 ? kinds[q] : 0]);
      den[f[q]] += 1.0;
    }
  }
  std::vector<float> s(B, 1.0f);
  for (size_t b = 0; b < B; ++b)
    if (den[b] > 0) s[b] = static_cast<float>(num[b] / den[b]);
  return s;
}

}  // namespace

std::vector<float> nb_ratios(const uint16_t* feats, const uint64_t* offs, const Rows& rows,
                             const uint8_t* targets, size_t K, size_t B, double alpha, double beta) {
  const auto row = [&](size_t j, const uint16_t*& f, const uint8_t*& k, size_t& nf, const uint8_t*& y) {
    const size_t i = rows[j];
    f = feats + offs[i], k = nullptr, nf = static_cast<size_t>(offs[i + 1] - offs[i]), y = targets + i * K;
  };
  return nb_ratios_of(row, rows.size(), K, B, alpha, beta);
}

std::vector<float> nb_ratios(const RowFn& row, size_t m, size_t K, size_t B, double alpha, double beta) {
  return nb_ratios_of(row, m, K, B, alpha, beta);
}

std::vector<float> kind_scales(const uint16_t* feats, const uint8_t* kinds, const uint64_t* offs,
                               const Rows& rows, size_t B, const float scale[3]) {
  const auto row = [&](size_t j, const uint16_t*& f, const uint8_t*& k, size_t& nf, const uint8_t*& y) {
    const size_t i = rows[j];
    f = feats + offs[i], k = kinds + offs[i], nf = static_cast<size_t>(offs[i + 1] - offs[i]), y = nullptr;
  };
  return kind_scales_of(row, rows.size(), B, scale);
}

std::vector<float> kind_scales(const RowFn& row, size_t m, size_t B, const float scale[3]) {
  return kind_scales_of(row, m, B, scale);
}

}  // namespace detail
}  // namespace tt::train
