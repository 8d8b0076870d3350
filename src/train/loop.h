// The training loop: one run of mini-batch epochs over tokenized rows (train_on in trainer.cc
// sets it up: data, shape, features, optimiser settings).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "model/forward.h"
#include "numerics/fake_quant.h"
#include "train/backprop.h"
#include "train/features.h"
#include "train/optimizer.h"
#include "train/row_feed.h"
#include "train/split_choice.h"
#include "train/trainer.h"
#include "train/worker_pool.h"

namespace tt::train::detail {

// One training run over tokenized rows: the model, its optimiser state, the scratch of a batch,
// and the validation that picks the epoch kept. Each mini-batch runs in two phases (trainer.h):
// forward/backward per example (forward_backward), then per parameter row (update_embedding_rows,
// update_dense_rows).
class Loop {
 public:
  // `feed`: the rows' features come from it (then `ex` gives the targets only), else from `ex`.
  Loop(const Examples& ex, RowFeed* feed, const std::vector<std::string>& labels, const TrainOptions& opt,
       const ModelShape& shape, const ClassWeights& cw, WorkerPool& pool, const std::vector<uint8_t>& table,
       TrainReport& rep)
      : ex_(ex), feed_(feed), opt_(opt), s_(shape), cw_(cw), pool_(pool), rep_(rep), T_(pool.size()),
        choice_(pool.size() > 1, opt.split_batches) {
    K_ = s_.outputs, D_ = s_.dim, H_ = s_.hidden, I_ = s_.out_in(), B_ = s_.rows();
    m_.init(s_, labels);
    m_.info = opt.info;
    m_.table = table;
    zero_ = m_;
    oc_ = OptConfig{opt.optimizer, opt.l2};
    oc_row_ = oc_;
    // The text row's optimiser: without the L2 penalty unless text_row_l2.
    if (s_.text_row && !opt.text_row_l2) oc_row_.l2 = 0.0f;
    row_index_ = s_.text_row ? size_t{s_.tokenizer.buckets} : SIZE_MAX;
    lr0_ = opt.lr;
    char lr_buf[32];
    std::snprintf(lr_buf, sizeof lr_buf, "%g", static_cast<double>(lr0_));
    lr_text_ = lr_buf;
    qo_.margin = opt.qat_margin;
    const size_t bs = opt.batch;
    P_.resize(bs * D_), A_.resize(bs * H_), G_.resize(bs * K_), DZ1_.resize(bs * H_), DPE_.resize(bs * D_);
    L_.resize(bs), SC_.resize(bs);
    bf_.resize(bs), bn_.resize(bs), bt_.resize(bs);
    caches_.resize(T_);
    for (auto& c : caches_) c.resize(s_);
    gemb_.assign(B_ * D_, -0.0f), gw1_.resize(m_.w1.size()), gb1_.resize(m_.b1.size()), gw2_.resize(m_.w2.size());
    gb2_.resize(K_);
    touched_.assign(B_, 0);
    ranges_ = T_;
    dense_groups_ = s_.linear ? 1 : T_;
    touched_list_.resize(ranges_);
    filtered_.resize(ranges_);
    reset();
  }

  // NB-weighted / kind-scaled linear training: the trainer learns v, the model's weights are v r.
  void set_feature_scales(std::vector<float> r) {
    nb_r_ = std::move(r);
    nb_v_.assign(nb_r_.empty() ? 0 : m_.emb.size(), 0.0f);
  }

  // Trains on `rows`, validates on `valid` (if any), sets the thresholds; with refit, retrains
  // on every row for the best epoch count. Returns the model to write. Passes of streamed data
  // (Pass::rows null) need the feed in block mode.
  FloatModel run(const Pass& rows, const Pass& valid);

