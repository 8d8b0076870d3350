// Features and data for training: every text tokenized once into one flat array (the device
// tokenizer, through the model's feature map), the validation split, class weights, and the
// per-bucket feature scales of NB-weighted and kind-scaled training.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "data/dataset.h"
#include "model/float_model.h"
#include "train/worker_pool.h"

namespace tt::train {

// Row indices into a dataset, 4 bytes each (a data file holds fewer than 2^32 rows: it is at most
// 4 GiB, data::detail::kMaxDataBytes; train refuses more rows).
using RowIndex = uint32_t;
using Rows = std::vector<RowIndex>;

// Every row's features (embedding row indices), in chunks of kChunkRows rows: each chunk is
// tokenized on its own into arrays of its exact size, so no array is copied to join them and the
// result does not depend on the thread count.
struct Tokenized {
  static constexpr size_t kChunkRows = size_t{1} << 14;
  struct Chunk {
    std::vector<uint16_t> feats;
    std::vector<uint8_t> kinds;  // parallel to feats (FeatureKind), only when asked for
    std::vector<uint64_t> offs;  // the chunk's rows + 1
  };
  std::vector<Chunk> chunks;
  size_t rows = 0;      // rows in all
  size_t features = 0;  // features in all

  size_t size() const { return rows; }
  const uint16_t* row(size_t i) const {
    const Chunk& c = chunks[i / kChunkRows];
    return c.feats.data() + c.offs[i % kChunkRows];
  }
  size_t row_size(size_t i) const {
    const Chunk& c = chunks[i / kChunkRows];
    const size_t j = i % kChunkRows;
    return static_cast<size_t>(c.offs[j + 1] - c.offs[j]);
  }
  // Row i's feature kinds (with_kinds only).
  const uint8_t* row_kinds(size_t i) const {
    const Chunk& c = chunks[i / kChunkRows];
    return c.kinds.data() + c.offs[i % kChunkRows];
  }
};

// What the training loop reads: each row's features and its K 0/1 targets. The loop sees rows
// only through this view (a streamed source can provide the same per batch).
struct Examples {
  const Tokenized& tok;
  const std::vector<uint8_t>& targets;  // rows x K, row-major
  size_t K;

  size_t size() const { return K ? targets.size() / K : 0; }
  const uint16_t* features(size_t i) const { return tok.row(i); }
  size_t feature_count(size_t i) const { return tok.row_size(i); }
  const uint8_t* target(size_t i) const { return &targets[i * K]; }
};

// One row's features appended to `feats`: its text's, then the text row's index B, c times, when
// the shape has it (kind: word); with `kinds`, each feature's kind appended to it.
void append_row_features(std::string_view text, const ModelShape& shape, const FeatureMap& map,
                         std::vector<uint16_t>& feats, std::vector<uint8_t>* kinds);

// Tokenizes every text of `d` on the pool's threads (chunk by chunk). Every text's features end
// with the text row's index B, c times, when the shape has it (kind: word). `with_kinds` also
// records each feature's kind. `release`, when given, is d.texts itself (held in memory), owned by
// the caller and given up: each text is freed once tokenized, so the texts and the features are
// not held in full at the same time. Spooled texts are read in order, a chunk at a time.
Tokenized tokenize_all(const data::Dataset& d, const ModelShape& shape, const FeatureMap& map, WorkerPool& pool,
                       bool with_kinds, std::vector<std::string>* release = nullptr);

// The rows held out for validation and those trained on (each sorted), by a seeded shuffle:
// floor(valid x n) validation rows.
struct RowSplit {
  Rows train, valid;
};
RowSplit split_rows(size_t n, double valid, uint64_t seed);

// Class weights from the training rows (TrainOptions::class_weight): sigmoid positives n/(2 pos)
// and negatives n/(2 neg) per output, softmax classes n/(K n_c); all 1 when not balanced.
struct ClassWeights {
  std::vector<float> pos, neg, cls;
  Head head = Head::kSigmoid;
  // What loss_grad takes: wpos/wneg for sigmoid heads, wcls for softmax heads, else nullptr.
  const float* wpos() const { return head == Head::kSigmoid ? pos.data() : nullptr; }
  const float* wneg() const { return head == Head::kSigmoid ? neg.data() : nullptr; }
  const float* wcls() const { return head == Head::kSoftmax ? cls.data() : nullptr; }
};
// targets: rows x K, row-major.
ClassWeights class_weights(const std::vector<uint8_t>& targets, size_t K, const Rows& rows, Head head, bool balanced);
// The same from each output's positive rows among m rows.
ClassWeights class_weights(const std::vector<double>& pos, double m, Head head, bool balanced);

// Streamed data's split: row i is a validation row when a seeded hash of i falls below `valid`
// (about valid x n rows; nothing held per row).
bool streamed_valid(size_t i, double valid, uint64_t seed);

namespace detail {

// nb_ratios and kind_scales below over m rows given one at a time: row(j, f, kinds, n, y) sets
// the j-th row's features f[0, n), their kinds (for kind_scales) and its K targets y (nb_ratios).
using RowFn = std::function<void(size_t, const uint16_t*&, const uint8_t*&, size_t&, const uint8_t*&)>;
std::vector<float> nb_ratios(const RowFn& row, size_t m, size_t K, size_t B, double alpha, double beta = -1);
std::vector<float> kind_scales(const RowFn& row, size_t m, size_t B, const float scale[3]);

// NB log-count ratios (see TrainOptions::nb_alpha): `offs` (n + 1) delimit each row's features
// in `feats`; rows listed in `rows`; targets n x K. Result B x K, row-major.
std::vector<float> nb_ratios(const uint16_t* feats, const uint64_t* offs, const Rows& rows,
                             const uint8_t* targets, size_t K, size_t B, double alpha, double beta = -1);
// Per-bucket kind scale (TrainOptions::kind_scale): the mean of scale[kind] over the features of
// `rows` in each bucket, 1 for buckets no feature reaches. `kinds` is parallel to `feats`.
std::vector<float> kind_scales(const uint16_t* feats, const uint8_t* kinds, const uint64_t* offs,
                               const Rows& rows, size_t B, const float scale[3]);

}  // namespace detail
}  // namespace tt::train
