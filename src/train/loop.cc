#include "train/loop.h"

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
#include "train/range_filter.h"
#include "train/row_feed.h"
#include "train/table_select.h"
#include "train/worker_pool.h"

namespace tt::train::detail {

namespace {

using Clock = std::chrono::steady_clock;

// Seconds between progress lines within an epoch when stderr is not a terminal.
constexpr double kProgressSeconds = 10;

std::string fmt_seconds(double s) {
  char buf[32];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  else
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s / 60), static_cast<int>(s) % 60);
  return buf;
}

}  // namespace

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

void Loop::init_fq(const Pass& rows) {
  if (!opt_.qat) return;
  fq_ = std::make_unique<numerics::FakeQuant>(s_, qo_);
  const size_t cnt = std::min<size_t>(rows.size, 1024);
  if (feed_ && rows.rows) {
    RowFeed::Block b;
    feed_->read(rows.rows->data(), cnt, b);
    for (size_t j = 0; j < cnt; ++j) fq_->observe(m_, b.row(j), b.row_size(j));
    return;
  }
  if (feed_) {
    // The pass's first rows, in row order.
    feed_->start(rows);
    for (size_t b = 0, j = 0; j < cnt; ++b) {
      const RowFeed::Block& blk = feed_->block(b);
      for (size_t q = 0; q < blk.rows && j < cnt; ++q, ++j) fq_->observe(m_, blk.row(q), blk.row_size(q));
    }
    feed_->finish();
    return;
  }
  const Rows& r = *rows.rows;
  for (size_t j = 0; j < cnt; ++j) fq_->observe(m_, ex_.features(r[j]), ex_.feature_count(r[j]));
}

size_t Loop::batch_features(size_t nb) const {
  size_t n = 0;
  for (size_t j = 0; j < nb; ++j) n += bn_[j];
  return n;
}

void Loop::load_batch(const Pass& pass, size_t start, size_t nb) {
  if (!feed_) {
    const Rows& perm = *pass.rows;
    for (size_t j = 0; j < nb; ++j) {
      const size_t i = perm[start + j];
      bf_[j] = ex_.features(i), bn_[j] = ex_.feature_count(i), bt_[j] = ex_.target(i);
    }
    return;
  }
  const RowFeed::Block& b = feed_->block(start / feed_->block_rows());
  for (size_t j = 0; j < nb; ++j) {
    const size_t q = start - b.first + j;
    bf_[j] = b.row(q), bn_[j] = b.row_size(q);
    bt_[j] = pass.rows ? ex_.target((*pass.rows)[start + j]) : &b.targets[q * K_];
  }
}

void Loop::step(size_t nb, const FloatModel& fw, float lr, float bc1, float bc2,
                bool split, double& loss_sum) {
  const Weights<float> w = weights_of(fw);
  if (!split) {
    forward_backward(0, nb, w, caches_[0]);
    update_embedding_rows(0, 1, nb, lr, bc1, bc2);
    update_dense_rows(0, 1, nb, lr, bc1, bc2);
  } else {
    const size_t slice = kSliceExamples;
    const uint32_t slices = static_cast<uint32_t>((nb + slice - 1) / slice);
    pool_.run_phases({slices, ranges_ + dense_groups_}, [&](unsigned phase, unsigned u, unsigned t) {
      if (phase == 0)
        forward_backward(u * slice, std::min(nb, (u + 1) * slice), w, caches_[t]);
      else if (u < ranges_)
        update_embedding_rows(u, ranges_, nb, lr, bc1, bc2);
      else
        update_dense_rows(u - ranges_, dense_groups_, nb, lr, bc1, bc2);
    });
  }
  for (size_t j = 0; j < nb; ++j) loss_sum += L_[j];
}

