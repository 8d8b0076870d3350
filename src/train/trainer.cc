#include "train/trainer.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <numeric>

#include "common/cancel.h"
#include "common/error.h"
#include "common/rng.h"
#include "eval/metrics.h"
#include "model/forward.h"
#include "numerics/fake_quant.h"
#include "train/backprop.h"
#include "train/features.h"
#include "train/optimizer.h"
#include "train/row_feed.h"
#include "train/table_select.h"
#include "train/worker_pool.h"

namespace tt::train {

namespace {

using Clock = std::chrono::steady_clock;
using detail::Cache;

// Seconds between progress lines within an epoch when stderr is not a terminal.
constexpr double kProgressSeconds = 10;

// Multiply-adds per batch below which training runs on one thread.
constexpr double kMinParallelBatchWork = 1 << 19;

std::string fmt_seconds(double s) {
  char buf[32];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  else
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s / 60), static_cast<int>(s) % 60);
  return buf;
}

// Checks the data against the shape before any work.
void check_data(const data::Dataset& d, const ModelShape& shape) {
  const size_t n = d.size(), K = shape.outputs;
  if (d.targets.size() != n * K) throw Error(d.path + ": internal error: targets do not match the rows");
  if (shape.head != Head::kSoftmax) return;
  for (size_t i = 0; i < n; ++i) {
    size_t ones = 0;
    for (size_t k = 0; k < K; ++k) ones += d.targets[i * K + k];
    if (ones != 1)
      throw Error(at(d.path, d.lines.size() > i ? d.lines[i] : 0,
                     "a softmax head needs exactly one class per row (use --loss sigmoid)"));
  }
}

// The per-bucket scale s of reparametrised linear training (w = v s): the NB ratios, times the
// feature-kind scales; empty when neither applies.
std::vector<float> feature_scales(const TrainOptions& opt, const ModelShape& shape, const detail::RowFn& row,
                                  const data::Dataset& d, const Rows& rows) {
  const size_t K = shape.outputs, B = shape.rows();
  std::vector<float> r = opt.nb_alpha > 0
                             ? detail::nb_ratios(row, rows, d.targets.data(), K, B, opt.nb_alpha, opt.nb_beta)
                             : std::vector<float>();
  // Bucket b's kind scale is the mean of kind_scale over the features of the training rows that
  // land in b; it multiplies the NB scale (a per-bucket step size and L2 strength 1 / s^2).
  if (opt.kind_scaled()) {
    const std::vector<float> ks = detail::kind_scales(row, rows, B, opt.kind_scale.data());
    if (r.empty()) r.assign(B * K, 1.0f);
    for (size_t b = 0; b < B; ++b)
      for (size_t k = 0; k < K; ++k) r[b * K + k] *= ks[b];
  }
  // The text row's scale: the NB scale like any bucket, or 1.
  if (shape.text_row && !opt.text_row_nb && !r.empty())
    for (size_t k = 0; k < K; ++k) r[size_t{shape.tokenizer.buckets} * K + k] = 1.0f;
  return r;
}

// One training run over tokenized rows: the model, its optimiser state, the scratch of a batch,
// and the validation that picks the epoch kept. Each mini-batch runs in two phases (trainer.h):
// forward/backward per example (forward_backward), then per parameter row (update_rows).
class Loop {
 public:
  // `feed`: the rows' features come from it (then `ex` gives the targets only), else from `ex`.
  Loop(const Examples& ex, RowFeed* feed, const std::vector<std::string>& labels, const TrainOptions& opt,
       const ModelShape& shape, const ClassWeights& cw, WorkerPool& pool, WorkerPool& score_pool,
       const std::vector<uint8_t>& table,
       TrainReport& rep)
      : ex_(ex), feed_(feed), opt_(opt), s_(shape), cw_(cw), pool_(pool), score_pool_(score_pool), rep_(rep), T_(pool.size()) {
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
    bf_.resize(bs), bn_.resize(bs);
    caches_.resize(std::max<size_t>(T_, score_pool.size()));
    for (auto& c : caches_) c.resize(s_);
    gemb_.assign(B_ * D_, -0.0f), gw1_.resize(m_.w1.size()), gb1_.resize(m_.b1.size()), gw2_.resize(m_.w2.size());
    gb2_.resize(K_);
    touched_.assign(B_, 0);
    touched_list_.resize(T_);
    reset();
  }

  // NB-weighted / kind-scaled linear training: the trainer learns v, the model's weights are v r.
  void set_feature_scales(std::vector<float> r) {
    nb_r_ = std::move(r);
    nb_v_.assign(nb_r_.empty() ? 0 : m_.emb.size(), 0.0f);
  }