 private:
  // The initial weights and optimiser state (the same for every call).
  void reset();
  // A fresh FakeQuant whose ranges start from the current (initial) weights on the first rows.
  void init_fq(const Pass& rows);
  // At most `max_epochs` epochs over `rows`, the learning rate decaying over opt.epochs epochs;
  // with `valid`, scores them after each epoch, keeps the best weights and stops early.
  void run_epochs(const Pass& rows, uint32_t max_epochs, const Pass* valid);
  // The features and targets of positions [start, start + nb) of the pass into bf_ / bn_ / bt_
  // (from the feed: its pass).
  void load_batch(const Pass& pass, size_t start, size_t nb);
  // The features of the batch load_batch loaded (its first nb rows).
  size_t batch_features(size_t nb) const;
  // The batch load_batch loaded (nb examples): forward/backward per example (forward_backward), then
  // the parameter rows' updates (update_embedding_rows, update_dense_rows). With `split`, on the
  // pool as one job of two phases: slices of kSliceExamples examples, then ranges_ ranges of
  // embedding rows and dense_groups_ groups of dense rows; else all on this thread. The same bits
  // either way. Adds the examples' losses to loss_sum, in order.
  void step(size_t nb, const FloatModel& fw, float lr, float bc1, float bc2, bool split, double& loss_sum);
  // Forward/backward of examples [b, e) of the batch, with `c` as scratch.
  void forward_backward(size_t b, size_t e, const Weights<float>& w, Cache<float>& c);
  // The batch's gradient sums of embedding rows [B x range / ranges, B x (range + 1) / ranges),
  // in example order, and the rows' updates.
  void update_embedding_rows(unsigned range, unsigned ranges, size_t nb, float lr, float bc1, float bc2);
  // The same with D fixed at compile time (DD > 0) or D_ (DD = 0).
  template <size_t DD>
  void update_embedding_rows_d(unsigned range, unsigned ranges, size_t nb, float lr, float bc1, float bc2);
  // The same for dense row d (output row k = d < K, hidden row h = d - K) when d % groups == group.
  void update_dense_rows(unsigned group, unsigned groups, size_t nb, float lr, float bc1, float bc2);
  void update_output_row(size_t k, size_t nb, float lr, float bc1, float bc2);
  void update_hidden_row(size_t h, size_t nb, float lr, float bc1, float bc2);
  // Scores the rows of `pass` under `mm` into scores_ (sigmoid or softmax per row, K each), their
  // targets into score_y_.
  void score_rows(const FloatModel& mm, const Pass& pass);
  // Scores positions [first, first + n) of score_rows' rows; row(j) gives position j's features.
  template <class RowOf>
  void score_block(const Weights<float>& w, size_t n, size_t first, RowOf row);
  // Output k's scores and labels, as score_rows left them.
  void column(size_t k, std::vector<float>& s, std::vector<uint8_t>& y) const;
  // Mean ROC AUC over outputs (sigmoid) or macro-F1 (softmax) of the rows score_rows scored.
  double metric() const;
  // Sigmoid heads: each output's threshold maximises F1 over `rows` scored by `mm`.
  void set_thresholds(const Pass& rows, const FloatModel& mm);
  void report_epoch(const EpochReport& er, bool stop) const;
  // Within an epoch of `n` rows (of `epochs`), `done` rows in `seconds`: the position, the rate
  // and the ETA of the epochs left.
  void report_progress(uint32_t epoch, uint32_t epochs, size_t done, size_t n, double seconds) const;
  // The weights forward/backward run on: the shadow (int8) model under QAT, else the model.
  const FloatModel& working() {
    if (!fq_) return m_;
    fq_->refresh(m_, shadow_);
    return shadow_;
  }

  const Examples& ex_;
  RowFeed* feed_;
  const TrainOptions& opt_;
  const ModelShape& s_;
  const ClassWeights& cw_;
  WorkerPool& pool_;
  TrainReport& rep_;
  const unsigned T_;
  size_t K_, D_, H_, I_, B_;

  FloatModel m_, zero_;
  OptConfig oc_{Optimizer::kAdagrad, 0.0f}, oc_row_{Optimizer::kAdagrad, 0.0f};
  ModelOptState st_;
  size_t row_index_ = SIZE_MAX;
  float lr0_ = 0;
  std::string lr_text_;
  std::vector<float> nb_r_, nb_v_;

  numerics::QuantOptions qo_;
  std::unique_ptr<numerics::FakeQuant> fq_;
  FloatModel shadow_;
  numerics::Ranges best_ranges_;

  // Per-batch slots, one per example: pooled vectors, hidden activations, dL/dlogits, dL/dhidden,
  // scale x dL/dpooled, pooling scales, losses.
  std::vector<float> P_, A_, G_, DZ1_, DPE_, SC_;
  std::vector<double> L_;
  std::vector<const uint16_t*> bf_;  // the batch's features, their counts and targets
  std::vector<size_t> bn_;
  std::vector<const uint8_t*> bt_;
  std::vector<Cache<float>> caches_;
  // Gradient sums of the rows a batch touches.
  std::vector<float> gemb_, gw1_, gb1_, gw2_, gb2_;
  std::vector<uint8_t> touched_;
  std::vector<std::vector<uint32_t>> touched_list_;  // per embedding range
  // A split batch (step): slices of kSliceExamples examples, then ranges_ ranges of embedding
  // rows (each filters every example's features to its range, into filtered_[range]) and
  // dense_groups_ groups of dense rows. choice_ decides which batches are split.
  static constexpr size_t kSliceExamples = 4;
  unsigned ranges_ = 1, dense_groups_ = 1;
  std::vector<std::vector<uint16_t>> filtered_;
  SplitChoice choice_;
  double total_steps_ = 0;
  uint64_t step_ = 0;

  std::vector<float> scores_;
  std::vector<uint8_t> score_y_;
  FloatModel best_;
  double best_metric_ = -std::numeric_limits<double>::infinity();
  uint32_t best_epoch_ = 0;
  double trained_seconds_ = 0;
};

}  // namespace tt::train::detail
