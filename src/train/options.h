// Training options: what the caller sets, the defaults the trainer derives from the data and the
// shape, and the shape a flash budget buys (docs/training.md).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "data/dataset.h"
#include "model/float_model.h"
#include "train/optimizer.h"

namespace tt::train {

// Class weighting. kAuto: balanced for softmax heads (the metric is macro-F1, which rewards the
// rare classes), none for sigmoid heads (the metric is ROC AUC, a ranking that weighting only
// distorts; the stored threshold is chosen by F1 on validation data anyway).
enum class ClassWeight : uint8_t { kAuto, kBalanced, kNone };

// NB-weighted training defaults (linear models): smoothing 1, scale interpolation 0.25.
constexpr float kDefaultNbAlpha = 1.0f;
constexpr float kDefaultNbBeta = 0.25f;

// The exact table's selection pass (select_table, table_select.h) keeps every token of the rows it
// reads (about 7 bytes of RAM per byte of text): beyond this many bytes of text it reads a seeded
// sample of the training rows (TrainRequest::table_select_bytes, --table-sample), so its memory
// is bounded. A sample ranks worse (docs/training.md, round 9); every benchmark set is far below
// the cap.
constexpr uint64_t kTableSelectBytes = uint64_t{16} << 20;

// The tokenized features are held in memory while they take about this many bytes at most
// (estimated as kFeatureBytesPerTextByte per byte of text); beyond it every pass over the rows
// tokenizes them again on a producer thread (train/row_feed.h): the same model, the texts'
// memory instead of the features' (about 5.6 times less), and more CPU (TrainRequest::
// feature_memory, --feature-memory).
constexpr uint64_t kFeatureMemory = uint64_t{64} << 20;
constexpr uint64_t kFeatureBytesPerTextByte = 5;
// Streamed rows (the reader's form beyond the text budget) train from their held form when
// they are few: at most kHeldStreamRows (64 of the feed's 1,024-row file blocks; fewer blocks make
// a coarse block shuffle) and, at kHeldRowBytes each (texts' and features' indices, split, order,
// lines, targets), within the text budget (feature_memory / kFeatureBytesPerTextByte). Such data
// then gets the held path's full shuffle and split: the model of data that fits.
constexpr uint64_t kHeldStreamRows = 65536;
constexpr uint64_t kHeldRowBytes = 40;
// The thresholds' pass (each output's F1-best threshold, on the validation rows or, without them,
// on every training row) takes about 64 bytes per row (the scores and their sort): beyond this
// many rows it takes a seeded sample of this many (TrainOptions::threshold_rows), so its memory
// stays under about 64 MB.
constexpr size_t kThresholdRows = size_t{1} << 20;

// Default features (--word-ngrams, --char-ngrams) and sizes when neither they nor a budget say.
constexpr uint8_t kDefaultWordNgrams = 2;
constexpr uint8_t kDefaultCharMin = 3, kDefaultCharMax = 5;
constexpr uint32_t kDefaultBuckets = 4096, kDefaultDim = 16;

// What the caller asks for (the CLI's flags, one to one). Every value left unset takes the
// default for the data and the shape; resolve() decides them all, once.
struct TrainRequest {
  // Size: a flash budget picks the shape (shape_for_budget); explicit sizes override its choice.
  std::optional<uint64_t> max_flash;
  std::optional<uint32_t> buckets, dim, hidden;
  bool linear = false;  // no output layer, D = outputs
  // Features and head.
  std::optional<uint8_t> word_ngrams;
  std::optional<std::array<uint8_t, 2>> char_ngrams;  // {min, max}; {0, 0}: none
  std::optional<bool> fold_digits;                    // TokenizerConfig::fold_digits
  Pool pool = Pool::kSqrt;
  std::optional<Head> head;                           // default: softmax for multi-class data
  std::optional<bool> text_row;                       // ModelShape::text_row
  std::optional<uint32_t> text_row_count;             // 1 .. kMaxTextRowCount, with the row
  std::optional<uint32_t> exact_table;                // entries (0: none)