  // Trains on `rows`, validates on `valid` (if any), sets the thresholds; with refit, retrains
  // on every row for the best epoch count. Returns the model to write.
  FloatModel run(const Rows& rows, const Rows& valid);

 private:
  // The initial weights and optimiser state (the same for every call).
  void reset();
  // A fresh FakeQuant whose ranges start from the current (initial) weights on the first rows.
  void init_fq(const Rows& rows);
  // At most `max_epochs` epochs over `rows`, the learning rate decaying over opt.epochs epochs;
  // with `valid`, scores them after each epoch, keeps the best weights and stops early.
  void run_epochs(const Rows& rows, uint32_t max_epochs, const Rows* valid);
  // The features of batch perm[start, start + nb) into bf_ / bn_ (from the feed: its pass over perm).
  void load_batch(const Rows& perm, size_t start, size_t nb);
  // Phase 1 on batch perm[start, start + nb): adds its examples' losses to loss_sum, in order.
  void forward_backward(const Rows& perm, size_t start, size_t nb, const FloatModel& fw,
                        double& loss_sum);
  // Phase 2: sums the batch's gradients per parameter row in example order and updates the rows.
  void update_rows(size_t nb, float lr, float bc1, float bc2);
  void update_embedding_rows(unsigned t, size_t nb, float lr, float bc1, float bc2);
  // The same with D fixed at compile time (DD > 0) or D_ (DD = 0).
  template <size_t DD>
  void update_embedding_rows_d(unsigned t, size_t nb, float lr, float bc1, float bc2);
  void update_output_row(size_t k, size_t nb, float lr, float bc1, float bc2);
  void update_hidden_row(size_t h, size_t nb, float lr, float bc1, float bc2);
  // Scores `rows` under `mm` into scores_ (sigmoid or softmax per row, K each).
  void score_rows(const FloatModel& mm, const Rows& rows);
  // Scores positions [first, first + n) of score_rows' rows; row(j) gives position j's features.
  template <class RowOf>
  void score_block(const Weights<float>& w, size_t n, size_t first, RowOf row);
  // Output k's scores (as score_rows left them for `rows`) and labels.
  void column(const Rows& rows, size_t k, std::vector<float>& s, std::vector<uint8_t>& y) const;
  // Mean ROC AUC over outputs (sigmoid) or macro-F1 (softmax) of scores_ on `rows`.
  double metric(const Rows& rows) const;
  // Sigmoid heads: each output's threshold maximises F1 over `rows` scored by `mm`.
  void set_thresholds(const Rows& rows, const FloatModel& mm);
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
  WorkerPool& score_pool_;  // scoring (each row on its own): every thread
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
  std::vector<const uint16_t*> bf_;  // the batch's features and their counts
  std::vector<size_t> bn_;
  std::vector<Cache<float>> caches_;
  // Gradient sums of the rows a batch touches.
  std::vector<float> gemb_, gw1_, gb1_, gw2_, gb2_;
  std::vector<uint8_t> touched_;
  std::vector<std::vector<uint32_t>> touched_list_;
  double total_steps_ = 0;
  uint64_t step_ = 0;

  std::vector<float> scores_;
  FloatModel best_;
  double best_metric_ = -std::numeric_limits<double>::infinity();
  uint32_t best_epoch_ = 0;
  double trained_seconds_ = 0;
};

void Loop::reset() {
  m_ = zero_;
  SplitMix64 init_rng(opt_.seed ^ 0xA5A5A5A5DEADBEEFull);
  auto fill = [&](std::vector<float>& v, double r) {
    for (auto& x : v) x = static_cast<float>((init_rng.uniform() * 2 - 1) * r);
  };
  if (!s_.linear) {
    fill(m_.emb, 1.0 / static_cast<double>(D_));
    if (H_) fill(m_.w1, std::sqrt(6.0 / static_cast<double>(D_ + H_)));
    fill(m_.w2, std::sqrt(6.0 / static_cast<double>(I_ + K_)));
  }
  st_.reset(m_, oc_);
  std::fill(nb_v_.begin(), nb_v_.end(), 0.0f);
}

void Loop::init_fq(const Rows& rows) {
  if (!opt_.qat) return;
  fq_ = std::make_unique<numerics::FakeQuant>(s_, qo_);
  const size_t cnt = std::min<size_t>(rows.size(), 1024);
  if (feed_) {
    RowFeed::Block b;
    feed_->read(rows.data(), cnt, b);
    for (size_t j = 0; j < cnt; ++j) fq_->observe(m_, b.row(j), b.row_size(j));
    return;
  }
  for (size_t j = 0; j < cnt; ++j) fq_->observe(m_, ex_.features(rows[j]), ex_.feature_count(rows[j]));
}

