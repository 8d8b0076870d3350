#include "train/trainer.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "common/error.h"
#include "common/rng.h"
#include "eval/metrics.h"
#include "numerics/fake_quant.h"
#include "model/forward.h"
#include "train/backprop.h"

namespace tt::train {

namespace detail {

double loss_and_grad(Head head, const float* z, const uint8_t* y, size_t K, const float* wpos, const float* wneg,
                     const float* wcls, float* dz) {
  return static_cast<double>(loss_grad<float>(head, z, y, K, wpos, wneg, wcls, dz));
}

double example_grads(const FloatModel& m, const uint16_t* f, size_t n, const uint8_t* y, const float* wpos,
                     const float* wneg, const float* wcls, Grads& g) {
  const ModelShape& s = m.shape;
  std::vector<double> emb(m.emb.begin(), m.emb.end()), w1(m.w1.begin(), m.w1.end()), b1(m.b1.begin(), m.b1.end()),
      w2(m.w2.begin(), m.w2.end()), b2(m.b2.begin(), m.b2.end());
  Weights<double> w{emb.data(), w1.data(), b1.data(), w2.data(), b2.data()};
  Cache<double> c;
  c.resize(s);
  tt::forward(s, w, f, n, c);
  const double loss = loss_grad<double>(s.head, c.z.data(), y, s.outputs, wpos, wneg, wcls, c.dz.data());
  backward(s, w, c);
  g.emb.assign(emb.size(), 0.0);
  g.w1.assign(w1.size(), 0.0);
  g.b1.assign(b1.size(), 0.0);
  g.w2.assign(w2.size(), 0.0);
  g.b2.assign(b2.size(), 0.0);
  const size_t D = s.dim, I = s.out_in();
  for (size_t i = 0; i < n; ++i)
    for (size_t d = 0; d < D; ++d) g.emb[size_t{f[i]} * D + d] += c.scale * c.dp[d];
  for (size_t k = 0; k < s.outputs; ++k) {
    g.b2[k] = c.dz[k];
    if (!s.linear)
      for (size_t j = 0; j < I; ++j) g.w2[k * I + j] = c.dz[k] * c.out_in(s)[j];
  }
  for (size_t h = 0; h < s.hidden; ++h) {
    g.b1[h] = c.dz1[h];
    for (size_t d = 0; d < D; ++d) g.w1[h * D + d] = c.dz1[h] * c.p[d];
  }
  return loss;
}

std::vector<float> nb_ratios(const uint16_t* feats, const uint64_t* offs, const std::vector<size_t>& rows,
                             const uint8_t* targets, size_t K, size_t B, double alpha, double beta) {
  // Presence counts per bucket among the positives and the negatives of each output.
  std::vector<double> pos(B * K, 0.0), neg(B * K, 0.0);
  std::vector<size_t> stamp(B, SIZE_MAX);
  for (size_t i : rows) {
    const uint8_t* y = targets + i * K;
    for (uint64_t q = offs[i]; q < offs[i + 1]; ++q) {
      const size_t b = feats[q];
      if (stamp[b] == i) continue;
      stamp[b] = i;
      for (size_t k = 0; k < K; ++k) (y[k] ? pos : neg)[b * K + k] += 1;
    }
  }
  std::vector<float> r(B * K);
  for (size_t k = 0; k < K; ++k) {
    double sp = 0, sn = 0;
    for (size_t b = 0; b < B; ++b) {
      sp += pos[b * K + k] + alpha;
      sn += neg[b * K + k] + alpha;
    }
    for (size_t b = 0; b < B; ++b)
      r[b * K + k] = static_cast<float>(std::log((pos[b * K + k] + alpha) / sp) - std::log((neg[b * K + k] + alpha) / sn));
    if (beta >= 0) {
      double mean = 0;
      for (size_t b = 0; b < B; ++b) mean += std::fabs(r[b * K + k]);
      mean = B ? mean / static_cast<double>(B) : 1.0;
      for (size_t b = 0; b < B; ++b)
        r[b * K + k] = static_cast<float>((1 - beta) + beta * std::fabs(r[b * K + k]) / (mean > 0 ? mean : 1.0));
    }
  }
  return r;
}

std::vector<float> kind_scales(const uint16_t* feats, const uint8_t* kinds, const uint64_t* offs,
                               const std::vector<size_t>& rows, size_t B, const float scale[3]) {
  std::vector<double> num(B, 0.0), den(B, 0.0);
  for (size_t i : rows)
    for (uint64_t q = offs[i]; q < offs[i + 1]; ++q) {
      num[feats[q]] += static_cast<double>(scale[kinds[q] < 3 ? kinds[q] : 0]);
      den[feats[q]] += 1.0;
    }
  std::vector<float> s(B, 1.0f);
  for (size_t b = 0; b < B; ++b)
    if (den[b] > 0) s[b] = static_cast<float>(num[b] / den[b]);
  return s;
}

double nb_example_grads(const FloatModel& mv, const std::vector<float>& r, const uint16_t* f, size_t n,
                        const uint8_t* y, Grads& g) {
  FloatModel w = mv;
  for (size_t i = 0; i < w.emb.size(); ++i) w.emb[i] = mv.emb[i] * r[i];
  const double loss = example_grads(w, f, n, y, nullptr, nullptr, nullptr, g);
  for (size_t i = 0; i < g.emb.size(); ++i) g.emb[i] *= static_cast<double>(r[i]);
  return loss;
}

}  // namespace detail

namespace {

using detail::Cache;

// A fixed set of threads running one job at a time: run(fn) calls fn(t) for every t in
// [0, size()), the caller being thread 0, and returns when all are done.
class WorkerPool {
 public:
  explicit WorkerPool(unsigned n) : n_(n ? n : 1) {
    for (unsigned t = 1; t < n_; ++t) threads_.emplace_back([this, t] { loop(t); });
  }
  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      stop_ = true;
    }
    cv_start_.notify_all();
    for (auto& th : threads_) th.join();
  }
  unsigned size() const { return n_; }

