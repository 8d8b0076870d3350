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
      std::fprintf(stderr,
                   "train: %.0f MB of text: its features (%.0f MB) go to a temporary file in %s, read back on each "
                   "pass (--feature-memory %llu)\n",
                   static_cast<double>(text_bytes) / 1e6, static_cast<double>(feed->file_bytes()) / 1e6,
                   data::temp_dir().c_str(), static_cast<unsigned long long>(opt.feature_memory));
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

  TrainReport rep;
  rep.shape = shape;
  rep.metric_name = shape.head == Head::kSigmoid ? "auc" : "macro-f1";
  rep.train_examples = split.train.size();
  rep.valid_examples = split.valid.size();
  rep.table_select_rows = table.rows_read;
  rep.tokenize_seconds = std::chrono::duration<double>(t_tok - t_start).count();

  const Examples ex{tok, d.targets, shape.outputs};
  Loop loop(ex, feed.get(), d.label_names, opt, shape, cw, pool, table.fingerprints, rep);
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