void Loop::load_batch(const Rows& perm, size_t start, size_t nb) {
  if (!feed_) {
    for (size_t j = 0; j < nb; ++j) bf_[j] = ex_.features(perm[start + j]), bn_[j] = ex_.feature_count(perm[start + j]);
    return;
  }
  const RowFeed::Block& b = feed_->block(start / feed_->block_rows());
  for (size_t j = 0; j < nb; ++j) bf_[j] = b.row(start - b.first + j), bn_[j] = b.row_size(start - b.first + j);
}

void Loop::forward_backward(const Rows& perm, size_t start, size_t nb, const FloatModel& fw,
                            double& loss_sum) {
  const Weights<float> w = weights_of(fw);
  pool_.run([&](unsigned t) {
    Cache<float>& c = caches_[t];
    const size_t b = slice_begin(nb, t, T_), e = slice_begin(nb, t + 1, T_);
    tt::pool_bags(s_, w.emb, &bf_[b], &bn_[b], e - b, &P_[b * D_], &SC_[b]);
    for (size_t j = b; j < e; ++j) {
      const size_t i = perm[start + j];
      std::copy(&P_[j * D_], &P_[j * D_] + D_, c.p.begin());
      c.scale = SC_[j];
      tt::forward_pooled(s_, w, c);
      L_[j] = static_cast<double>(detail::loss_grad<float>(s_.head, c.z.data(), ex_.target(i), K_, cw_.wpos(),
                                                           cw_.wneg(), cw_.wcls(), c.dz.data()));
      detail::backward(s_, w, c);
      if (H_) {
        std::copy(c.a1.begin(), c.a1.end(), &A_[j * H_]);
        std::copy(c.dz1.begin(), c.dz1.end(), &DZ1_[j * H_]);
      }
      std::copy(c.dz.begin(), c.dz.end(), &G_[j * K_]);
      for (size_t dd = 0; dd < D_; ++dd) DPE_[j * D_ + dd] = c.scale * c.dp[dd];
    }
  });
  for (size_t j = 0; j < nb; ++j) loss_sum += L_[j];
}

void Loop::update_embedding_rows(unsigned t, size_t nb, float lr, float bc1, float bc2) {
  switch (D_) {  // the linear models' D (= outputs)
    case 1: return update_embedding_rows_d<1>(t, nb, lr, bc1, bc2);
    case 2: return update_embedding_rows_d<2>(t, nb, lr, bc1, bc2);
    case 3: return update_embedding_rows_d<3>(t, nb, lr, bc1, bc2);
    default: return update_embedding_rows_d<0>(t, nb, lr, bc1, bc2);
  }
}