  void run(const std::function<void(unsigned)>& fn) {
    if (n_ == 1) {
      fn(0);
      return;
    }
    {
      std::lock_guard<std::mutex> lk(mu_);
      job_ = &fn;
      pending_ = n_ - 1;
      ++gen_;
    }
    cv_start_.notify_all();
    std::exception_ptr mine;
    try {
      fn(0);
    } catch (...) {
      mine = std::current_exception();
    }
    std::unique_lock<std::mutex> lk(mu_);
    cv_done_.wait(lk, [&] { return pending_ == 0; });
    job_ = nullptr;
    if (mine) std::rethrow_exception(mine);
    if (err_) {
      auto e = err_;
      err_ = nullptr;
      std::rethrow_exception(e);
    }
  }

 private:
  void loop(unsigned t) {
    uint64_t seen = 0;
    for (;;) {
      const std::function<void(unsigned)>* job;
      {
        std::unique_lock<std::mutex> lk(mu_);
        cv_start_.wait(lk, [&] { return stop_ || gen_ != seen; });
        if (stop_) return;
        seen = gen_;
        job = job_;
      }
      std::exception_ptr e;
      try {
        (*job)(t);
      } catch (...) {
        e = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lk(mu_);
        if (e && !err_) err_ = e;
        if (--pending_ == 0) cv_done_.notify_one();
      }
    }
  }

  unsigned n_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_start_, cv_done_;
  const std::function<void(unsigned)>* job_ = nullptr;
  uint64_t gen_ = 0;
  unsigned pending_ = 0;
  bool stop_ = false;
  std::exception_ptr err_;
};

// [begin, end) of slice t of n items split over T threads.
inline size_t slice_begin(size_t n, unsigned t, unsigned T) { return n * t / T; }

struct Tokenized {
  std::vector<uint16_t> feats;
  std::vector<uint64_t> offs;  // size n + 1
  std::vector<uint8_t> kinds;  // parallel to feats (FeatureKind), only when asked for
};

// The device tokenizer's features with their kinds (the model's append_text_features drops them).
struct KindSink {
  std::vector<uint16_t>* out;
  std::vector<uint8_t>* kinds;
  const FeatureMap* map;
  void operator()(uint32_t hash, uint8_t kind) {
    out->push_back((*map)(hash));
    kinds->push_back(kind);
  }
};

void append_features_with_kinds(const TokenizerConfig& cfg, const FeatureMap& map, const std::string& text,
                                std::vector<uint16_t>& out, std::vector<uint8_t>& kinds) {
  TokenizerState st;
  tokenizer_reset(st);
  KindSink sink{&out, &kinds, &map};
  for (const char c : text) tokenizer_push(cfg, st, static_cast<uint8_t>(c), sink);
  tokenizer_finish(cfg, st, sink);
}

// Every text's features end with the text row's index B, c times, when the shape has it (kind: word).
Tokenized tokenize_all(const data::Dataset& d, const ModelShape& shape, const FeatureMap& map, WorkerPool& pool,
                       bool with_kinds) {
  const TokenizerConfig& cfg = shape.tokenizer;
  const unsigned T = pool.size();
  const size_t n = d.size();
  std::vector<std::vector<uint16_t>> part(T);
  std::vector<std::vector<uint8_t>> kpart(T);
  std::vector<std::vector<uint64_t>> lens(T);
  pool.run([&](unsigned t) {
    const size_t b = slice_begin(n, t, T), e = slice_begin(n, t + 1, T);
    size_t bytes = 0;
    for (size_t i = b; i < e; ++i) bytes += d.texts[i].size();
    part[t].reserve(bytes * 3 + 16);
    lens[t].reserve(e - b);
    for (size_t i = b; i < e; ++i) {
      const size_t before = part[t].size();
      if (with_kinds)
        append_features_with_kinds(cfg, map, d.texts[i], part[t], kpart[t]);
      else
        append_text_features(cfg, map, d.texts[i], part[t]);
      const size_t row_at = part[t].size();
      append_text_row(shape, part[t]);
      if (with_kinds) kpart[t].resize(kpart[t].size() + (part[t].size() - row_at), static_cast<uint8_t>(kFeatureWord));
      lens[t].push_back(part[t].size() - before);
    }
  });
  Tokenized out;
  size_t total = 0;
  for (auto& p : part) total += p.size();
  out.feats.reserve(total);
  out.offs.reserve(n + 1);
  out.offs.push_back(0);
  for (unsigned t = 0; t < T; ++t) {
    out.feats.insert(out.feats.end(), part[t].begin(), part[t].end());
    out.kinds.insert(out.kinds.end(), kpart[t].begin(), kpart[t].end());
    std::vector<uint8_t>().swap(kpart[t]);
    for (uint64_t l : lens[t]) out.offs.push_back(out.offs.back() + l);
    std::vector<uint16_t>().swap(part[t]);
  }
  return out;
}

// Optimiser state for one tensor.
struct ParamState {
  std::vector<float> g1, g2;  // AdaGrad: g1 = sum of squares. Adam: g1 = m, g2 = v.
};

struct OptConfig {
  Optimizer kind;
  float l2;
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
  float adagrad_init = 0.0f;
};

