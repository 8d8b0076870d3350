// The float model trained on the host: hashed features -> embedding bag (mean, sqrt or sum
// pooling) -> optional hidden layer (ReLU) -> output layer -> sigmoid per label or softmax.
//
// With hidden == 0 and no output layer (`linear`), dim must equal outputs: the pooled embedding
// plus the output bias are the logits, i.e. a hashed linear model. Every other shape has an
// output layer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tinytext/model.h"  // kMaxTextRowCount
#include "tinytext/tokenizer.h"

namespace tt {

enum class Head : uint8_t { kSigmoid = 0, kSoftmax = 1 };

// How the embedding rows of a text's features are combined. The int8 runtime needs at most one
// division per inference: mean divides by n, sqrt by isqrt(n) (integer square root), sum by none.
enum class Pool : uint8_t { kMean = 0, kSqrt = 1, kSum = 2 };

const char* head_name(Head h);
const char* pool_name(Pool p);

// Hard limits of the float model (the loader refuses anything larger as inconsistent).
constexpr uint32_t kMaxDim = 4096;
constexpr uint32_t kMaxHidden = 4096;
constexpr uint32_t kMaxOutputs = 4096;

struct ModelShape {
  TokenizerConfig tokenizer{4096, 2, 0, 0, 0};
  uint32_t dim = 16;      // D: embedding width
  uint32_t hidden = 0;    // H: hidden units, 0 for none
  uint32_t outputs = 1;   // K
  bool linear = false;    // no output layer (requires hidden == 0 and dim == outputs)
  Head head = Head::kSigmoid;
  Pool pool = Pool::kMean;
  // The text row: one more embedding row (index B, after the B hashed rows) that every text
  // contains text_row_count = c times, as c more features (n grows by c, the sum by c w: a
  // learned bias divided by the pool's n). Needs B < 65536. c is 1 .. kMaxTextRowCount, and 1
  // without the row.
  bool text_row = false;
  uint8_t text_row_count = 1;
  // The exact table: G groups of kTableWays slots (0: none). Each slot is one more embedding row,
  // after the buckets and the text row (rows table_first() ..), reached by the features whose hash
  // matches the slot's fingerprint byte (FloatModel::table, tt::feature_row). Counted in the
  // budget as its 4G fingerprint bytes plus 4G rows.
  uint32_t table_groups = 0;

  // Embedding rows: B, plus the text row, plus the table's 4G slots.
  uint32_t rows() const { return table_first() + kTableWays * table_groups; }
  // The first slot row of the exact table: B, plus the text row.
  uint32_t table_first() const { return tokenizer.buckets + (text_row ? 1u : 0u); }
  uint32_t out_in() const { return hidden ? hidden : dim; }
  // Number of weights (and biases) plus the table's fingerprint bytes: what the flash budget
  // counts, one byte each once int8.
  uint64_t parameter_count() const;
  // Throws tt::UsageError when the shape cannot work.
  void check() const;
  // "B=4096 D=16 H=0 K=1 linear pool=mean head=sigmoid char=3-5 word=2"
  std::string describe() const;
};

// The pooling scale for n features (1/n, 1/sqrt(n), 1; 0 features give 0).
float pool_scale(Pool p, size_t n);

// How a feature hash becomes an embedding row: tt::feature_row over the buckets and, when the
// model has one, its exact table (`table` points at 4G fingerprint bytes that must outlive it).
struct FeatureMap {
  uint32_t buckets = 1, groups = 0, first = 0;
  const uint8_t* table = nullptr;
  uint16_t operator()(uint32_t hash) const {
    return static_cast<uint16_t>(feature_row(hash, buckets, groups, table, first));
  }
};
// The map of a shape and its fingerprints (table.size() must be 4 x shape.table_groups).
FeatureMap feature_map(const ModelShape& s, const std::vector<uint8_t>& table);

struct FloatModel {
  ModelShape shape;
  std::vector<std::string> labels;  // one per output
  std::vector<float> emb;           // buckets x dim, row-major
  std::vector<float> w1, b1;        // hidden x dim, hidden
  std::vector<float> w2, b2;        // outputs x out_in (empty when linear), outputs
  // Default decision threshold per output for sigmoid heads (chosen on validation data); 0.5
  // when not chosen. Unused by softmax heads (argmax), still stored.
  std::vector<float> threshold;
  // Free text recorded in the model file (tool version, training options); no timestamp.
  std::string info;
  // What train read from its data (data::summary_json: file base name, columns, rows, classes,
  // warnings); empty for models from elsewhere. Ancillary: no effect on the scores.
  std::string data;
  // The exact table's fingerprint bytes, kTableWays per group (shape.table_groups), group-major.
  std::vector<uint8_t> table;

  // Allocates zeroed tensors for `shape` (thresholds 0.5).
  void init(const ModelShape& s, std::vector<std::string> label_names);
  // The feature map of this model (its buckets and exact table).
  FeatureMap feature_map() const { return tt::feature_map(shape, table); }

  // The features of a text: the hashed buckets in the order the device tokenizer emits them, then
  // the text row (index B) c times when the shape has one (append_text_row).
  std::vector<uint16_t> features(const std::string& text) const;
  // Logits (before sigmoid/softmax) per output for given features.
  std::vector<float> logits_from_features(const uint16_t* f, size_t n) const;
  // Scores in [0, 1] per output (sigmoid or softmax) for given features / a text.
  std::vector<float> scores_from_features(const uint16_t* f, size_t n) const;
  std::vector<float> scores(const std::string& text) const;
};

// The hashed feature buckets of a text under a tokenizer config (host helper over the device
// tokenizer); no exact table.
std::vector<uint16_t> text_features(const TokenizerConfig& cfg, const std::string& text);
// Appends the features of a text to `out` (no allocation when `out` has capacity).
void append_text_features(const TokenizerConfig& cfg, std::string_view text, std::vector<uint16_t>& out);
// The same through a feature map (the exact table).
void append_text_features(const TokenizerConfig& cfg, const FeatureMap& map, std::string_view text,
                          std::vector<uint16_t>& out);
// Appends the raw 32-bit feature hashes of a text (what the map takes).
void append_text_hashes(const TokenizerConfig& cfg, std::string_view text, std::vector<uint32_t>& out);
// Appends the text row's index B text_row_count times when the shape has the row (nothing
// otherwise): what the trainer, the float model and calibration append to every text's features,
// and what the device's model_read adds (c to n, c times the row to the sums).
void append_text_row(const ModelShape& s, std::vector<uint16_t>& out);

// Numerically safe sigmoid / in-place softmax.
float sigmoid(float x);
void softmax_inplace(float* x, size_t n);

}  // namespace tt