template <size_t DD>
void Loop::update_embedding_rows_d(unsigned t, size_t nb, float lr, float bc1, float bc2) {
  const size_t D = DD ? DD : D_;
  // Embedding rows in [lo, hi).
  const size_t lo = slice_begin(B_, t, T_), hi = slice_begin(B_, t + 1, T_);
  // The batch's gradient sums of the rows, in example order, and the rows touched in the order
  // first touched, without a branch per feature: every gemb_ row rests at -0.0f, the identity of
  // float addition (-0 + x == x for every x, zeros too), so the first sum is the gradient itself,
  // and a row is appended at every feature but counted only the first time.
  std::vector<uint32_t>& list = touched_list_[t];
  if (list.size() < hi - lo + 1) list.resize(hi - lo + 1);
  // Local pointers and the example's gradient in locals: the byte stores to `touched` may alias
  // anything, which would reload every member at each feature.
  uint32_t* const out = list.data();
  size_t cnt = 0;
  uint8_t* const touched = touched_.data();
  float* const gemb = gemb_.data();
  const bool all = lo == 0 && hi == B_;
  float g[DD ? DD : 1];
  for (size_t j = 0; j < nb; ++j) {
    const float* gj = &DPE_[j * D];
    if (DD) std::copy(gj, gj + D, g);
    const float* gs = DD ? g : gj;
    const uint16_t* feats = bf_[j];
    const size_t nq = bn_[j];
    for (size_t q = 0; q < nq; ++q) {
      const size_t f = feats[q];
      if (!all && (f < lo || f >= hi)) continue;
      float* row = gemb + f * D;
      for (size_t dd = 0; dd < D; ++dd) row[dd] += gs[dd];
      out[cnt] = static_cast<uint32_t>(f);
      cnt += touched[f] ^ 1u;
      touched[f] = 1;
    }
  }
  // The rows' updates, every member in a local (the stores may alias them).
  const OptConfig oc = oc_, oc_row = oc_row_;
  const size_t row_index = row_index_;
  float* const w = m_.emb.data();
  float* const s1 = st_.emb.g1.data();
  float* const s2 = st_.emb.g2.empty() ? nullptr : st_.emb.g2.data();
  const float* const r = nb_r_.empty() ? nullptr : nb_r_.data();
  float* const v = nb_v_.data();
  size_t first = 0;
  if (D == 1 && r && oc.kind == Optimizer::kAdagrad) {
    // The rows but the text row (its own optimiser) four at a time; then the text row below.
    const uint32_t* const at = std::find(out, out + cnt, row_index);
    if (at != out + cnt) std::swap(out[at - out], out[cnt - 1]);
    first = at != out + cnt ? cnt - 1 : cnt;
    adagrad_scaled_rows1(oc, out, first, gemb, r, v, w, s1, lr);
    for (size_t i = 0; i < first; ++i) gemb[out[i]] = -0.0f;
  }
  for (size_t i = first; i < cnt; ++i) {
    const size_t o = size_t{out[i]} * D;
    const OptConfig& oce = out[i] == row_index ? oc_row : oc;
    float* const gr = gemb + o;
    if (!r) {
      update(oce, w + o, gr, s1 + o, s2 ? s2 + o : nullptr, D, lr, bc1, bc2);
    } else {
      for (size_t dd = 0; dd < D; ++dd) gr[dd] *= r[o + dd];
      update(oce, v + o, gr, s1 + o, s2 ? s2 + o : nullptr, D, lr, bc1, bc2);
      for (size_t dd = 0; dd < D; ++dd) w[o + dd] = v[o + dd] * r[o + dd];
    }
    for (size_t dd = 0; dd < D; ++dd) gr[dd] = -0.0f;
  }
  for (size_t i = 0; i < cnt; ++i) touched[out[i]] = 0;
}

void Loop::update_output_row(size_t k, size_t nb, float lr, float bc1, float bc2) {
  float gb = 0;
  for (size_t j = 0; j < nb; ++j) gb += G_[j * K_ + k];
  gb2_[k] = gb;
  update_at(oc_, &m_.b2[k], &gb2_[k], st_.b2, k, 1, lr, bc1, bc2);
  if (s_.linear) return;
  float* gr = &gw2_[k * I_];
  std::fill(gr, gr + I_, 0.0f);
  for (size_t j = 0; j < nb; ++j) {
    const float gk = G_[j * K_ + k];
    const float* in = H_ ? &A_[j * H_] : &P_[j * D_];
    for (size_t q = 0; q < I_; ++q) gr[q] += gk * in[q];
  }
  update_at(oc_, &m_.w2[k * I_], gr, st_.w2, k * I_, I_, lr, bc1, bc2);
}

void Loop::update_hidden_row(size_t h, size_t nb, float lr, float bc1, float bc2) {
  float gb = 0;
  float* gr = &gw1_[h * D_];
  std::fill(gr, gr + D_, 0.0f);
  for (size_t j = 0; j < nb; ++j) {
    const float gh = DZ1_[j * H_ + h];
    gb += gh;
    const float* p = &P_[j * D_];
    for (size_t q = 0; q < D_; ++q) gr[q] += gh * p[q];
  }
  gb1_[h] = gb;
  update_at(oc_, &m_.b1[h], &gb1_[h], st_.b1, h, 1, lr, bc1, bc2);
  update_at(oc_, &m_.w1[h * D_], gr, st_.w1, h * D_, D_, lr, bc1, bc2);
}

void Loop::update_rows(size_t nb, float lr, float bc1, float bc2) {
  pool_.run([&](unsigned t) {
    update_embedding_rows(t, nb, lr, bc1, bc2);
    // Dense rows: output row k (w2[k], b2[k]) is unit k, hidden row h (w1[h], b1[h]) is unit
    // K + h; unit u belongs to thread u % T.
    for (size_t u = t; u < K_ + H_; u += T_) {
      if (u < K_)
        update_output_row(u, nb, lr, bc1, bc2);
      else
        update_hidden_row(u - K_, nb, lr, bc1, bc2);
    }
  });
}