  // Optimisation.
  uint32_t epochs = 10;
  std::optional<float> lr;
  uint32_t batch = 32;
  Optimizer optimizer = Optimizer::kAdagrad;
  std::optional<float> l2;
  ClassWeight class_weight = ClassWeight::kAuto;
  // Fraction of the data held out for early stopping and thresholds.
  std::optional<double> valid;
  uint32_t patience = 3;  // epochs without improvement before stopping
  // Keep the last epoch's weights (no early stopping); the validation rows still set the
  // thresholds and are scored after each epoch for the report.
  bool keep_last = false;
  // After early stopping, retrain from scratch on all rows (training + validation) for the best
  // epoch count; thresholds stay those chosen on the validation rows. Off by default: it gains
  // on some tasks and loses more on others (docs/training.md, round 4).
  bool refit = false;
  // Quantisation-aware training (--qat): every batch's forward/backward runs on the dequantised
  // int8 weights (numerics::FakeQuant), the gradients update the float weights (straight-through
  // estimator), validation scores and thresholds are those of the int8 model, and the activation
  // ranges to quantise with are returned in TrainReport::qat_ranges: quant::quantize(model,
  // report.qat_ranges) is then the int8 model that was validated.
  bool qat = false;
  double qat_margin = 2.0;  // as numerics::QuantOptions::margin
  // NB-weighted training of linear models (NB-LR, Wang & Manning 2012) when > 0: per bucket b and
  // output k, r[b][k] = log((a + pos_b) / (a |pos|_1 + ...)) - log(same for the negatives), from the
  // rows of the training split that contain b (presence, not counts; a = nb_alpha; one-vs-rest
  // for softmax heads). The trainer learns v in the scaled space (feature x_b r[b][k]) with the L2
  // penalty on v and stores the weights w = v r: the model file and the device are unchanged. 0: off.
  std::optional<float> nb_alpha;
  // Interpolation of the scale with plain training: s = (1 - beta) + beta |r| / mean|r| (per
  // output); the sign of r does not matter (v starts at 0 and the penalty is symmetric).
  float nb_beta = kDefaultNbBeta;
  // Per-feature-kind scale (char, word, bigram) of linear models: the trainer learns v with each
  // bucket's feature scaled by s_b (the mean of these factors over the features of the training
  // rows in bucket b) and stores w = v s_b (times the NB scale): a per-kind step size and L2
  // strength 1 / s^2. All 1: off. The model file and the device are unchanged.
  std::array<float, 3> kind_scale{1.0f, 1.0f, 1.0f};
  // The text row's training: `text_row_nb` gives it the NB scale like any bucket (else scale 1),
  // `text_row_l2` the L2 penalty (else none, like a bias). Both off by default: the penalty holds
  // the row near 0 and the NB scale changes nothing (docs/training.md, round 6).
  bool text_row_nb = false;
  bool text_row_l2 = false;
  uint64_t table_select_bytes = kTableSelectBytes;  // the selection pass's text, at most (above)
  uint64_t feature_memory = kFeatureMemory;         // features held in memory, at most (above)
  uint64_t seed = 1;
  uint32_t threads = 2;
  bool quiet = false;
  std::string info;  // recorded in the model file
};

// The options training runs with: every default resolved for the data (resolve), plain values.
struct TrainOptions {
  ModelShape shape;  // final: outputs, head, features, sizes, text row, exact table groups
  uint32_t epochs = 10;
  float lr = 0;
  uint32_t batch = 32;
  Optimizer optimizer = Optimizer::kAdagrad;
  float l2 = 0;
  bool balanced = false;  // class weights (ClassWeight resolved for the head)
  double valid = 0;       // held-out fraction, in [0, 1)
  uint32_t patience = 3;
  bool keep_last = false, refit = false, qat = false;
  double qat_margin = 2.0;
  float nb_alpha = 0, nb_beta = kDefaultNbBeta;  // nb_alpha 0: off
  std::array<float, 3> kind_scale{1.0f, 1.0f, 1.0f};
  bool text_row_nb = false, text_row_l2 = false;
  uint32_t table_entries = 0;  // features the selection pass places (with shape.table_groups)
  uint64_t table_select_bytes = kTableSelectBytes;
  uint64_t feature_memory = kFeatureMemory;
  size_t threshold_rows = kThresholdRows;
  uint64_t seed = 1;
  uint32_t threads = 2;
  // Which mini-batches are split over the threads: chosen by measured speed (-1), all (1) or
  // none (0). The model is the same bits either way; tests set it.
  int split_batches = -1;
  bool quiet = false;
  std::string info;

