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

// On for linear models (CV, docs/training.md round 6: SMS +0.0010 at 4K and 32K, Jigsaw -0.0002,
// Davidson +-0.0003); embedding models were not measured.
bool default_text_row(const ModelShape& shape) { return shape.linear; }

uint8_t default_text_row_count(const ModelShape& shape) { return shape.linear ? kDefaultLinearTextRowCount : 1; }

double default_valid(const ModelShape& shape, bool refit) { return shape.linear && !refit ? 0.0 : kDefaultValid; }

float default_nb_alpha(const ModelShape& shape) { return shape.linear ? kDefaultNbAlpha : 0.0f; }

uint8_t default_fold_digits(const ModelShape& shape) { return shape.outputs == 1 ? 1 : 0; }

uint32_t default_exact_table(uint64_t max_flash, const ModelShape& shape) {
  if (!max_flash || max_flash > kSmallBudget || !shape.linear || shape.outputs != 1) return 0;
  return static_cast<uint32_t>(max_flash * kDefaultTablePer4K / 4096);
}

uint32_t exact_table_entries(const TrainOptions& opt, const ModelShape& shape) {
  if (opt.exact_table >= 0) return static_cast<uint32_t>(std::min<int64_t>(opt.exact_table, UINT32_MAX));
  // An explicit --buckets keeps the plain hashed model (it would not leave room for the default table).
  return opt.buckets_set ? 0 : default_exact_table(opt.max_flash, shape);
}

uint32_t table_groups_for(uint32_t entries) {
  return static_cast<uint32_t>(std::ceil(entries / (kTableWays * kTableLoad) - 1e-9));
}

bool uses_class_weights(ClassWeight cw, Head head) {
  if (cw == ClassWeight::kAuto) return head == Head::kSoftmax;
  return cw == ClassWeight::kBalanced;
}

// ---- Shapes for a flash budget ----------------------------------------------------------------

std::string budget_rule_text() {
  return "--max-flash BYTES picks the shape (one byte per parameter, biases included): the hashed linear "
         "model (no output layer, D = outputs K) with the most buckets that fit next to its K biases and "
         "the K weights of its text row (--text-row), B = floor((BYTES - 2K) / K) rounded down to a multiple "
         "of 64, at most 65472 (32K, 1 output: B = 32704; 32K, 3 classes: B = 10880). Budgets up to 8K use "
         "words and char 3-4 n-grams (no bigrams) unless --char-ngrams or --word-ngrams is given, and, with one "
         "output, an exact table of 600 features per 4K (--exact-table): its 4G fingerprint bytes and 4G slot rows "
         "are paid for by buckets (4K, 1 output: G = 188, B = 2560; --exact-table 0: B = 4032). In our experiments "
         "the linear model beat "
         "every embedding + output layer shape of the same size on the binary, multi-label and multi-class "
         "tasks. Explicit --dim/--hidden (with or without --buckets) switch to an embedding model whose buckets "
         "are refitted to the budget.";
}

ModelShape shape_for_budget(uint64_t budget, const ModelShape& base, uint32_t outputs, Head head,
                            bool keep_features) {
  ModelShape s = base;
  if (budget <= kSmallBudget && !keep_features) {
    s.tokenizer.word_ngrams = 1;
    s.tokenizer.char_min = 3;
    s.tokenizer.char_max = 4;
  }
  s.outputs = outputs;
  s.head = head;
  s.hidden = 0;
  s.linear = true;
  s.dim = outputs;
  const uint64_t K = outputs;
  const uint64_t fixed = K + (s.text_row ? K : 0);  // the biases and the text row
  if (budget <= fixed) throw UsageError("--max-flash is too small");
  s.tokenizer.buckets =
      std::min<uint32_t>(kMaxBuckets - (s.text_row ? 64 : 0), round_down((budget - fixed) / K, 64));
  if (s.tokenizer.buckets < 64) throw UsageError("--max-flash is too small");
  return s;
}

