#include "train/options.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.h"

namespace tt::train {

namespace {

uint32_t round_down(uint64_t x, uint32_t m) { return static_cast<uint32_t>(x / m * m); }

}  // namespace

float default_lr(Optimizer opt, const ModelShape& shape) {
  if (opt == Optimizer::kAdam) return 0.01f;
  return shape.linear ? 1.0f : 0.2f;
}

float default_l2(const ModelShape& shape) { return shape.linear ? kDefaultLinearL2 : 0.0f; }

// On for linear models; embedding models were not measured (docs/training.md, round 6).
bool default_text_row(const ModelShape& shape) { return shape.linear; }

uint8_t default_text_row_count(const ModelShape& shape) { return shape.linear ? kDefaultLinearTextRowCount : 1; }

double default_valid(const ModelShape& shape, bool refit) { return shape.linear && !refit ? 0.0 : kDefaultValid; }

float default_nb_alpha(const ModelShape& shape) { return shape.linear ? kDefaultNbAlpha : 0.0f; }

uint8_t default_fold_digits(const ModelShape& shape) { return shape.outputs == 1 ? 1 : 0; }

uint32_t default_exact_table(uint64_t max_flash, const ModelShape& shape) {
  if (!max_flash || max_flash > kSmallBudget || !shape.linear || shape.outputs != 1) return 0;
  return static_cast<uint32_t>(max_flash * kDefaultTablePer4K / 4096);
}

uint32_t exact_table_entries(const TrainRequest& r, const ModelShape& shape) {
  if (r.exact_table) return *r.exact_table;
  // An explicit --buckets keeps the plain hashed model (it would not leave room for the default table).
  return r.buckets ? 0 : default_exact_table(r.max_flash.value_or(0), shape);
}

uint32_t table_groups_for(uint32_t entries) {
  return static_cast<uint32_t>(std::ceil(entries / (kTableWays * kTableLoad) - 1e-9));
}

bool uses_class_weights(ClassWeight cw, Head head) {
  if (cw == ClassWeight::kAuto) return head == Head::kSoftmax;
  return cw == ClassWeight::kBalanced;
}

// ---- Shapes -------------------------------------------------------------------------------------

DataSummary DataSummary::of(const data::Dataset& d) {
  DataSummary s;
  s.outputs = static_cast<uint32_t>(d.outputs());
  s.kind = d.kind;
  s.path = d.path;
  return s;
}

uint32_t buckets_for_budget(const ModelShape& s, uint64_t budget) {
  ModelShape probe = s;
  probe.tokenizer.buckets = 0;
  const uint64_t fixed = probe.parameter_count();
  if (budget < fixed + 64ull * s.dim) return 0;
  const uint32_t cap = round_down(kMaxBuckets - probe.rows(), 64);  // rows past the buckets keep 16-bit indices
  return std::min<uint32_t>(cap, round_down((budget - fixed) / s.dim, 64));
}

namespace {

// The request's features, and the small-budget ones when it sets neither them nor a size.
void resolve_features(const TrainRequest& r, TokenizerConfig& t) {
  t.word_ngrams = r.word_ngrams.value_or(kDefaultWordNgrams);
  t.char_min = r.char_ngrams ? (*r.char_ngrams)[0] : kDefaultCharMin;
  t.char_max = r.char_ngrams ? (*r.char_ngrams)[1] : kDefaultCharMax;
  const bool keep = r.word_ngrams || r.char_ngrams || r.dim || r.hidden || r.buckets;
  if (r.max_flash && *r.max_flash <= kSmallBudget && !keep) {
    t.word_ngrams = 1;
    t.char_min = 3;
    t.char_max = 4;
  }
}

// The text row (the default for the shape unless the request says) and its count.
void resolve_text_row(const TrainRequest& r, ModelShape& s) {
  // Not by default with an explicit --buckets 65536 (no 16-bit index left for it).
  s.text_row = r.text_row ? *r.text_row
                          : default_text_row(s) && (!r.buckets || s.tokenizer.buckets < kMaxBuckets);
  if (r.text_row_count && !s.text_row)
    throw UsageError("--text-row-count applies to the text row, which this model (" + s.describe() +
                     ") does not have: add --text-row or drop --text-row-count");
  if (r.text_row_count && (*r.text_row_count < 1 || *r.text_row_count > kMaxTextRowCount))
    throw UsageError("--text-row-count must be in [1, " + std::to_string(kMaxTextRowCount) + "], got " +
                     std::to_string(*r.text_row_count));
  s.text_row_count = !s.text_row         ? 1
                     : r.text_row_count ? static_cast<uint8_t>(*r.text_row_count)
                                        : default_text_row_count(s);
}

// With a budget and no explicit --buckets: the most buckets that fit (the one budget computation).
void fit_buckets(const TrainRequest& r, ModelShape& s, uint32_t table_entries) {
  if (!r.max_flash || r.buckets) return;
  const uint64_t budget = *r.max_flash;
  ModelShape plain = s;
  plain.table_groups = 0;
  if (!buckets_for_budget(plain, budget)) {
    if (r.dim || r.hidden)
      throw UsageError("--max-flash " + std::to_string(budget) + " is too small for --dim " + std::to_string(s.dim) +
                       (s.hidden ? " --hidden " + std::to_string(s.hidden) : ""));
    throw UsageError("--max-flash " + std::to_string(budget) + " is too small for any model with " +
                     std::to_string(s.outputs) + " outputs (the smallest needs 64 buckets)");
  }
  s.tokenizer.buckets = buckets_for_budget(s, budget);
  if (!s.tokenizer.buckets) {
    ModelShape probe = s;
    probe.tokenizer.buckets = 0;
    throw UsageError("--exact-table " + std::to_string(table_entries) + " takes " +
                     std::to_string(probe.parameter_count()) + " of --max-flash " + std::to_string(budget) +
                     " bytes with the biases and the text row, leaving less than 64 buckets: use a smaller table "
                     "or a larger budget");
  }
}

}  // namespace

ModelShape resolve_shape(const TrainRequest& r, const DataSummary& data) {
  ModelShape s;
  s.tokenizer.buckets = r.buckets.value_or(kDefaultBuckets);
  resolve_features(r, s.tokenizer);
  s.pool = r.pool;
  s.outputs = data.outputs;
  if (s.outputs == 0) throw Error(data.path + ": the data has no labels");
  s.head = r.head ? *r.head : data.kind == data::LabelKind::kMultiClass ? Head::kSoftmax : Head::kSigmoid;
  if (s.head == Head::kSoftmax && data.kind != data::LabelKind::kMultiClass)
    throw UsageError(std::string("--loss softmax needs multi-class data (exactly one class per row); ") + data.path +
                     " is " + (data.kind == data::LabelKind::kBinary ? "binary" : "multi-label") +
                     ": use --loss sigmoid");
  s.tokenizer.fold_digits = r.fold_digits ? (*r.fold_digits ? 1 : 0) : default_fold_digits(s);
  // A budget picks the hashed linear model (D = outputs) unless --dim or --hidden asks for an
  // embedding model; explicit sizes win.
  s.linear = r.linear || (r.max_flash && !r.dim && !r.hidden);
  s.dim = r.dim ? *r.dim : (s.linear || r.max_flash) ? s.outputs : kDefaultDim;
  s.hidden = r.hidden.value_or(0);
  if (s.linear && s.dim != s.outputs)
    throw UsageError("--linear needs --dim equal to the number of outputs (" + std::to_string(s.outputs) +
                     "), got " + std::to_string(s.dim));
  resolve_text_row(r, s);
  // The exact table's groups; with a budget the buckets pay for it.
  const uint32_t entries = exact_table_entries(r, s);
  if (entries) {
    const uint32_t groups = table_groups_for(entries);
    if (groups > kMaxTableGroups)
      throw UsageError("--exact-table " + std::to_string(entries) + " needs " + std::to_string(groups) +
                       " groups; at most " + std::to_string(kMaxTableGroups) + " (" +
                       std::to_string(static_cast<uint64_t>(kMaxTableGroups * kTableWays * kTableLoad)) + " entries)");
    s.table_groups = groups;
  }
  fit_buckets(r, s, entries);
  s.check();
  if (r.max_flash && s.parameter_count() > *r.max_flash)
    throw UsageError("the model (" + s.describe() + ") does not fit --max-flash " + std::to_string(*r.max_flash));
  return s;
}

ModelShape shape_for_budget(uint64_t budget, uint32_t outputs, data::LabelKind kind, TrainRequest r) {
  r.max_flash = budget;
  DataSummary d;
  d.outputs = outputs;
  d.kind = kind;
  return resolve_shape(r, d);
}

TrainOptions resolve(const TrainRequest& r, const DataSummary& data) {
  TrainOptions o;
  o.shape = resolve_shape(r, data);
  const ModelShape& s = o.shape;
  if (r.epochs == 0) throw UsageError("--epochs must be at least 1");
  if (r.batch == 0) throw UsageError("--batch must be at least 1");
  o.epochs = r.epochs;
  o.batch = r.batch;
  o.optimizer = r.optimizer;
  o.lr = r.lr ? *r.lr : default_lr(r.optimizer, s);
  if (!(o.lr > 0)) throw UsageError("--lr must be positive");
  o.l2 = r.l2 ? *r.l2 : default_l2(s);
  o.balanced = uses_class_weights(r.class_weight, s.head);
  o.valid = r.valid ? *r.valid : default_valid(s, r.refit);
  if (!(o.valid >= 0 && o.valid < 1)) throw UsageError("--valid must be in [0, 1)");
  o.patience = r.patience;
  o.keep_last = r.keep_last;
  o.refit = r.refit;
  o.qat = r.qat;
  o.qat_margin = r.qat_margin;
  o.nb_alpha = r.nb_alpha ? *r.nb_alpha : default_nb_alpha(s);
  if (o.nb_alpha > 0 && !s.linear) throw UsageError("--nb applies to linear models only (--linear or --max-flash)");
  o.nb_beta = r.nb_beta;
  o.kind_scale = r.kind_scale;
  for (float ks : o.kind_scale)
    if (!(ks > 0)) throw UsageError("--kind-scale factors must be positive");
  if (o.kind_scaled() && !s.linear)
    throw UsageError("--kind-scale applies to linear models only (--linear or --max-flash)");
  o.text_row_nb = r.text_row_nb;
  o.text_row_l2 = r.text_row_l2;
  o.table_entries = s.table_groups ? exact_table_entries(r, s) : 0;
  o.table_select_bytes = r.table_select_bytes;
  o.feature_memory = r.feature_memory;
  o.seed = r.seed;
  o.threads = std::max(1u, r.threads);
  o.quiet = r.quiet;
  o.info = r.info;
  return o;
}

std::string budget_rule_text() {
  using data::LabelKind;
  const ModelShape b32 = shape_for_budget(32768, 1, LabelKind::kBinary);
  const ModelShape c32 = shape_for_budget(32768, 3, LabelKind::kMultiClass);
  const ModelShape b4 = shape_for_budget(4096, 1, LabelKind::kBinary);
  TrainRequest no_table;
  no_table.exact_table = 0;
  const ModelShape b4n = shape_for_budget(4096, 1, LabelKind::kBinary, no_table);
  const auto B = [](const ModelShape& s) { return std::to_string(s.tokenizer.buckets); };
  return "--max-flash BYTES picks the shape (one byte per parameter, biases included): the hashed linear "
         "model (no output layer, D = outputs K) with the most buckets that fit next to its K biases and "
         "the K weights of its text row (--text-row), B = floor((BYTES - 2K) / K) rounded down to a multiple "
         "of 64, at most " + std::to_string(round_down(kMaxBuckets - 1, 64)) + " (32K, 1 output: B = " + B(b32) +
         "; 32K, 3 classes: B = " + B(c32) + "). Budgets up to " + std::to_string(kSmallBudget / 1024) +
         "K use words and char 3-4 n-grams (no bigrams) unless --char-ngrams or --word-ngrams is given, and, "
         "with one output, an exact table of " + std::to_string(kDefaultTablePer4K) +
         " features per 4K (--exact-table): its 4G fingerprint bytes and 4G slot rows are paid for by buckets "
         "(4K, 1 output: G = " + std::to_string(b4.table_groups) + ", B = " + B(b4) + "; --exact-table 0: B = " +
         B(b4n) + "). In our experiments the linear model beat every embedding + output layer shape of the same "
         "size on the binary, multi-label and multi-class tasks. Explicit --dim/--hidden (with or without "
         "--buckets) switch to an embedding model whose buckets are refitted to the budget.";
}

}  // namespace tt::train