// Updates w[0, n) with gradient g; `lr` already scheduled. bc1/bc2: Adam bias corrections.
inline void update(const OptConfig& o, float* w, const float* g, float* s1, float* s2, size_t n, float lr, float bc1,
                   float bc2) {
  if (o.kind == Optimizer::kAdagrad) {
    for (size_t i = 0; i < n; ++i) {
      const float gi = g[i] + o.l2 * w[i];
      s1[i] += gi * gi;
      w[i] -= lr * gi / (std::sqrt(s1[i]) + 1e-6f);
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      const float gi = g[i] + o.l2 * w[i];
      s1[i] = o.beta1 * s1[i] + (1 - o.beta1) * gi;
      s2[i] = o.beta2 * s2[i] + (1 - o.beta2) * gi * gi;
      w[i] -= lr * (s1[i] / bc1) / (std::sqrt(s2[i] / bc2) + o.eps);
    }
  }
}

bool is_terminal_stderr() { return ::isatty(2) == 1; }

std::string fmt_seconds(double s) {
  char buf[32];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  else
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s / 60), static_cast<int>(s) % 60);
  return buf;
}

// Multiply-adds per batch below which training runs on one thread.
constexpr double kMinParallelBatchWork = 1 << 19;

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

namespace {

// ---- Exact table ------------------------------------------------------------------------------

// The selection pass of the exact table (TrainOptions::exact_table): a linear model on the
// unhashed features of the training rows (every distinct 32-bit hash its own weight vector, plus
// the text row as a bias-like feature counted c times), pooled as the model pools, trained with
// AdaGrad, kTableSelectL2 times the L2 penalty (not on the text row and the biases: CV, round 8,
// the full penalty selects worse), the learning rate and its linear decay and the batches of
// the final training, at most kTableSelectEpochs epochs, on one thread in a seeded order (the result
// does not depend on --threads). Features are ranked by the norm of their weight vector (ties: the
// lower hash first) and put into their groups greedily: a feature whose group is full, or holds
// its fingerprint already, is skipped (it will reach that slot by its fingerprint anyway); the
// pass stops after `entries` features or at the end of the ranking. An empty slot gets the lowest
// byte not yet in its group (a row only false matches reach). Returns the 4G fingerprint bytes.
std::vector<uint8_t> select_table(const data::Dataset& d, const ModelShape& shape, const std::vector<size_t>& all_rows,
                                  uint32_t entries, const TrainOptions& opt, float l2, float lr0, const float* wp,
                                  const float* wn, const float* wc, uint32_t* placed, size_t* read_rows) {
  // The rows read: all of them, or, beyond opt.table_select_bytes of text, a seeded sample of
  // whole rows until their text reaches that size, kept in their own order (below the cap
  // nothing changes).
  uint64_t text_bytes = 0;
  for (size_t i : all_rows) text_bytes += d.texts[i].size();
  std::vector<size_t> sample;
  if (text_bytes > opt.table_select_bytes) {
    std::vector<size_t> order(all_rows.size());
    std::iota(order.begin(), order.end(), size_t{0});
    SplitMix64 pick(opt.seed * 0x9E3779B97F4A7C15ull + 11);
    tt::shuffle(order, pick);
    std::vector<uint8_t> take(all_rows.size(), 0);
    uint64_t got = 0;
    for (size_t j : order) {
      if (got >= opt.table_select_bytes) break;
      take[j] = 1;
      got += d.texts[all_rows[j]].size();
    }
    for (size_t j = 0; j < all_rows.size(); ++j)
      if (take[j]) sample.push_back(all_rows[j]);
  }
  const std::vector<size_t>& rows = sample.empty() ? all_rows : sample;
  if (read_rows) *read_rows = rows.size();
  const size_t K = shape.outputs;
  const uint32_t G = shape.table_groups;
  // The selection model: a linear model with one row per distinct hash (in order of first
  // appearance, deterministic) after row 0, the text row, which leads every text's features
  // c times (the pooled sums add it first: c w exactly, as a bias-like term).
  const uint32_t c = shape.text_row ? shape.text_row_count : 0;
  constexpr uint32_t kRow = 0;
  std::unordered_map<uint32_t, uint32_t> index;
  std::vector<uint32_t> hash_of{0}, feats, hashes;
  std::vector<uint64_t> offs{0};
  for (size_t i : rows) {
    hashes.clear();
    append_text_hashes(shape.tokenizer, d.texts[i], hashes);
    feats.insert(feats.end(), c, kRow);
    for (uint32_t h : hashes) {
      auto it = index.emplace(h, static_cast<uint32_t>(hash_of.size()));
      if (it.second) hash_of.push_back(h);
      feats.push_back(it.first->second);
    }
    offs.push_back(feats.size());
  }
  const size_t F = hash_of.size();  // rows, the text row included
  ModelShape sel = shape;
  sel.linear = true;
  sel.hidden = 0;
  sel.dim = shape.outputs;
  std::vector<float> w(F * K, 0.0f), s1(F * K, 0.0f), g(F * K, 0.0f);
  std::vector<float> b(K, 0.0f), sb(K, 0.0f), gb(K, 0.0f);
  const Weights<float> wv{w.data(), nullptr, nullptr, nullptr, b.data()};
  Activations<float> a;
  a.resize(sel);
  std::vector<float> dz(K);
  std::vector<uint8_t> touched(F, 0);
  std::vector<uint32_t> list;
  std::vector<size_t> perm(rows.size());
  std::iota(perm.begin(), perm.end(), size_t{0});
  SplitMix64 rng(opt.seed * 0x2545F4914F6CDD1Dull + 7);
  const size_t bs = opt.batch;
  const uint32_t epochs = std::min(opt.epochs, kTableSelectEpochs);
  const double total = static_cast<double>((perm.size() + bs - 1) / bs) * epochs;
  double step = 0;
  auto adagrad = [](float& wi, float gi, float& si, float lr) {
    si += gi * gi;
    wi -= lr * gi / (std::sqrt(si) + 1e-6f);
  };
  for (uint32_t epoch = 0; epoch < epochs; ++epoch) {
    tt::shuffle(perm, rng);
    for (size_t start = 0; start < perm.size(); start += bs) {
      const size_t nb = std::min(bs, perm.size() - start);
      const float lr = static_cast<float>(lr0 * std::max(0.0, 1.0 - step / total));
      ++step;
      std::fill(gb.begin(), gb.end(), 0.0f);
      for (size_t j = 0; j < nb; ++j) {
        const size_t r = perm[start + j];
        const uint64_t lo = offs[r], hi = offs[r + 1];
        tt::forward<float, double>(sel, wv, feats.data() + lo, static_cast<size_t>(hi - lo), a);
        const float sc = a.scale;
        detail::loss_and_grad(shape.head, a.z.data(), &d.targets[rows[r] * K], K, wp, wn, wc, dz.data());
        auto add = [&](uint32_t f, float times) {
          if (!touched[f]) {
            touched[f] = 1;
            list.push_back(f);
          }
          for (size_t k = 0; k < K; ++k) g[size_t{f} * K + k] += times * sc * dz[k];
        };
        for (uint64_t q = lo + c; q < hi; ++q) add(feats[q], 1.0f);
        if (c) add(kRow, static_cast<float>(c));
        for (size_t k = 0; k < K; ++k) gb[k] += dz[k];
      }
      // Each feature's update reads only its own weight, sum and gradient: any order gives the
      // same weights (list's order is the batch's, deterministic anyway).
      for (uint32_t f : list) {
        for (size_t k = 0; k < K; ++k) {
          const size_t o = size_t{f} * K + k;
          adagrad(w[o], g[o] + (f == kRow ? 0.0f : l2 * w[o]), s1[o], lr);
          g[o] = 0.0f;
        }
        touched[f] = 0;
      }
      list.clear();
      for (size_t k = 0; k < K; ++k) adagrad(b[k], gb[k], sb[k], lr);
    }
  }
  // Rank and fill.
  std::vector<std::pair<float, uint32_t>> rank(F - 1);
  for (size_t f = 1; f < F; ++f) {
    float n2 = 0;
    for (size_t k = 0; k < K; ++k) n2 += w[f * K + k] * w[f * K + k];
    rank[f - 1] = {n2, hash_of[f]};
  }
  std::sort(rank.begin(), rank.end(), [](const std::pair<float, uint32_t>& x, const std::pair<float, uint32_t>& y) {
    return x.first != y.first ? x.first > y.first : x.second < y.second;
  });
  std::vector<uint8_t> fp(size_t{kTableWays} * G, 0), used(G, 0);
  uint32_t n_in = 0;
  for (const auto& e : rank) {
    if (n_in >= entries) break;
    const uint32_t h = e.second;
    const uint32_t grp = bucket_of(h, G);
    const uint8_t f = table_fingerprint(h);
    uint8_t* slot = &fp[size_t{grp} * kTableWays];
    if (used[grp] == kTableWays || std::find(slot, slot + used[grp], f) != slot + used[grp]) continue;
    slot[used[grp]++] = f;
    ++n_in;
  }
  for (uint32_t grp = 0; grp < G; ++grp) {
    uint8_t* slot = &fp[size_t{grp} * kTableWays];
    for (uint8_t v = 0; used[grp] < kTableWays; ++v)
      if (std::find(slot, slot + used[grp], v) == slot + used[grp]) slot[used[grp]++] = v;
  }
  if (placed) *placed = n_in;
  return fp;
}

}  // namespace