void Loop::score_rows(const FloatModel& mm, const Rows& rows) {
  scores_.resize(rows.size() * K_);
  const Weights<float> w = weights_of(mm);
  if (!feed_) {
    score_block(w, rows.size(), 0, [&](size_t j) { return std::make_pair(ex_.features(rows[j]), ex_.feature_count(rows[j])); });
    return;
  }
  feed_->start(rows);
  for (size_t b = 0, first = 0; first < rows.size(); ++b, first += feed_->block_rows()) {
    const RowFeed::Block& blk = feed_->block(b);
    score_block(w, blk.rows, first, [&](size_t j) { return std::make_pair(blk.row(j - first), blk.row_size(j - first)); });
  }
  feed_->finish();
}

template <class RowOf>
void Loop::score_block(const Weights<float>& w, size_t n, size_t first, RowOf row) {
  const unsigned T = score_pool_.size();
  score_pool_.run([&](unsigned t) {
    Cache<float>& c = caches_[t];
    for (size_t j = first + slice_begin(n, t, T); j < first + slice_begin(n, t + 1, T); ++j) {
      const auto f = row(j);
      tt::forward(s_, w, f.first, f.second, c);
      float* out = &scores_[j * K_];
      for (size_t k = 0; k < K_; ++k) out[k] = c.z[k];
      if (s_.head == Head::kSoftmax)
        softmax_inplace(out, K_);
      else
        for (size_t k = 0; k < K_; ++k) out[k] = sigmoid(out[k]);
    }
  });
}

void Loop::column(const Rows& rows, size_t k, std::vector<float>& s, std::vector<uint8_t>& y) const {
  s.resize(rows.size());
  y.resize(rows.size());
  for (size_t j = 0; j < rows.size(); ++j) {
    s[j] = scores_[j * K_ + k];
    y[j] = ex_.target(rows[j])[k];
  }
}

double Loop::metric(const Rows& rows) const {
  if (s_.head == Head::kSigmoid) {
    std::vector<double> aucs(K_);
    std::vector<float> s;
    std::vector<uint8_t> y;
    for (size_t k = 0; k < K_; ++k) {
      column(rows, k, s, y);
      aucs[k] = eval::roc_auc(std::vector<double>(s.begin(), s.end()), y);
    }
    return eval::mean_defined(aucs);
  }
  std::vector<size_t> pred(rows.size()), truth(rows.size());
  for (size_t j = 0; j < rows.size(); ++j) {
    const float* s = &scores_[j * K_];
    pred[j] = static_cast<size_t>(std::max_element(s, s + K_) - s);
    const uint8_t* y = ex_.target(rows[j]);
    truth[j] = static_cast<size_t>(std::max_element(y, y + K_) - y);
  }
  return eval::macro_f1(truth, pred, K_);
}

void Loop::set_thresholds(const Rows& all, const FloatModel& mm) {
  // Beyond the budget's rows, a seeded sample of that many, in their order (selection sampling).
  const size_t cap = std::max<size_t>(opt_.threshold_rows, 1);
  Rows sample;
  if (all.size() > cap) {
    SplitMix64 pick(opt_.seed * 0x9E3779B97F4A7C15ull + 0x7E5);
    sample.reserve(cap);
    size_t left = all.size();
    for (const RowIndex r : all) {
      if (pick.below(left--) < cap - sample.size()) sample.push_back(r);
      if (sample.size() == cap) break;
    }
    if (!opt_.quiet)
      std::fprintf(stderr, "train: thresholds chosen on a seeded sample of %zu of %zu rows\n", cap, all.size());
  }
  const Rows& rows = sample.empty() ? all : sample;
  score_rows(mm, rows);
  std::vector<float> s;
  std::vector<uint8_t> y;
  for (size_t k = 0; k < K_; ++k) {
    column(rows, k, s, y);
    m_.threshold[k] = eval::best_f1_threshold(s, y);
  }
}

void Loop::report_epoch(const EpochReport& er, bool stop) const {
  if (opt_.quiet) return;
  const double eta = trained_seconds_ / er.epoch * (opt_.epochs - er.epoch);
  char line[256];
  std::snprintf(line, sizeof line, "epoch %u/%u  %.0f ex/s  loss %.4f  valid %s %s  ETA %s", er.epoch, opt_.epochs,
                er.examples_per_s, er.loss, rep_.metric_name.c_str(),
                std::isnan(er.valid_metric) ? "-" : std::to_string(er.valid_metric).substr(0, 6).c_str(),
                stop ? "0s (early stop)" : fmt_seconds(eta).c_str());
  if (::isatty(2) == 1)
    std::fprintf(stderr, "\r%-79s", line);
  else
    std::fprintf(stderr, "%s\n", line);
}

