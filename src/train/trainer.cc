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
#include "data/spool.h"
#include "eval/metrics.h"
#include "model/forward.h"
#include "numerics/fake_quant.h"
#include "train/backprop.h"
#include "train/features.h"
#include "train/loop.h"
#include "train/optimizer.h"
#include "train/row_feed.h"
#include "train/table_select.h"
#include "train/worker_pool.h"

namespace tt::train {

namespace {

using Clock = std::chrono::steady_clock;
using detail::Cache;
using detail::Loop;

// Checks the data against the shape before any work.
// Row i's targets y (K bytes) on `line`, checked against the shape.
void check_row(const data::Dataset& d, const ModelShape& shape, const uint8_t* y, uint32_t line) {
  if (shape.head != Head::kSoftmax) return;
  size_t ones = 0;
  for (size_t k = 0; k < shape.outputs; ++k) ones += y[k];
  if (ones != 1) throw Error(at(d.path, line, "a softmax head needs exactly one class per row (use --loss sigmoid)"));
}

void check_data(const data::Dataset& d, const ModelShape& shape) {
  const size_t n = d.size(), K = shape.outputs;
  if (d.targets.size() != n * K) throw Error(d.path + ": internal error: targets do not match the rows");
  for (size_t i = 0; i < n; ++i) check_row(d, shape, &d.targets[i * K], d.lines.size() > i ? d.lines[i] : 0);
}

// Streamed data, before its features: each row checked as check_data does, each output's
// positive training rows, the training and validation rows, and with `sample_bytes` a held
// dataset of a seeded sample of the training rows, about that many bytes of text (the exact
// table's selection pass reads texts by row). One pass over the records.
struct Prepass {
  std::vector<double> pos;
  size_t train = 0, valid = 0;
  data::Dataset sample;
};
Prepass streamed_prepass(const data::Dataset& d, const ModelShape& shape, double valid, uint64_t seed,
                         uint64_t sample_bytes) {
  const size_t K = shape.outputs;
  Prepass p;
  p.pos.assign(K, 0.0);
  const double keep = sample_bytes >= d.text_bytes()
                          ? 1.0
                          : static_cast<double>(sample_bytes) / static_cast<double>(d.text_bytes());
  d.for_each_row([&](size_t i, uint32_t line, const uint8_t* y, std::string_view text) {
    check_row(d, shape, y, line);
    if (streamed_valid(i, valid, seed)) {
      ++p.valid;
      return;
    }
    ++p.train;
    for (size_t k = 0; k < K; ++k) p.pos[k] += y[k];
    if (!sample_bytes) return;
    SplitMix64 h(seed * 0x9E3779B97F4A7C15ull + 11 + i * 0xBF58476D1CE4E5B9ull);
    if (keep < 1.0 && h.uniform() >= keep) return;
    p.sample.texts.emplace_back(text);
    p.sample.targets.insert(p.sample.targets.end(), y, y + K);
  });
  p.sample.path = d.path;
  p.sample.kind = d.kind;
  p.sample.label_names = d.label_names;
  return p;
}

// The per-bucket scale s of reparametrised linear training (w = v s): the NB ratios, times the
// feature-kind scales; empty when neither applies.
std::vector<float> feature_scales(const TrainOptions& opt, const ModelShape& shape, const detail::RowFn& row,
                                  size_t m) {
  const size_t K = shape.outputs, B = shape.rows();
  std::vector<float> r = opt.nb_alpha > 0 ? detail::nb_ratios(row, m, K, B, opt.nb_alpha, opt.nb_beta)
                                          : std::vector<float>();
  // Bucket b's kind scale is the mean of kind_scale over the features of the training rows that
  // land in b; it multiplies the NB scale (a per-bucket step size and L2 strength 1 / s^2).
  if (opt.kind_scaled()) {
    const std::vector<float> ks = detail::kind_scales(row, m, B, opt.kind_scale.data());
    if (r.empty()) r.assign(B * K, 1.0f);
    for (size_t b = 0; b < B; ++b)
      for (size_t k = 0; k < K; ++k) r[b * K + k] *= ks[b];
  }
  // The text row's scale: the NB scale like any bucket, or 1.
  if (shape.text_row && !opt.text_row_nb && !r.empty())
    for (size_t k = 0; k < K; ++k) r[size_t{shape.tokenizer.buckets} * K + k] = 1.0f;
  return r;
}

// train(); `owned`: d itself, given up by the caller, or null: its texts are freed once tokenized.
FloatModel train_on(const data::Dataset& d, const TrainOptions& opt, TrainReport* report, data::Dataset* owned) {
  // Few streamed rows train from their held form (kHeldStreamRows, options.h): the reader streams by
  // text bytes before it knows the row count; here the count decides.
  if (d.streamed() &&
      d.size() <= std::min(kHeldStreamRows, opt.feature_memory / kFeatureBytesPerTextByte / kHeldRowBytes)) {
    data::Dataset held = data::held_form(d);
    if (owned) *owned = data::Dataset();  // the records' file, no longer read
    return train_on(held, opt, report, &held);
  }
  std::vector<std::string>* const release = owned && !owned->spool && !owned->streamed() ? &owned->texts : nullptr;
  const auto t_start = Clock::now();
  const ModelShape& shape = opt.shape;
  if (shape.outputs != d.outputs()) throw Error(d.path + ": the options were resolved for other data");
  if (!d.streamed()) check_data(d, shape);
  if (owned) std::vector<uint32_t>().swap(owned->lines);  // only check_data's messages name lines
  const size_t n = d.size();
  if (n > UINT32_MAX) throw Error(d.path + ": more than " + std::to_string(UINT32_MAX) + " rows");
  WorkerPool pool(opt.threads);
  const bool progress = !opt.quiet;

  // The split: held data by a seeded shuffle (split_rows), streamed data by a seeded hash per row
  // (streamed_valid; nothing held per row), counted by a pass over its records.
  const bool streamed = d.streamed();
  RowSplit split;
  Prepass pre;
  if (streamed) {
    pre = streamed_prepass(d, shape, opt.valid, opt.seed, shape.table_groups ? opt.table_select_bytes : 0);
  } else {
    split = split_rows(n, opt.valid, opt.seed);
  }
  const size_t n_train = streamed ? pre.train : split.train.size();
  const size_t n_valid = streamed ? pre.valid : split.valid.size();
  if (opt.valid > 0 && n_valid == 0 && progress)
    std::fprintf(stderr, "train: --valid %.3g of %zu rows is no row; training without validation\n", opt.valid, n);
  if (n_train < 2) throw Error(d.path + ": too few training rows (" + std::to_string(n_train) + ")");
  const std::vector<uint8_t>& targets = d.targets;
  const ClassWeights cw = streamed ? class_weights(pre.pos, static_cast<double>(n_train), shape.head, opt.balanced)
                                   : class_weights(targets, shape.outputs, split.train, shape.head, opt.balanced);

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
    if (streamed) {
      Rows all(pre.sample.texts.size());
      std::iota(all.begin(), all.end(), RowIndex{0});
      table = select_table(pre.sample, shape, all, so, cw);
      pre.sample = data::Dataset();
    } else {
      table = select_table(d, shape, split.train, so, cw);
    }
    if (progress)
      std::fprintf(stderr, "train: exact table of %u groups x %u: %u features selected (from %zu of %zu rows)\n",
                   shape.table_groups, unsigned{kTableWays}, table.placed, table.rows_read, n_train);
  }
  // The features: tokenized once, and held, or (beyond opt.feature_memory) written to a file that
  // every pass reads back through a feed. The model is the same either way. And whether any
  // training row has a feature (the data layer refuses an empty text column; this catches any other
  // way to train on nothing: the text row, appended to every row, is not a feature of its text).
  const FeatureMap map = feature_map(shape, table.fingerprints);
  const uint64_t text_bytes = d.text_bytes();
  const size_t row_only = shape.text_row ? shape.text_row_count : 0u;
  bool any_feature = false;
  size_t next_train = 0;  // split.train is sorted
  const auto count_row = [&](size_t i, size_t nf, const uint8_t*) {
    if (streamed) {
      if (streamed_valid(i, opt.valid, opt.seed)) return;
    } else {
      while (next_train < split.train.size() && split.train[next_train] < i) ++next_train;
      if (next_train == split.train.size() || split.train[next_train] != i) return;
    }
    any_feature = any_feature || nf > row_only;
  };
  Tokenized tok;
  std::unique_ptr<RowFeed> feed;
  if (!d.streamed() && text_bytes * kFeatureBytesPerTextByte <= opt.feature_memory) {
    tok = tokenize_all(d, shape, map, pool, opt.kind_scaled(), release);
    for (size_t i = 0; i < n; ++i) count_row(i, tok.row_size(i), nullptr);
  } else {
    // Blocks of whole batches, about 1,024 rows.
    const size_t block = opt.batch * std::max<size_t>(1, 1024 / opt.batch);
    feed = std::make_unique<RowFeed>(d, shape, map, opt.kind_scaled(), block, opt.valid, opt.seed);
    feed->build(pool, release, count_row);
    // The texts' file and its index (12 bytes a row) are not read again: every pass reads the
    // features' file (d.size() is not asked from here on).
    if (owned) owned->spool.reset(), owned->records.reset();
    if (progress)
      std::fprintf(stderr,
                   "train: %.0f MB of text: its features (%.0f MB) go to a temporary file in %s, read back on each "
                   "pass (--feature-memory %llu)\n",
                   static_cast<double>(text_bytes) / 1e6, static_cast<double>(feed->file_bytes()) / 1e6,
                   data::temp_dir().c_str(), static_cast<unsigned long long>(opt.feature_memory));
    if (progress && streamed)
      std::fprintf(stderr,
                   "train: rows streamed (nothing held per row): each epoch shuffles blocks of %zu rows, then the "
                   "rows of every %zu blocks; %s\n",
                   RowFeed::kFileBlockRows, RowFeed::kWindowBlocks,
                   opt.valid > 0 ? "validation rows chosen by a seeded hash of their index" : "no validation rows");
  }
  // The training rows, a pass over them, and the j-th row of that pass (held rows by index; fed
  // rows in the order of the feed's pass).
  const Pass train_pass = streamed ? Pass{nullptr, {Pick::kTrain}, n_train} : pass_of(split.train);
  const Pass valid_pass = streamed ? Pass{nullptr, {Pick::kValid}, n_valid} : pass_of(split.valid);
  size_t fed = 0;
  const RowFeed::Block* blk = nullptr;
  const size_t K = shape.outputs;
  const detail::RowFn row_of = [&](size_t j, const uint16_t*& f, const uint8_t*& k, size_t& nf, const uint8_t*& y) {
    if (!feed) {
      const size_t i = split.train[j];
      f = tok.row(i), nf = tok.row_size(i), k = tok.chunks.empty() || tok.chunks[0].kinds.empty() ? nullptr : tok.row_kinds(i);
      y = &targets[i * K];
      return;
    }
    if (!blk || fed >= blk->first + blk->rows) blk = &feed->block(fed / feed->block_rows());
    const size_t q = fed++ - blk->first;
    f = blk->row(q), nf = blk->row_size(q), k = blk->kinds.empty() ? nullptr : blk->row_kinds(q);
    y = streamed ? &blk->targets[q * K] : &targets[split.train[j] * K];
  };
  const auto pass = [&](const Pass& p, const std::function<void()>& fn) {
    if (feed) feed->start(p);
    fed = 0, blk = nullptr;
    fn();
    if (feed) feed->finish();
  };
  const auto t_tok = Clock::now();
  if (!any_feature)
    throw Error(d.path + ": no training text gives a feature (every text is empty); check the text column (--text)");

  TrainReport rep;
  rep.shape = shape;
  rep.metric_name = shape.head == Head::kSigmoid ? "auc" : "macro-f1";
  rep.train_examples = n_train;
  rep.valid_examples = n_valid;
  rep.table_select_rows = table.rows_read;
  rep.tokenize_seconds = std::chrono::duration<double>(t_tok - t_start).count();

  const Examples ex{tok, targets, shape.outputs};
  Loop loop(ex, feed.get(), d.label_names, opt, shape, cw, pool, table.fingerprints, rep);
  std::vector<float> scales;
  pass(train_pass, [&] { scales = feature_scales(opt, shape, row_of, n_train); });
  loop.set_feature_scales(std::move(scales));
  FloatModel m = loop.run(train_pass, valid_pass);
  if (progress && n_valid)
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