void Loop::forward_backward(size_t b, size_t e, const Weights<float>& w, Cache<float>& c) {
  tt::pool_bags(s_, w.emb, &bf_[b], &bn_[b], e - b, &P_[b * D_], &SC_[b]);
  for (size_t j = b; j < e; ++j) {
    std::copy(&P_[j * D_], &P_[j * D_] + D_, c.p.begin());
    c.scale = SC_[j];
    tt::forward_pooled(s_, w, c);
    L_[j] = static_cast<double>(detail::loss_grad<float>(s_.head, c.z.data(), bt_[j], K_, cw_.wpos(),
                                                         cw_.wneg(), cw_.wcls(), c.dz.data()));
    detail::backward(s_, w, c);
    if (H_) {
      std::copy(c.a1.begin(), c.a1.end(), &A_[j * H_]);
      std::copy(c.dz1.begin(), c.dz1.end(), &DZ1_[j * H_]);
    }
    std::copy(c.dz.begin(), c.dz.end(), &G_[j * K_]);
    for (size_t dd = 0; dd < D_; ++dd) DPE_[j * D_ + dd] = c.scale * c.dp[dd];
  }
}

void Loop::update_embedding_rows(unsigned range, unsigned ranges, size_t nb, float lr, float bc1, float bc2) {
  switch (D_) {  // the linear models' D (= outputs)
    case 1: return update_embedding_rows_d<1>(range, ranges, nb, lr, bc1, bc2);
    case 2: return update_embedding_rows_d<2>(range, ranges, nb, lr, bc1, bc2);
    case 3: return update_embedding_rows_d<3>(range, ranges, nb, lr, bc1, bc2);
    default: return update_embedding_rows_d<0>(range, ranges, nb, lr, bc1, bc2);
  }
}