void Loop::report_progress(uint32_t epoch, uint32_t epochs, size_t done, size_t n, double seconds) const {
  const double per_row = seconds / static_cast<double>(done);
  const double eta = per_row * static_cast<double>(n - done + n * (epochs - epoch));
  char line[256];
  std::snprintf(line, sizeof line, "epoch %u/%u %3.0f%%: %.0f ex/s, ETA %s", epoch, epochs,
                100.0 * static_cast<double>(done) / static_cast<double>(n), 1.0 / per_row, fmt_seconds(eta).c_str());
  if (::isatty(2) == 1)
    std::fprintf(stderr, "\r%-79s", line);
  else
    std::fprintf(stderr, "%s\n", line);
}

void Loop::run_epochs(const Rows& rows, uint32_t max_epochs, const Rows* valid) {
  uint32_t since_best = 0;
  Rows perm = rows;
  SplitMix64 shuffle_rng(opt_.seed * 0xD1B54A32D192ED03ull + 1);
  const size_t bs = opt_.batch;
  total_steps_ = static_cast<double>((rows.size() + bs - 1) / bs) * opt_.epochs;
  step_ = 0;
  for (uint32_t epoch = 1; epoch <= max_epochs; ++epoch) {
    const auto t_ep = Clock::now();
    tt::shuffle(perm, shuffle_rng);
    if (feed_) feed_->start(perm);
    double loss_sum = 0;
    auto t_shown = t_ep;
    for (size_t start = 0; start < perm.size(); start += bs) {
      // Progress within a long epoch: each second on a terminal, else every kProgressSeconds.
      if (!opt_.quiet && start && (start / bs) % 64 == 0) {
        const auto now = Clock::now();
        if (now - t_shown >= std::chrono::duration<double>(::isatty(2) == 1 ? 1.0 : kProgressSeconds)) {
          t_shown = now;
          report_progress(epoch, max_epochs, start, perm.size(), std::chrono::duration<double>(now - t_ep).count());
        }
      }
      check_cancelled();
      const size_t nb = std::min(bs, perm.size() - start);
      const float lr = static_cast<float>(lr0_ * std::max(0.0, 1.0 - static_cast<double>(step_) / total_steps_));
      ++step_;
      const float bc1 = 1.0f - std::pow(oc_.beta1, static_cast<float>(step_));
      const float bc2 = 1.0f - std::pow(oc_.beta2, static_cast<float>(step_));
      load_batch(perm, start, nb);
      forward_backward(perm, start, nb, working(), loss_sum);
      // The int8 model's activations (those of the shadow), in example order.
      if (fq_)
        for (size_t j = 0; j < nb; ++j) fq_->observe_activations(&P_[j * D_], H_ ? &A_[j * H_] : nullptr);
      if (!std::isfinite(loss_sum))
        throw Error("training diverged in epoch " + std::to_string(epoch) +
                    " (the loss is NaN or infinite); no model was written. Try a lower --lr (now " + lr_text_ + ")");
      update_rows(nb, lr, bc1, bc2);
    }
    if (feed_) feed_->finish();
    const double ep_seconds = std::chrono::duration<double>(Clock::now() - t_ep).count();
    trained_seconds_ += ep_seconds;
    EpochReport er;
    er.epoch = epoch;
    er.loss = loss_sum / static_cast<double>(perm.size());
    er.examples_per_s = static_cast<double>(perm.size()) / std::max(ep_seconds, 1e-9);
    er.valid_metric = std::numeric_limits<double>::quiet_NaN();
    bool stop = false;
    if (valid) {
      score_rows(working(), *valid);
      er.valid_metric = metric(*valid);
      const double score = std::isnan(er.valid_metric) ? -er.loss : er.valid_metric;
      if (score > best_metric_ || opt_.keep_last) {
        best_metric_ = score;
        best_epoch_ = epoch;
        best_ = m_;
        if (fq_) best_ranges_ = fq_->ranges();
        since_best = 0;
      } else if (++since_best >= opt_.patience) {
        stop = true;
      }
    }
    rep_.epochs.push_back(er);
    report_epoch(er, stop);
    if (stop) break;
  }
  if (!opt_.quiet && ::isatty(2) == 1) std::fprintf(stderr, "\n");
}