// ---- Training ---------------------------------------------------------------------------------

FloatModel train(const data::Dataset& d, const TrainOptions& opt, TrainReport* report) {
  using Clock = std::chrono::steady_clock;
  const auto t_start = Clock::now();
  const ModelShape shape = resolve_shape(opt, d);
  if (opt.epochs == 0) throw UsageError("--epochs must be at least 1");
  if (opt.batch == 0) throw UsageError("--batch must be at least 1");
  const double valid = opt.valid >= 0 ? opt.valid : default_valid(shape, opt.refit);
  if (!(valid < 1)) throw UsageError("--valid must be in [0, 1)");
  const size_t n = d.size();
  const size_t K = shape.outputs, D = shape.dim, H = shape.hidden, I = shape.out_in();
  const size_t B = shape.rows();  // embedding rows: the buckets, the text row, the exact table's slots
  if (d.targets.size() != n * K) throw Error(d.path + ": internal error: targets do not match the rows");
  if (shape.head == Head::kSoftmax) {
    for (size_t i = 0; i < n; ++i) {
      size_t ones = 0;
      for (size_t k = 0; k < K; ++k) ones += d.targets[i * K + k];
      if (ones != 1)
        throw Error(at(d.path, d.lines.size() > i ? d.lines[i] : 0,
                       "a softmax head needs exactly one class per row (use --loss sigmoid)"));
    }
  }

  const unsigned T_all = std::max(1u, opt.threads);
  WorkerPool pool(T_all);
  WorkerPool single(1);
  const bool progress = !opt.quiet;
  const bool tty = progress && is_terminal_stderr();


  // Validation split (deterministic with the seed).
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  SplitMix64 split_rng(opt.seed * 0x9E3779B97F4A7C15ull + 0x5EED);
  tt::shuffle(order, split_rng);
  size_t n_valid = static_cast<size_t>(std::floor(valid * static_cast<double>(n)));
  if (valid > 0 && n_valid == 0 && progress)
    std::fprintf(stderr, "train: --valid %.3g of %zu rows is no row; training without validation\n", valid, n);
  std::vector<size_t> valid_idx(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n_valid));
  std::vector<size_t> train_idx(order.begin() + static_cast<std::ptrdiff_t>(n_valid), order.end());
  std::sort(valid_idx.begin(), valid_idx.end());
  std::sort(train_idx.begin(), train_idx.end());
  if (train_idx.size() < 2) throw Error(d.path + ": too few training rows (" + std::to_string(train_idx.size()) + ")");

  // Class weights from the training rows.
  std::vector<float> wpos(K, 1.0f), wneg(K, 1.0f), wcls(K, 1.0f);
  if (uses_class_weights(opt.class_weight, shape.head)) {
    std::vector<double> pos(K, 0);
    for (size_t i : train_idx)
      for (size_t k = 0; k < K; ++k) pos[k] += d.targets[i * K + k];
    const double m = static_cast<double>(train_idx.size());
    for (size_t k = 0; k < K; ++k) {
      const double p = std::max(pos[k], 1.0), q = std::max(m - pos[k], 1.0);
      if (shape.head == Head::kSigmoid) {
        wpos[k] = static_cast<float>(m / (2 * p));
        wneg[k] = static_cast<float>(m / (2 * q));
      } else {
        wcls[k] = static_cast<float>(m / (static_cast<double>(K) * p));
      }
    }
  }
  const float* wp = shape.head == Head::kSigmoid ? wpos.data() : nullptr;
  const float* wn = shape.head == Head::kSigmoid ? wneg.data() : nullptr;
  const float* wc = shape.head == Head::kSoftmax ? wcls.data() : nullptr;

  // Tokenize once.
  const bool kind_scaled = opt.kind_scale[0] != 1.0f || opt.kind_scale[1] != 1.0f || opt.kind_scale[2] != 1.0f;
  if (kind_scaled && !shape.linear)
    throw UsageError("--kind-scale applies to linear models only (--linear or --max-flash)");
  for (float ks : opt.kind_scale)
    if (!(ks > 0)) throw UsageError("--kind-scale factors must be positive");
  // The exact table: its selection pass on the training rows, then the features through it.
  std::vector<uint8_t> table;
  uint32_t table_entries = 0;
  size_t read_rows = 0;
  if (shape.table_groups) {
    table = select_table(d, shape, train_idx, exact_table_entries(opt, shape), opt,
                         kTableSelectL2 * (opt.l2 >= 0 ? opt.l2 : default_l2(shape)), opt.lr > 0 ? opt.lr : default_lr(opt.optimizer, shape),
                         wp, wn, wc, &table_entries, &read_rows);
    if (progress)
      std::fprintf(stderr, "train: exact table of %u groups x %u: %u features selected (from %zu of %zu rows)\n",
                   shape.table_groups, unsigned{kTableWays}, table_entries, read_rows, train_idx.size());
  }
  const Tokenized tok = tokenize_all(d, shape, feature_map(shape, table), pool, kind_scaled);
  const auto t_tok = Clock::now();

  // Training threads. The result does not depend on the thread count (see trainer.h), so a model
  // whose batches are too small to repay two thread hand-offs per batch trains on one thread.
  const double avg_feats = n ? static_cast<double>(tok.feats.size()) / static_cast<double>(n) : 0.0;
  const double batch_work = avg_feats * static_cast<double>(opt.batch) * static_cast<double>(shape.dim + shape.hidden);
  WorkerPool& tpool = batch_work >= kMinParallelBatchWork ? pool : single;
  const unsigned T = tpool.size();

  // Initialise.
  FloatModel m;
  m.init(shape, d.label_names);
  m.info = opt.info;
  m.table = table;
  const FloatModel m_zero = m;
  // Sets the weights to their initial values (the same for every call).
  auto init_weights = [&]() {
    m = m_zero;
    SplitMix64 init_rng(opt.seed ^ 0xA5A5A5A5DEADBEEFull);
    auto fill = [&](std::vector<float>& v, double r) {
      for (auto& x : v) x = static_cast<float>((init_rng.uniform() * 2 - 1) * r);
    };
    if (!shape.linear) {
      fill(m.emb, 1.0 / static_cast<double>(D));
      if (H) fill(m.w1, std::sqrt(6.0 / static_cast<double>(D + H)));
      fill(m.w2, std::sqrt(6.0 / static_cast<double>(I + K)));
    }
  };
  init_weights();

  OptConfig oc{opt.optimizer, opt.l2 >= 0 ? opt.l2 : default_l2(shape)};
  const float lr0 = opt.lr > 0 ? opt.lr : default_lr(opt.optimizer, shape);
  char lr_buf[32];
  std::snprintf(lr_buf, sizeof lr_buf, "%g", static_cast<double>(lr0));
  const std::string lr_text = lr_buf;
  ParamState s_emb, s_w1, s_b1, s_w2, s_b2;
  auto alloc_state = [&](ParamState& s, size_t sz) {
    s.g1.assign(sz, oc.adagrad_init);
    if (opt.optimizer == Optimizer::kAdam) {
      s.g1.assign(sz, 0.0f);
      s.g2.assign(sz, 0.0f);
    } else {
      s.g2.assign(0, 0.0f);
    }
  };
  auto init_state = [&]() {
    alloc_state(s_emb, m.emb.size());
    alloc_state(s_w1, m.w1.size());
    alloc_state(s_b1, m.b1.size());
    alloc_state(s_w2, m.w2.size());
    alloc_state(s_b2, m.b2.size());
  };
  init_state();

  // NB-weighted linear model: v are the parameters, m.emb = v r the weights.
  const float nb_alpha = opt.nb_alpha >= 0 ? opt.nb_alpha : default_nb_alpha(shape);
  if (nb_alpha > 0 && !shape.linear) throw UsageError("--nb applies to linear models only (--linear or --max-flash)");
  std::vector<float> nb_r =
      nb_alpha > 0 ? detail::nb_ratios(tok.feats.data(), tok.offs.data(), train_idx, d.targets.data(), K, B, nb_alpha,
                                       opt.nb_beta)
                   : std::vector<float>();
  // Per-feature-kind scale: bucket b's scale is the mean of kind_scale over the features of the
  // training rows that land in b (its kinds' occurrence counts as weights); it multiplies the NB
  // scale (same reparametrisation w = v s: a per-bucket step size and L2 strength 1 / s^2).
  if (kind_scaled) {
    const std::vector<float> ks = detail::kind_scales(tok.feats.data(), tok.kinds.data(), tok.offs.data(), train_idx,
                                                      B, opt.kind_scale);
    if (nb_r.empty()) nb_r.assign(B * K, 1.0f);
    for (size_t b = 0; b < B; ++b)
      for (size_t k = 0; k < K; ++k) nb_r[b * K + k] *= ks[b];
  }
  // The text row's scale: the NB scale like any bucket, or 1.
  if (shape.text_row && !opt.text_row_nb && !nb_r.empty())
    for (size_t k = 0; k < K; ++k) nb_r[size_t{shape.tokenizer.buckets} * K + k] = 1.0f;
  std::vector<float> nb_v(nb_r.empty() ? 0 : m.emb.size(), 0.0f);
  // The text row's optimiser: without the L2 penalty unless text_row_l2.
  OptConfig oc_row = oc;
  if (shape.text_row && !opt.text_row_l2) oc_row.l2 = 0.0f;
  const size_t row_index = shape.text_row ? size_t{shape.tokenizer.buckets} : SIZE_MAX;
  const OptConfig& oc_emb = oc;

  // Quantisation-aware training: `shadow` holds the dequantised int8 weights of `m` under the
  // current activation ranges; forward/backward run on it, the updates go to `m`.
  numerics::QuantOptions qo;
  qo.margin = opt.qat_margin;
  std::unique_ptr<numerics::FakeQuant> fq;
  FloatModel shadow;
  numerics::Ranges best_ranges;
  // A fresh FakeQuant whose ranges start from the current (initial) weights on the first
  // training rows.
  auto init_fq = [&](const std::vector<size_t>& rows) {
    if (!opt.qat) return;
    fq = std::make_unique<numerics::FakeQuant>(shape, qo);
    const size_t cnt = std::min<size_t>(rows.size(), 1024);
    for (size_t j = 0; j < cnt; ++j) {
      const size_t i = rows[j];
      fq->observe(m, tok.feats.data() + tok.offs[i], tok.offs[i + 1] - tok.offs[i]);
    }
  };

  // Per-batch buffers: one slot per example.
  const size_t bs = opt.batch;
  std::vector<float> P(bs * D), A(bs * H), G(bs * K), DZ1(bs * H), DPE(bs * D);
  std::vector<double> L(bs);
  std::vector<Cache<float>> caches(T);
  for (auto& c : caches) c.resize(shape);
  // Gradient accumulators.
  std::vector<float> gemb(B * D, 0.0f), gw1(m.w1.size()), gb1(m.b1.size()), gw2(m.w2.size()), gb2(K);
  std::vector<uint8_t> touched(B, 0);
  std::vector<std::vector<uint32_t>> touched_list(T);

  double total_steps = 0;
  uint64_t step = 0;

  TrainReport rep;
  rep.shape = shape;
  rep.metric_name = shape.head == Head::kSigmoid ? "auc" : "macro-f1";
  rep.train_examples = train_idx.size();
  rep.valid_examples = valid_idx.size();
  rep.table_select_rows = read_rows;
  rep.tokenize_seconds = std::chrono::duration<double>(t_tok - t_start).count();

  // Validation scores (fixed slices, one slot per example).
  std::vector<float> vscores(valid_idx.size() * K);
  // Scores `rows` into vscores (resized to fit).
  auto score_rows = [&](const FloatModel& mm, const std::vector<size_t>& rows) {
    vscores.resize(rows.size() * K);
    tpool.run([&](unsigned t) {
      Cache<float>& c = caches[t];
      const Weights<float> w = weights_of(mm);
      const size_t nv = rows.size();
      for (size_t j = slice_begin(nv, t, T); j < slice_begin(nv, t + 1, T); ++j) {
        const size_t i = rows[j];
        tt::forward(shape, w, tok.feats.data() + tok.offs[i], tok.offs[i + 1] - tok.offs[i], c);
        float* out = &vscores[j * K];
        for (size_t k = 0; k < K; ++k) out[k] = c.z[k];
        if (shape.head == Head::kSoftmax)
          softmax_inplace(out, K);
        else
          for (size_t k = 0; k < K; ++k) out[k] = sigmoid(out[k]);
      }
    });
  };
  auto score_valid = [&](const FloatModel& mm) { score_rows(mm, valid_idx); };
  // Output k's scores (as score_rows left them for `rows`) and labels, into s and y.
  auto column = [&](const std::vector<size_t>& rows, size_t k, std::vector<float>& s, std::vector<uint8_t>& y) {
    s.resize(rows.size());
    y.resize(rows.size());
    for (size_t j = 0; j < rows.size(); ++j) {
      s[j] = vscores[j * K + k];
      y[j] = d.targets[rows[j] * K + k];
    }
  };
  auto valid_metric = [&]() -> double {
    const size_t nv = valid_idx.size();
    if (shape.head == Head::kSigmoid) {
      std::vector<double> aucs(K);
      std::vector<float> s;
      std::vector<uint8_t> y;
      for (size_t k = 0; k < K; ++k) {
        column(valid_idx, k, s, y);
        aucs[k] = eval::roc_auc(std::vector<double>(s.begin(), s.end()), y);
      }
      return eval::mean_defined(aucs);
    }
    std::vector<size_t> pred(nv), truth(nv);
    for (size_t j = 0; j < nv; ++j) {
      const float* s = &vscores[j * K];
      pred[j] = static_cast<size_t>(std::max_element(s, s + K) - s);
      const uint8_t* y = &d.targets[valid_idx[j] * K];
      truth[j] = static_cast<size_t>(std::max_element(y, y + K) - y);
    }
    return eval::macro_f1(truth, pred, K);
  };

  FloatModel best = m;
  double best_metric = -std::numeric_limits<double>::infinity();
  uint32_t best_epoch = 0;
  double trained_seconds = 0;

  // Trains m from its current state on `rows` for at most `max_epochs` epochs, the learning rate
  // decaying over opt.epochs epochs of these rows. With `validate`, scores the validation rows
  // after each epoch, keeps the best weights in `best` and stops early.
  auto run_epochs = [&](const std::vector<size_t>& rows, uint32_t max_epochs, bool validate) {
  uint32_t since_best = 0;
  std::vector<size_t> perm = rows;
  SplitMix64 shuffle_rng(opt.seed * 0xD1B54A32D192ED03ull + 1);
  total_steps = static_cast<double>((rows.size() + bs - 1) / bs) * opt.epochs;
  step = 0;
  for (uint32_t epoch = 1; epoch <= max_epochs; ++epoch) {
    const auto t_ep = Clock::now();
    tt::shuffle(perm, shuffle_rng);
    double loss_sum = 0;
    for (size_t start = 0; start < perm.size(); start += bs) {
      const size_t nb = std::min(bs, perm.size() - start);
      const float lr = static_cast<float>(lr0 * std::max(0.0, 1.0 - static_cast<double>(step) / total_steps));
      ++step;
      const float bc1 = 1.0f - std::pow(oc.beta1, static_cast<float>(step));
      const float bc2 = 1.0f - std::pow(oc.beta2, static_cast<float>(step));
      if (fq) fq->refresh(m, shadow);
      const FloatModel& fw = fq ? shadow : m;
      const Weights<float> w = weights_of(fw);
      // Phase 1: per-example forward/backward, fixed slices of the batch.
      tpool.run([&](unsigned t) {
        Cache<float>& c = caches[t];
        for (size_t j = slice_begin(nb, t, T); j < slice_begin(nb, t + 1, T); ++j) {
          const size_t i = perm[start + j];
          const uint16_t* f = tok.feats.data() + tok.offs[i];
          const size_t nf = tok.offs[i + 1] - tok.offs[i];
          tt::forward(shape, w, f, nf, c);
          L[j] = static_cast<double>(
              detail::loss_grad<float>(shape.head, c.z.data(), &d.targets[i * K], K, wp, wn, wc, c.dz.data()));
          detail::backward(shape, w, c);
          std::copy(c.p.begin(), c.p.end(), &P[j * D]);
          if (H) {
            std::copy(c.a1.begin(), c.a1.end(), &A[j * H]);
            std::copy(c.dz1.begin(), c.dz1.end(), &DZ1[j * H]);
          }
          std::copy(c.dz.begin(), c.dz.end(), &G[j * K]);
          for (size_t dd = 0; dd < D; ++dd) DPE[j * D + dd] = c.scale * c.dp[dd];
        }
      });
      for (size_t j = 0; j < nb; ++j) loss_sum += L[j];
      // The int8 model's activations (those of the shadow), in example order.
      if (fq)
        for (size_t j = 0; j < nb; ++j) fq->observe_activations(&P[j * D], H ? &A[j * H] : nullptr);
      if (!std::isfinite(loss_sum))
        throw Error("training diverged in epoch " + std::to_string(epoch) +
                    " (the loss is NaN or infinite); no model was written. Try a lower --lr (now " + lr_text + ")");
      // Phase 2: each thread owns fixed parameter rows and sums the batch in example order.
      tpool.run([&](unsigned t) {
        // Embedding rows in [lo, hi).
        const size_t lo = slice_begin(B, t, T), hi = slice_begin(B, t + 1, T);
        auto& list = touched_list[t];
        list.clear();
        for (size_t j = 0; j < nb; ++j) {
          const size_t i = perm[start + j];
          const float* g = &DPE[j * D];
          for (uint64_t q = tok.offs[i]; q < tok.offs[i + 1]; ++q) {
            const size_t f = tok.feats[q];
            if (f < lo || f >= hi) continue;
            float* row = &gemb[f * D];
            if (!touched[f]) {
              touched[f] = 1;
              list.push_back(static_cast<uint32_t>(f));
              for (size_t dd = 0; dd < D; ++dd) row[dd] = g[dd];
            } else {
              for (size_t dd = 0; dd < D; ++dd) row[dd] += g[dd];
            }
          }
        }
        for (uint32_t f : list) {
          const size_t o = size_t{f} * D;
          const OptConfig& oce = f == row_index ? oc_row : oc_emb;
          if (nb_r.empty()) {
            update(oce, &m.emb[o], &gemb[o], &s_emb.g1[o], s_emb.g2.empty() ? nullptr : &s_emb.g2[o], D, lr, bc1,
                   bc2);
          } else {
            for (size_t dd = 0; dd < D; ++dd) gemb[o + dd] *= nb_r[o + dd];
            update(oce, &nb_v[o], &gemb[o], &s_emb.g1[o], s_emb.g2.empty() ? nullptr : &s_emb.g2[o], D, lr, bc1, bc2);
            for (size_t dd = 0; dd < D; ++dd) m.emb[o + dd] = nb_v[o + dd] * nb_r[o + dd];
          }
          touched[f] = 0;
        }
        // Dense rows: output row k (w2[k], b2[k]) is unit k, hidden row h (w1[h], b1[h]) is unit K + h;
        // unit u belongs to thread u % T.
        for (size_t u = t; u < K + H; u += T) {
          if (u < K) {
            const size_t k = u;
            float gb = 0;
            for (size_t j = 0; j < nb; ++j) gb += G[j * K + k];
            gb2[k] = gb;
            update(oc, &m.b2[k], &gb2[k], &s_b2.g1[k], s_b2.g2.empty() ? nullptr : &s_b2.g2[k], 1, lr, bc1, bc2);
            if (!shape.linear) {
              float* gr = &gw2[k * I];
              std::fill(gr, gr + I, 0.0f);
              for (size_t j = 0; j < nb; ++j) {
                const float gk = G[j * K + k];
                const float* in = H ? &A[j * H] : &P[j * D];
                for (size_t q = 0; q < I; ++q) gr[q] += gk * in[q];
              }
              update(oc, &m.w2[k * I], gr, &s_w2.g1[k * I], s_w2.g2.empty() ? nullptr : &s_w2.g2[k * I], I, lr, bc1,
                     bc2);
            }
          } else {
            const size_t h = u - K;
            float gb = 0;
            float* gr = &gw1[h * D];
            std::fill(gr, gr + D, 0.0f);
            for (size_t j = 0; j < nb; ++j) {
              const float gh = DZ1[j * H + h];
              gb += gh;
              const float* p = &P[j * D];
              for (size_t q = 0; q < D; ++q) gr[q] += gh * p[q];
            }
            gb1[h] = gb;
            update(oc, &m.b1[h], &gb1[h], &s_b1.g1[h], s_b1.g2.empty() ? nullptr : &s_b1.g2[h], 1, lr, bc1, bc2);
            update(oc, &m.w1[h * D], gr, &s_w1.g1[h * D], s_w1.g2.empty() ? nullptr : &s_w1.g2[h * D], D, lr, bc1,
                   bc2);
          }
        }
      });
    }
    const double ep_seconds = std::chrono::duration<double>(Clock::now() - t_ep).count();
    trained_seconds += ep_seconds;
    EpochReport er;
    er.epoch = epoch;
    er.loss = loss_sum / static_cast<double>(perm.size());
    er.examples_per_s = static_cast<double>(perm.size()) / std::max(ep_seconds, 1e-9);
    er.valid_metric = std::numeric_limits<double>::quiet_NaN();
    bool stop = false;
    if (validate) {
      if (fq) fq->refresh(m, shadow);
      score_valid(fq ? shadow : m);
      er.valid_metric = valid_metric();
      const double metric = std::isnan(er.valid_metric) ? -er.loss : er.valid_metric;
      if (metric > best_metric || opt.keep_last) {
        best_metric = metric;
        best_epoch = epoch;
        best = m;
        if (fq) best_ranges = fq->ranges();
        since_best = 0;
      } else if (++since_best >= opt.patience) {
        stop = true;
      }
    }
    rep.epochs.push_back(er);
    if (progress) {
      const double eta = trained_seconds / epoch * (opt.epochs - epoch);
      char line[256];
      std::snprintf(line, sizeof line, "epoch %u/%u  %.0f ex/s  loss %.4f  valid %s %s  ETA %s", epoch, opt.epochs,
                    er.examples_per_s, er.loss, rep.metric_name.c_str(),
                    std::isnan(er.valid_metric) ? "-" : std::to_string(er.valid_metric).substr(0, 6).c_str(),
                    stop ? "0s (early stop)" : fmt_seconds(eta).c_str());
      if (tty)
        std::fprintf(stderr, "\r%-79s", line);
      else
        std::fprintf(stderr, "%s\n", line);
    }
    if (stop) break;
  }
  if (tty) std::fprintf(stderr, "\n");
  };
  // Sigmoid heads: each output's threshold maximises F1 over `rows` scored by `mm` (for QAT, the
  // int8 model that will be written).
  auto set_thresholds = [&](const std::vector<size_t>& rows, const FloatModel& mm) {
    score_rows(mm, rows);
    std::vector<float> s;
    std::vector<uint8_t> y;
    for (size_t k = 0; k < K; ++k) {
      column(rows, k, s, y);
      m.threshold[k] = eval::best_f1_threshold(s, y);
    }
  };
  init_fq(train_idx);
  run_epochs(train_idx, opt.epochs, !valid_idx.empty());
  if (fq) rep.qat_ranges = fq->ranges();

  if (!valid_idx.empty()) {
    m = std::move(best);
    if (fq) rep.qat_ranges = best_ranges;
    if (shape.head == Head::kSigmoid) set_thresholds(valid_idx, fq ? numerics::dequantized(m, rep.qat_ranges) : m);
    if (opt.refit) {
      // Retrain from the same start on every row (training + validation) for the best epoch count,
      // with the same learning-rate schedule; the thresholds chosen above are kept.
      const std::vector<float> thr = m.threshold;
      init_weights();
      init_state();
      std::fill(nb_v.begin(), nb_v.end(), 0.0f);
      if (progress) std::fprintf(stderr, "refit on all %zu rows for %u epochs\n", n, best_epoch);
      std::vector<size_t> all(n);
      std::iota(all.begin(), all.end(), size_t{0});
      const size_t reported = rep.epochs.size();
      init_fq(all);
      run_epochs(all, best_epoch, false);
      if (fq) rep.qat_ranges = fq->ranges();
      rep.epochs.resize(reported);
      m.threshold = thr;
    }
  } else if (shape.head == Head::kSigmoid) {
    // No validation rows: the thresholds come from the training rows (in-sample).
    set_thresholds(train_idx, fq ? numerics::dequantized(m, rep.qat_ranges) : m);
  }
  rep.best_epoch = best_epoch;
  rep.best_metric = best_metric;
  rep.train_seconds = trained_seconds;
  if (progress && !valid_idx.empty())
    std::fprintf(stderr, "best epoch %u: valid %s %.4f\n", best_epoch, rep.metric_name.c_str(), best_metric);
  if (report) *report = std::move(rep);
  return m;
}

}  // namespace tt::train
