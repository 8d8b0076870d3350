// Features and data for training: every text tokenized once into one flat array (the device
// tokenizer, through the model's feature map), the validation split, class weights, and the
// per-bucket feature scales of NB-weighted and kind-scaled training.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/dataset.h"
#include "model/float_model.h"
#include "train/worker_pool.h"

namespace tt::train {

// Every row's features (embedding row indices), row i in feats[offs[i], offs[i + 1]).
struct Tokenized {
  std::vector<uint16_t> feats;
  std::vector<uint64_t> offs;  // size n + 1
  std::vector<uint8_t> kinds;  // parallel to feats (FeatureKind), only when asked for

  const uint16_t* row(size_t i) const { return feats.data() + offs[i]; }
  size_t row_size(size_t i) const { return static_cast<size_t>(offs[i + 1] - offs[i]); }
};

// Tokenizes every text of `d` on the pool's threads (contiguous slices, concatenated in order, so
// the result does not depend on the thread count). Every text's features end with the text row's
// index B, c times, when the shape has it (kind: word). `with_kinds` also records each feature's kind.
Tokenized tokenize_all(const data::Dataset& d, const ModelShape& shape, const FeatureMap& map, WorkerPool& pool,
                       bool with_kinds);

// The rows held out for validation and those trained on (each sorted), by a seeded shuffle:
// floor(valid x n) validation rows.
struct RowSplit {
  std::vector<size_t> train, valid;
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
ClassWeights class_weights(const data::Dataset& d, const std::vector<size_t>& rows, Head head, bool balanced);

namespace detail {

// NB log-count ratios (see TrainOptions::nb_alpha): `offs` (n + 1) delimit each row's features
// in `feats`; rows listed in `rows`; targets n x K. Result B x K, row-major.
std::vector<float> nb_ratios(const uint16_t* feats, const uint64_t* offs, const std::vector<size_t>& rows,
                             const uint8_t* targets, size_t K, size_t B, double alpha, double beta = -1);
// Per-bucket kind scale (TrainOptions::kind_scale): the mean of scale[kind] over the features of
// `rows` in each bucket, 1 for buckets no feature reaches. `kinds` is parallel to `feats`.
std::vector<float> kind_scales(const uint16_t* feats, const uint8_t* kinds, const uint64_t* offs,
                               const std::vector<size_t>& rows, size_t B, const float scale[3]);

}  // namespace detail
}  // namespace tt::train