FloatModel Loop::run(const Rows& rows, const Rows& valid) {
  best_ = m_;
  init_fq(rows);
  run_epochs(rows, opt_.epochs, valid.empty() ? nullptr : &valid);
  if (fq_) rep_.qat_ranges = fq_->ranges();
  if (!valid.empty()) {
    m_ = std::move(best_);
    if (fq_) rep_.qat_ranges = best_ranges_;
    if (s_.head == Head::kSigmoid) set_thresholds(valid, fq_ ? numerics::dequantized(m_, rep_.qat_ranges) : m_);
    if (opt_.refit) {
      // Retrain from the same start on every row (training + validation) for the best epoch count,
      // with the same learning-rate schedule; the thresholds chosen above are kept.
      const std::vector<float> thr = m_.threshold;
      reset();
      const size_t n = ex_.size();
      if (!opt_.quiet) std::fprintf(stderr, "refit on all %zu rows for %u epochs\n", n, best_epoch_);
      Rows all(n);
      std::iota(all.begin(), all.end(), RowIndex{0});
      const size_t reported = rep_.epochs.size();
      init_fq(all);
      run_epochs(all, best_epoch_, nullptr);
      if (fq_) rep_.qat_ranges = fq_->ranges();
      rep_.epochs.resize(reported);
      m_.threshold = thr;
    }
  } else if (s_.head == Head::kSigmoid) {
    // No validation rows: the thresholds come from the training rows (in-sample).
    set_thresholds(rows, fq_ ? numerics::dequantized(m_, rep_.qat_ranges) : m_);
  }
  rep_.best_epoch = best_epoch_;
  rep_.best_metric = best_metric_;
  rep_.train_seconds = trained_seconds_;
  return std::move(m_);
}