  bool kind_scaled() const { return kind_scale[0] != 1.0f || kind_scale[1] != 1.0f || kind_scale[2] != 1.0f; }
};

// What resolution needs to know of the data.
struct DataSummary {
  uint32_t outputs = 0;
  data::LabelKind kind = data::LabelKind::kBinary;
  std::string path;  // for messages
  static DataSummary of(const data::Dataset& d);
};

// Resolves every default and checks every option against the data; throws UsageError (or
// tt::Error for data that cannot be trained on).
TrainOptions resolve(const TrainRequest& r, const DataSummary& data);

// The defaults below were each chosen by cross-validation on the benchmark tasks; what was
// measured, and what lost, is in docs/training.md (the round named after each).

// Budgets up to this many bytes use the small-budget features (words, no bigrams, char 3-4) unless
// the n-gram flags or a size are given (round 3).
constexpr uint64_t kSmallBudget = 8192;
// The default learning rate for an optimiser and shape.
float default_lr(Optimizer opt, const ModelShape& shape);
// The default L2 penalty for a shape: kDefaultLinearL2 for linear models, 0 otherwise (round 4).
constexpr float kDefaultLinearL2 = 0.004f;
float default_l2(const ModelShape& shape);
// Whether a model gets the text row by default: linear models, the --max-flash shapes (round 6).
bool default_text_row(const ModelShape& shape);
// The text row's default count c: kDefaultLinearTextRowCount for linear models, 1 otherwise
// (round 7; embedding models were not measured).
constexpr uint8_t kDefaultLinearTextRowCount = 2;
uint8_t default_text_row_count(const ModelShape& shape);
// The default validation fraction: 0 for linear models without --refit (every row trains every
// epoch, no early stopping, thresholds from the training rows), kDefaultValid otherwise (round 4).
constexpr double kDefaultValid = 0.1;
double default_valid(const ModelShape& shape, bool refit);
// The default NB smoothing for a shape: kDefaultNbAlpha for linear models, 0 (off) otherwise.
float default_nb_alpha(const ModelShape& shape);
// The exact table's default entries: kDefaultTablePer4K per 4,096 bytes of budget for linear
// models with one output under a small budget (600 at 4K, 1200 at 8K), 0 otherwise (round 8).
constexpr uint32_t kDefaultTablePer4K = 600;
uint32_t default_exact_table(uint64_t max_flash, const ModelShape& shape);
// Whether the tokenizer folds digits by default: for models with one output (round 9).
uint8_t default_fold_digits(const ModelShape& shape);
// The selection pass's L2 penalty as a fraction of the final training's (round 8).
constexpr float kTableSelectL2 = 0.25f;
// The selection pass's epochs, at most (fewer if --epochs is lower; round 8).
constexpr uint32_t kTableSelectEpochs = 3;
// The entries of the exact table a request asks for (the default when unset, none with an
// explicit --buckets).
uint32_t exact_table_entries(const TrainRequest& r, const ModelShape& shape);
// The groups (of kTableWays slots) sized for E entries: ceil(E / (kTableWays x kTableLoad)).
constexpr double kTableLoad = 0.8;
uint32_t table_groups_for(uint32_t entries);
// Whether balanced class weights are used for a head under a ClassWeight setting.
bool uses_class_weights(ClassWeight cw, Head head);

// The shape of a model: the request's sizes, features and head against the data, and with a
// budget the most buckets that fit it (buckets_for_budget). Small budgets (<= kSmallBudget) use
// words and char 3-4 n-grams unless the request sets the n-grams or a size. Throws UsageError
// when the shape cannot work or does not fit.
ModelShape resolve_shape(const TrainRequest& r, const DataSummary& data);
// The one function from a flash budget to a shape: what `train --max-flash budget` picks for
// data with `outputs` outputs of `kind`, the request's other choices applied (rule:
// docs/training.md; printed by train --help and size --help).
ModelShape shape_for_budget(uint64_t budget, uint32_t outputs, data::LabelKind kind, TrainRequest r = {});
// The most buckets, a multiple of 64, with which `s` (its other sizes as they are) fits
// `budget` bytes at one per parameter and its rows keep 16-bit indices; 0 when 64 do not fit.
uint32_t buckets_for_budget(const ModelShape& s, uint64_t budget);
// A one-paragraph description of the rule for --help, with its results for common budgets.
std::string budget_rule_text();

}  // namespace tt::train