ModelShape resolve_shape(const TrainOptions& opt, const data::Dataset& d) {
  ModelShape s = opt.shape;
  s.text_row = opt.text_row == 1;
  s.outputs = static_cast<uint32_t>(d.outputs());
  if (s.outputs == 0) throw Error(d.path + ": the data has no labels");
  s.tokenizer.fold_digits = opt.fold_digits >= 0 ? static_cast<uint8_t>(opt.fold_digits) : default_fold_digits(s);
  if (!opt.head_set) s.head = d.kind == data::LabelKind::kMultiClass ? Head::kSoftmax : Head::kSigmoid;
  if (s.head == Head::kSoftmax && d.kind != data::LabelKind::kMultiClass)
    throw UsageError(std::string("--loss softmax needs multi-class data (exactly one class per row); ") + d.path +
                     " is " + (d.kind == data::LabelKind::kBinary ? "binary" : "multi-label") +
                     ": use --loss sigmoid");
  if (opt.max_flash) {
    ModelShape b;
    try {
      // The small-budget features are for the linear model the budget picks.
      b = shape_for_budget(opt.max_flash, s, s.outputs, s.head,
                           opt.features_set || opt.dim_set || opt.hidden_set || opt.buckets_set);
    } catch (const UsageError&) {
      throw UsageError("--max-flash " + std::to_string(opt.max_flash) + " is too small for any model with " +
                       std::to_string(s.outputs) + " outputs (the smallest needs 64 buckets)");
    }
    // Explicit size flags override the budget's choice; the result must still fit.
    if (!opt.linear_set) s.linear = b.linear && !opt.dim_set && !opt.hidden_set;
    s.tokenizer.word_ngrams = b.tokenizer.word_ngrams;
    s.tokenizer.char_min = b.tokenizer.char_min;
    s.tokenizer.char_max = b.tokenizer.char_max;
    if (!opt.dim_set) s.dim = b.dim;
    if (!opt.hidden_set) s.hidden = b.hidden;
    if (!opt.buckets_set) {
      s.tokenizer.buckets = b.tokenizer.buckets;
      if (opt.dim_set || opt.hidden_set || opt.linear_set) {
        // Refit the buckets to the budget for the explicit dims.
        ModelShape probe = s;
        probe.tokenizer.buckets = 0;
        const uint64_t fixed = probe.parameter_count();
        if (opt.max_flash <= fixed + 64ull * s.dim)
          throw UsageError("--max-flash " + std::to_string(opt.max_flash) + " is too small for --dim " +
                           std::to_string(s.dim) + (s.hidden ? " --hidden " + std::to_string(s.hidden) : ""));
        s.tokenizer.buckets = std::min<uint32_t>(kMaxBuckets, round_down((opt.max_flash - fixed) / s.dim, 64));
      }
    }
  } else if (s.linear && !opt.dim_set) {
    s.dim = s.outputs;
  }
  if (s.linear && s.dim != s.outputs)
    throw UsageError("--linear needs --dim equal to the number of outputs (" + std::to_string(s.outputs) +
                     "), got " + std::to_string(s.dim));
  // The default text row; not with an explicit --buckets 65536 (no 16-bit index left for it).
  if (opt.text_row < 0 && default_text_row(s) && (!opt.buckets_set || s.tokenizer.buckets < kMaxBuckets)) {
    s.text_row = true;
    // Its D parameters may not fit the budget, nor its index B = 65536: one 64-step of buckets fewer.
    if (!opt.buckets_set && s.tokenizer.buckets >= kMaxBuckets) s.tokenizer.buckets = kMaxBuckets - 64;
    if (opt.max_flash && !opt.buckets_set)
      while (s.parameter_count() > opt.max_flash && s.tokenizer.buckets > 64) s.tokenizer.buckets -= 64;
  }
  if (opt.text_row_count && !s.text_row)
    throw UsageError("--text-row-count applies to the text row, which this model (" + s.describe() +
                     ") does not have: add --text-row or drop --text-row-count");
  if (opt.text_row_count > kMaxTextRowCount)
    throw UsageError("--text-row-count must be in [1, " + std::to_string(kMaxTextRowCount) + "], got " +
                     std::to_string(opt.text_row_count));
  s.text_row_count = !s.text_row           ? 1
                     : opt.text_row_count ? static_cast<uint8_t>(opt.text_row_count)
                                          : default_text_row_count(s);
  // The exact table: its groups, and with a budget, the buckets that pay for it.
  const uint32_t entries = exact_table_entries(opt, s);
  if (entries) {
    const uint32_t groups = table_groups_for(entries);
    if (groups > kMaxTableGroups)
      throw UsageError("--exact-table " + std::to_string(entries) + " needs " + std::to_string(groups) +
                       " groups; at most " + std::to_string(kMaxTableGroups) + " (" +
                       std::to_string(static_cast<uint64_t>(kMaxTableGroups * kTableWays * kTableLoad)) + " entries)");
    s.table_groups = groups;
    if (opt.max_flash && !opt.buckets_set) {
      ModelShape probe = s;
      probe.tokenizer.buckets = 0;
      const uint64_t fixed = probe.parameter_count();
      if (opt.max_flash < fixed + 64ull * s.dim)
        throw UsageError("--exact-table " + std::to_string(entries) + " takes " + std::to_string(fixed) +
                         " of --max-flash " + std::to_string(opt.max_flash) +
                         " bytes with the biases and the text row, leaving less than 64 buckets: use a smaller table "
                         "or a larger budget");
      s.tokenizer.buckets = std::min<uint32_t>(kMaxBuckets - (s.text_row ? 1u : 0u) - kTableWays * groups,
                                               round_down((opt.max_flash - fixed) / s.dim, 64));
    }
  }
  s.check();
  if (opt.max_flash && s.parameter_count() > opt.max_flash)
    throw UsageError("the model (" + s.describe() + ") does not fit --max-flash " + std::to_string(opt.max_flash));
  return s;
}

}  // namespace tt::train