// train(); `owned`: d itself, given up by the caller, or null: its texts are freed once tokenized.
FloatModel train_on(const data::Dataset& d, const TrainOptions& opt, TrainReport* report, data::Dataset* owned) {
  std::vector<std::string>* const release = owned && !owned->spool ? &owned->texts : nullptr;
  const auto t_start = Clock::now();
  const ModelShape& shape = opt.shape;
  if (shape.outputs != d.outputs()) throw Error(d.path + ": the options were resolved for other data");
  check_data(d, shape);
  if (owned) std::vector<uint32_t>().swap(owned->lines);  // only check_data's messages name lines
  const size_t n = d.size();
  if (n > UINT32_MAX) throw Error(d.path + ": more than " + std::to_string(UINT32_MAX) + " rows");
  WorkerPool pool(opt.threads);
  WorkerPool single(1);
  const bool progress = !opt.quiet;

  const RowSplit split = split_rows(n, opt.valid, opt.seed);
  if (opt.valid > 0 && split.valid.empty() && progress)
    std::fprintf(stderr, "train: --valid %.3g of %zu rows is no row; training without validation\n", opt.valid, n);
  if (split.train.size() < 2)
    throw Error(d.path + ": too few training rows (" + std::to_string(split.train.size()) + ")");
  const ClassWeights cw = class_weights(d, split.train, shape.head, opt.balanced);

  // The exact table: its selection pass on the training rows, then the features through it.
  TableSelection table;
  if (shape.table_groups) {
    TableSelectOptions so;
    so.entries = opt.table_entries;
    so.l2 = kTableSelectL2 * opt.l2;
    so.lr = opt.lr;
    so.epochs = std::min(opt.epochs, kTableSelectEpochs);
    so.batch = opt.batch;
    so.seed = opt.seed;
    so.max_text_bytes = opt.table_select_bytes;
    table = select_table(d, shape, split.train, so, cw);
    if (progress)
      std::fprintf(stderr, "train: exact table of %u groups x %u: %u features selected (from %zu of %zu rows)\n",
                   shape.table_groups, unsigned{kTableWays}, table.placed, table.rows_read, split.train.size());
  }
  // The features: tokenized once, and held, or (beyond opt.feature_memory) written to a file that
  // every pass reads back through a feed. The model is the same either way. And whether any
  // training row has a feature (the data layer refuses an empty text column; this catches any other
  // way to train on nothing: the text row, appended to every row, is not a feature of its text),
  // and the features per training row.
  const FeatureMap map = feature_map(shape, table.fingerprints);
  const uint64_t text_bytes = d.text_bytes();
  const size_t row_only = shape.text_row ? shape.text_row_count : 0u;
  bool any_feature = false;
  uint64_t train_features = 0;
  size_t next_train = 0;  // split.train is sorted
  const auto count_row = [&](size_t i, size_t nf) {
    while (next_train < split.train.size() && split.train[next_train] < i) ++next_train;
    if (next_train == split.train.size() || split.train[next_train] != i) return;
    any_feature = any_feature || nf > row_only;
    train_features += nf;
  };
  Tokenized tok;
  std::unique_ptr<RowFeed> feed;
  if (text_bytes * kFeatureBytesPerTextByte <= opt.feature_memory) {
    tok = tokenize_all(d, shape, map, pool, opt.kind_scaled(), release);
    for (size_t i = 0; i < n; ++i) count_row(i, tok.row_size(i));
  } else {
    // Blocks of whole batches, about 1,024 rows.
    const size_t block = opt.batch * std::max<size_t>(1, 1024 / opt.batch);
    feed = std::make_unique<RowFeed>(d, shape, map, opt.kind_scaled(), block);
    feed->build(pool, release, count_row);
    // The texts' file and its index (12 bytes a row) are not read again: every pass reads the
    // features' file (d.size() is not asked from here on).
    if (owned) owned->spool.reset();
    if (progress)
      std::fprintf(stderr, "train: %.0f MB of text: its features (%.0f MB) go to a temporary file, read back on each pass (--feature-memory %llu)\n",
                   static_cast<double>(text_bytes) / 1e6, static_cast<double>(feed->file_bytes()) / 1e6,
                   static_cast<unsigned long long>(opt.feature_memory));
  }
  // Row i's features, the rows asked for in the order of a pass over `rows` (the feed's).
  size_t fed = 0;
  const RowFeed::Block* blk = nullptr;
  const detail::RowFn row_of = [&](size_t i, const uint16_t*& f, const uint8_t*& k, size_t& nf) {
    if (!feed) {
      f = tok.row(i), nf = tok.row_size(i), k = tok.chunks.empty() || tok.chunks[0].kinds.empty() ? nullptr : tok.row_kinds(i);
      return;
    }
    if (!blk || fed >= blk->first + blk->rows) blk = &feed->block(fed / feed->block_rows());
    const size_t j = fed++ - blk->first;
    f = blk->row(j), nf = blk->row_size(j), k = blk->kinds.empty() ? nullptr : blk->row_kinds(j);
  };
  const auto pass = [&](const Rows& rows, const std::function<void()>& fn) {
    if (feed) feed->start(rows);
    fed = 0, blk = nullptr;
    fn();
    if (feed) feed->finish();
  };
  const auto t_tok = Clock::now();
  if (!any_feature)
    throw Error(d.path + ": no training text gives a feature (every text is empty); check the text column (--text)");

  // Training threads. The result does not depend on the thread count (see trainer.h), so a model
  // whose batches are too small to repay two thread hand-offs per batch trains on one thread.
  const double avg_feats =
      static_cast<double>(train_features) / static_cast<double>(std::max<size_t>(split.train.size(), 1));
  const double batch_work = avg_feats * static_cast<double>(opt.batch) * static_cast<double>(shape.dim + shape.hidden);
  WorkerPool& tpool = batch_work >= kMinParallelBatchWork ? pool : single;

  TrainReport rep;
  rep.shape = shape;
  rep.metric_name = shape.head == Head::kSigmoid ? "auc" : "macro-f1";
  rep.train_examples = split.train.size();
  rep.valid_examples = split.valid.size();
  rep.table_select_rows = table.rows_read;
  rep.tokenize_seconds = std::chrono::duration<double>(t_tok - t_start).count();

  const Examples ex{tok, d.targets, shape.outputs};
  Loop loop(ex, feed.get(), d.label_names, opt, shape, cw, tpool, pool, table.fingerprints, rep);
  std::vector<float> scales;
  pass(split.train, [&] { scales = feature_scales(opt, shape, row_of, d, split.train); });
  loop.set_feature_scales(std::move(scales));
  FloatModel m = loop.run(split.train, split.valid);
  if (progress && !split.valid.empty())
    std::fprintf(stderr, "best epoch %u: valid %s %.4f\n", rep.best_epoch, rep.metric_name.c_str(), rep.best_metric);
  if (report) *report = std::move(rep);
  return m;
}

}  // namespace

FloatModel train(const data::Dataset& d, const TrainOptions& opt, TrainReport* report) {
  return train_on(d, opt, report, nullptr);
}

FloatModel train(const data::Dataset& d, const TrainRequest& r, TrainReport* report) {
  return train(d, resolve(r, DataSummary::of(d)), report);
}

FloatModel train(data::Dataset&& d, const TrainRequest& r, TrainReport* report) {
  const TrainOptions opt = resolve(r, DataSummary::of(d));
  return train_on(d, opt, report, &d);
}

}  // namespace tt::train