template <size_t DD>
void Loop::update_embedding_rows_d(unsigned range, unsigned ranges, size_t nb, float lr, float bc1, float bc2) {
  const size_t D = DD ? DD : D_;
  // The batch's gradient sums of the range's rows, in example order, and the rows touched in the
  // order first touched, without a branch per feature: every gemb_ row rests at -0.0f, the
  // identity of float addition (-0 + x == x for every x, zeros too), so the first sum is the
  // gradient itself, and a row is appended at every feature but counted only the first time.
  const uint32_t lo = static_cast<uint32_t>(slice_begin(B_, range, ranges));
  const uint32_t hi = static_cast<uint32_t>(slice_begin(B_, range + 1, ranges));
  std::vector<uint32_t>& list = touched_list_[range];
  if (list.size() < hi - lo + 1) list.resize(hi - lo + 1);
  // With several ranges, each example's features in this range, in their order.
  std::vector<uint16_t>& mine = filtered_[range];
  // Local pointers and the example's gradient in locals: the byte stores to `touched` may alias
  // anything, which would reload every member at each feature.
  uint32_t* const out = list.data();
  size_t cnt = 0;
  uint8_t* const touched = touched_.data();
  float* const gemb = gemb_.data();
  float g[DD ? DD : 1];
  for (size_t j = 0; j < nb; ++j) {
    const float* gj = &DPE_[j * D];
    if (DD) std::copy(gj, gj + D, g);
    const float* gs = DD ? g : gj;
    const uint16_t* feats = bf_[j];
    size_t nq = bn_[j];
    if (ranges > 1) {
      if (mine.size() < nq + kFilterSlack) mine.resize(nq + kFilterSlack);
      nq = filter_range(feats, nq, lo, hi, mine.data());
      feats = mine.data();
    }
    for (size_t q = 0; q < nq; ++q) {
      const size_t f = feats[q];
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

void Loop::update_dense_rows(unsigned group, unsigned groups, size_t nb, float lr, float bc1, float bc2) {
  // Output row k (w2[k], b2[k]) is row k, hidden row h (w1[h], b1[h]) row K + h.
  for (size_t d = group; d < K_ + H_; d += groups) {
    if (d < K_)
      update_output_row(d, nb, lr, bc1, bc2);
    else
      update_hidden_row(d - K_, nb, lr, bc1, bc2);
  }
}

void Loop::score_rows(const FloatModel& mm, const Pass& pass) {
  scores_.resize(pass.size * K_);
  score_y_.resize(pass.size * K_);
  const Weights<float> w = weights_of(mm);
  if (pass.rows)
    for (size_t j = 0; j < pass.size; ++j) std::copy_n(ex_.target((*pass.rows)[j]), K_, &score_y_[j * K_]);
  if (!feed_) {
    const Rows& rows = *pass.rows;
    score_block(w, rows.size(), 0, [&](size_t j) { return std::make_pair(ex_.features(rows[j]), ex_.feature_count(rows[j])); });
    return;
  }
  feed_->start(pass);
  for (size_t b = 0, first = 0; first < pass.size; ++b, first += feed_->block_rows()) {
    const RowFeed::Block& blk = feed_->block(b);
    if (!pass.rows) std::copy(blk.targets.begin(), blk.targets.end(), &score_y_[first * K_]);
    score_block(w, blk.rows, first, [&](size_t j) { return std::make_pair(blk.row(j - first), blk.row_size(j - first)); });
  }
  feed_->finish();
}

template <class RowOf>
void Loop::score_block(const Weights<float>& w, size_t n, size_t first, RowOf row) {
  const unsigned T = pool_.size();
  pool_.run([&](unsigned t) {
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

void Loop::column(size_t k, std::vector<float>& s, std::vector<uint8_t>& y) const {
  const size_t n = scores_.size() / K_;
  s.resize(n);
  y.resize(n);
  for (size_t j = 0; j < n; ++j) {
    s[j] = scores_[j * K_ + k];
    y[j] = score_y_[j * K_ + k];
  }
}

double Loop::metric() const {
  const size_t n = scores_.size() / K_;
  if (s_.head == Head::kSigmoid) {
    std::vector<double> aucs(K_);
    std::vector<float> s;
    std::vector<uint8_t> y;
    for (size_t k = 0; k < K_; ++k) {
      column(k, s, y);
      aucs[k] = eval::roc_auc(std::vector<double>(s.begin(), s.end()), y);
    }
    return eval::mean_defined(aucs);
  }
  std::vector<size_t> pred(n), truth(n);
  for (size_t j = 0; j < n; ++j) {
    const float* s = &scores_[j * K_];
    pred[j] = static_cast<size_t>(std::max_element(s, s + K_) - s);
    const uint8_t* y = &score_y_[j * K_];
    truth[j] = static_cast<size_t>(std::max_element(y, y + K_) - y);
  }
  return eval::macro_f1(truth, pred, K_);
}

void Loop::set_thresholds(const Pass& all, const FloatModel& mm) {
  // Beyond the budget's rows, a seeded sample of that many, in their order (selection sampling;
  // the feed samples streamed rows the same way).
  const size_t cap = std::max<size_t>(opt_.threshold_rows, 1);
  const uint64_t seed = opt_.seed * 0x9E3779B97F4A7C15ull + 0x7E5;
  Rows sample;
  Pass rows = all;
  if (all.size > cap) {
    if (all.rows) {
      SplitMix64 pick(seed);
      sample.reserve(cap);
      size_t left = all.size;
      for (const RowIndex r : *all.rows) {
        if (pick.below(left--) < cap - sample.size()) sample.push_back(r);
        if (sample.size() == cap) break;
      }
      rows = pass_of(sample);
    } else {
      rows.stream.sample = cap, rows.stream.seed = seed, rows.size = cap;
    }
    if (!opt_.quiet)
      std::fprintf(stderr, "train: thresholds chosen on a seeded sample of %zu of %zu rows\n", cap, all.size);
  }
  score_rows(mm, rows);
  std::vector<float> s;
  std::vector<uint8_t> y;
  for (size_t k = 0; k < K_; ++k) {
    column(k, s, y);
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

void Loop::run_epochs(const Pass& rows, uint32_t max_epochs, const Pass* valid) {
  uint32_t since_best = 0;
  // Held rows: a shuffle of their list per epoch; streamed rows: the feed's block shuffle, seeded
  // per epoch from the same generator.
  Rows perm = rows.rows ? *rows.rows : Rows();
  Pass ep = rows.rows ? pass_of(perm) : rows;
  ep.stream.shuffle = true;
  SplitMix64 shuffle_rng(opt_.seed * 0xD1B54A32D192ED03ull + 1);
  const size_t bs = opt_.batch;
  const size_t n = rows.size;
  total_steps_ = static_cast<double>((n + bs - 1) / bs) * opt_.epochs;
  step_ = 0;
  for (uint32_t epoch = 1; epoch <= max_epochs; ++epoch) {
    const auto t_ep = Clock::now();
    if (rows.rows)
      tt::shuffle(perm, shuffle_rng);
    else
      ep.stream.seed = shuffle_rng.next();
    if (feed_) feed_->start(ep);
    double loss_sum = 0;
    auto t_shown = t_ep;
    for (size_t start = 0; start < n; start += bs) {
      // Progress within a long epoch: each second on a terminal, else every kProgressSeconds.
      if (!opt_.quiet && start && (start / bs) % 64 == 0) {
        const auto now = Clock::now();
        if (now - t_shown >= std::chrono::duration<double>(::isatty(2) == 1 ? 1.0 : kProgressSeconds)) {
          t_shown = now;
          report_progress(epoch, max_epochs, start, n, std::chrono::duration<double>(now - t_ep).count());
        }
      }
      check_cancelled();
      const size_t nb = std::min(bs, n - start);
      const float lr = static_cast<float>(lr0_ * std::max(0.0, 1.0 - static_cast<double>(step_) / total_steps_));
      ++step_;
      const float bc1 = 1.0f - std::pow(oc_.beta1, static_cast<float>(step_));
      const float bc2 = 1.0f - std::pow(oc_.beta2, static_cast<float>(step_));
      load_batch(ep, start, nb);
      const FloatModel& fw = working();
      const bool split = choice_.split();
      const auto t_step = Clock::now();
      step(nb, fw, lr, bc1, bc2, split, loss_sum);
      choice_.record(split, std::chrono::duration<double>(Clock::now() - t_step).count(), batch_features(nb));
      // The int8 model's activations (those of the shadow), in example order.
      if (fq_)
        for (size_t j = 0; j < nb; ++j) fq_->observe_activations(&P_[j * D_], H_ ? &A_[j * H_] : nullptr);
      if (!std::isfinite(loss_sum))
        throw Error("training diverged in epoch " + std::to_string(epoch) +
                    " (the loss is NaN or infinite); no model was written. Try a lower --lr (now " + lr_text_ + ")");
    }
    if (feed_) feed_->finish();
    const double ep_seconds = std::chrono::duration<double>(Clock::now() - t_ep).count();
    trained_seconds_ += ep_seconds;
    EpochReport er;
    er.epoch = epoch;
    er.loss = loss_sum / static_cast<double>(n);
    er.examples_per_s = static_cast<double>(n) / std::max(ep_seconds, 1e-9);
    er.valid_metric = std::numeric_limits<double>::quiet_NaN();
    bool stop = false;
    if (valid) {
      score_rows(working(), *valid);
      er.valid_metric = metric();
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

FloatModel Loop::run(const Pass& rows, const Pass& valid) {
  best_ = m_;
  init_fq(rows);
  run_epochs(rows, opt_.epochs, valid.size ? &valid : nullptr);
  if (fq_) rep_.qat_ranges = fq_->ranges();
  if (valid.size) {
    m_ = std::move(best_);
    if (fq_) rep_.qat_ranges = best_ranges_;
    if (s_.head == Head::kSigmoid) set_thresholds(valid, fq_ ? numerics::dequantized(m_, rep_.qat_ranges) : m_);
    if (opt_.refit) {
      // Retrain from the same start on every row (training + validation) for the best epoch count,
      // with the same learning-rate schedule; the thresholds chosen above are kept.
      const std::vector<float> thr = m_.threshold;
      reset();
      const size_t n = rows.rows ? ex_.size() : feed_->rows(Pick::kAll);
      if (!opt_.quiet) std::fprintf(stderr, "refit on all %zu rows for %u epochs\n", n, best_epoch_);
      Rows all_rows(rows.rows ? n : 0);
      std::iota(all_rows.begin(), all_rows.end(), RowIndex{0});
      const Pass all = rows.rows ? pass_of(all_rows) : Pass{nullptr, {Pick::kAll}, n};
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

}  // namespace tt::train::detail
