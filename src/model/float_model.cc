#include "model/float_model.h"

#include <cmath>
#include <sstream>

#include "common/error.h"
#include "model/forward.h"

namespace tt {

const char* head_name(Head h) { return h == Head::kSoftmax ? "softmax" : "sigmoid"; }

const char* pool_name(Pool p) {
  switch (p) {
    case Pool::kSqrt:
      return "sqrt";
    case Pool::kSum:
      return "sum";
    default:
      return "mean";
  }
}

uint64_t ModelShape::parameter_count() const {
  uint64_t n = uint64_t{rows()} * dim + uint64_t{kTableWays} * table_groups;
  if (hidden) n += uint64_t{hidden} * dim + hidden;
  if (!linear) n += uint64_t{outputs} * out_in();
  n += outputs;
  return n;
}

void ModelShape::check() const {
  if (tokenizer.buckets == 0) throw UsageError("the number of buckets must be at least 1");
  if (tokenizer.buckets > kMaxBuckets)
    throw UsageError("at most " + std::to_string(kMaxBuckets) + " buckets (features are 16-bit), got " +
                     std::to_string(tokenizer.buckets));
  if (tokenizer.word_ngrams != 1 && tokenizer.word_ngrams != 2)
    throw UsageError("word n-grams must be 1 or 2, got " + std::to_string(tokenizer.word_ngrams));
  if (check_config(tokenizer) != kOk)
    throw UsageError("character n-grams must be 0 (off) or MIN-MAX with 2 <= MIN <= MAX <= " +
                     std::to_string(kMaxCharN));
  if (text_row && tokenizer.buckets >= kMaxBuckets)
    throw UsageError("a text row needs at most " + std::to_string(kMaxBuckets - 1) +
                     " buckets (its feature index B is 16-bit)");
  if (text_row_count < 1 || text_row_count > kMaxTextRowCount || (!text_row && text_row_count != 1))
    throw UsageError("the text row count must be in [1, " + std::to_string(kMaxTextRowCount) +
                     "] with a text row and 1 without, got " + std::to_string(text_row_count));
  if (table_groups > kMaxTableGroups)
    throw UsageError("at most " + std::to_string(kMaxTableGroups) + " exact-table groups, got " +
                     std::to_string(table_groups));
  if (rows() > kMaxBuckets)
    throw UsageError(std::to_string(tokenizer.buckets) + " buckets" + (text_row ? ", the text row" : "") +
                     " and the exact table's " + std::to_string(kTableWays * table_groups) + " slots make " +
                     std::to_string(rows()) + " embedding rows; at most " +
                     std::to_string(kMaxBuckets) + " (features are 16-bit)");
  if (dim == 0 || dim > kMaxDim) throw UsageError("dim must be in [1, " + std::to_string(kMaxDim) + "]");
  if (hidden > kMaxHidden) throw UsageError("hidden must be in [0, " + std::to_string(kMaxHidden) + "]");
  if (outputs == 0 || outputs > kMaxOutputs)
    throw UsageError("outputs must be in [1, " + std::to_string(kMaxOutputs) + "]");
  if (head == Head::kSoftmax && outputs < 2) throw UsageError("a softmax head needs at least 2 outputs");
  if (linear && hidden != 0) throw UsageError("a linear model has no hidden layer (--hidden must be 0)");
  if (linear && dim != outputs)
    throw UsageError("a linear model needs dim == outputs (" + std::to_string(outputs) + "), got dim " +
                     std::to_string(dim));
  if (static_cast<uint8_t>(pool) > 2) throw UsageError("unknown pooling");
}

std::string ModelShape::describe() const {
  std::ostringstream os;
  os << "B=" << tokenizer.buckets << " D=" << dim << " H=" << hidden << " K=" << outputs
     << (linear ? " linear" : "") << (text_row ? " text-row" : "")
     << (text_row && text_row_count != 1 ? "*" + std::to_string(text_row_count) : "")
     << (table_groups ? " table=" + std::to_string(table_groups) + "x" + std::to_string(kTableWays) : "")
     << " pool=" << pool_name(pool) << " head=" << head_name(head) << " char=";
  if (tokenizer.char_min)
    os << int{tokenizer.char_min} << "-" << int{tokenizer.char_max};
  else
    os << "0";
  os << " word=" << int{tokenizer.word_ngrams} << (tokenizer.fold_digits ? " digits=fold" : "")
     << " params=" << parameter_count();
  return os.str();
}

float pool_scale(Pool p, size_t n) {
  if (n == 0) return 0.0f;
  switch (p) {
    case Pool::kSqrt:
      return 1.0f / std::sqrt(static_cast<float>(n));
    case Pool::kSum:
      return 1.0f;
    default:
      return 1.0f / static_cast<float>(n);
  }
}

void FloatModel::init(const ModelShape& s, std::vector<std::string> label_names) {
  s.check();
  if (label_names.size() != s.outputs)
    throw Error("model has " + std::to_string(s.outputs) + " outputs but " + std::to_string(label_names.size()) +
                " label names");
  shape = s;
  labels = std::move(label_names);
  emb.assign(size_t{s.rows()} * s.dim, 0.0f);
  w1.assign(size_t{s.hidden} * s.dim, 0.0f);
  b1.assign(s.hidden, 0.0f);
  w2.assign(s.linear ? 0 : size_t{s.outputs} * s.out_in(), 0.0f);
  b2.assign(s.outputs, 0.0f);
  threshold.assign(s.outputs, 0.5f);
  table.assign(size_t{kTableWays} * s.table_groups, 0);
}

FeatureMap feature_map(const ModelShape& s, const std::vector<uint8_t>& table) {
  if (table.size() != size_t{kTableWays} * s.table_groups)
    throw Error("internal error: the exact table has " + std::to_string(table.size()) + " fingerprints for " +
                std::to_string(s.table_groups) + " groups");
  FeatureMap f;
  f.buckets = s.tokenizer.buckets;
  f.groups = s.table_groups;
  f.first = s.table_first();
  f.table = table.data();
  return f;
}

namespace {

struct AppendSink {
  std::vector<uint16_t>* out;
  uint32_t buckets;
  void operator()(uint32_t hash, uint8_t) { out->push_back(bucket_of(hash, buckets)); }
};

struct MapSink {
  std::vector<uint16_t>* out;
  const FeatureMap* map;
  void operator()(uint32_t hash, uint8_t) { out->push_back((*map)(hash)); }
};

struct HashSink {
  std::vector<uint32_t>* out;
  void operator()(uint32_t hash, uint8_t) { out->push_back(hash); }
};

}  // namespace

void append_text_features(const TokenizerConfig& cfg, const FeatureMap& map, std::string_view text,
                          std::vector<uint16_t>& out) {
  if (!map.groups) return append_text_features(cfg, text, out);
  TokenizerState st;
  tokenizer_reset(st);
  MapSink sink{&out, &map};
  for (const char c : text) tokenizer_push(cfg, st, static_cast<uint8_t>(c), sink);
  tokenizer_finish(cfg, st, sink);
}

void append_text_hashes(const TokenizerConfig& cfg, std::string_view text, std::vector<uint32_t>& out) {
  TokenizerState st;
  tokenizer_reset(st);
  HashSink sink{&out};
  for (const char c : text) tokenizer_push(cfg, st, static_cast<uint8_t>(c), sink);
  tokenizer_finish(cfg, st, sink);
}

void append_text_features(const TokenizerConfig& cfg, std::string_view text, std::vector<uint16_t>& out) {
  TokenizerState st;
  tokenizer_reset(st);
  AppendSink sink{&out, cfg.buckets};
  for (const char c : text) tokenizer_push(cfg, st, static_cast<uint8_t>(c), sink);
  tokenizer_finish(cfg, st, sink);
}

std::vector<uint16_t> text_features(const TokenizerConfig& cfg, const std::string& text) {
  std::vector<uint16_t> out;
  out.reserve(text.size() * 2 + 4);
  append_text_features(cfg, text, out);
  return out;
}

void append_text_row(const ModelShape& s, std::vector<uint16_t>& out) {
  if (s.text_row) out.insert(out.end(), s.text_row_count, static_cast<uint16_t>(s.tokenizer.buckets));
}

std::vector<uint16_t> FloatModel::features(const std::string& text) const {
  std::vector<uint16_t> f;
  f.reserve(text.size() * 2 + 4);
  append_text_features(shape.tokenizer, feature_map(), text, f);
  append_text_row(shape, f);
  return f;
}

float sigmoid(float x) {
  if (x >= 0) return 1.0f / (1.0f + std::exp(-x));
  const float e = std::exp(x);
  return e / (1.0f + e);
}

void softmax_inplace(float* x, size_t n) {
  if (n == 0) return;
  float m = x[0];
  for (size_t i = 1; i < n; ++i) m = x[i] > m ? x[i] : m;
  float sum = 0;
  for (size_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - m);
    sum += x[i];
  }
  for (size_t i = 0; i < n; ++i) x[i] /= sum;
}

std::vector<float> FloatModel::logits_from_features(const uint16_t* f, size_t n) const {
  Activations<float> a;
  a.resize(shape);
  forward(shape, weights_of(*this), f, n, a);
  return a.z;
}

std::vector<float> FloatModel::scores_from_features(const uint16_t* f, size_t n) const {
  std::vector<float> z = logits_from_features(f, n);
  if (shape.head == Head::kSoftmax) {
    softmax_inplace(z.data(), z.size());
  } else {
    for (auto& v : z) v = sigmoid(v);
  }
  return z;
}

std::vector<float> FloatModel::scores(const std::string& text) const {
  const std::vector<uint16_t> f = features(text);
  return scores_from_features(f.data(), f.size());
}

}  // namespace tt
