// The training step's threads: the pool's jobs of phases, the per-range feature filter and its
// optimised variant, the split-or-not choice, and models byte for byte the same for any thread
// count with every batch split.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "test_util.h"
#include "train/options.h"
#include "train/range_filter.h"
#include "train/split_choice.h"
#include "train/trainer.h"
#include "train/worker_pool.h"

namespace tt {
namespace {

// Every unit of every phase runs once, and no unit of a phase starts before the phase before ends.
TEST(TrainThreads, PoolRunsEachUnitOnceInPhaseOrder) {
  for (unsigned T : {1u, 2u, 3u, 5u}) {
    train::WorkerPool pool(T);
    for (uint32_t job = 0; job < 2000; ++job) {
      const uint32_t n0 = 1 + job % 9, n1 = job % 4, n2 = 3;
      std::vector<std::atomic<int>> runs(n0 + n1 + n2);
      std::atomic<uint32_t> done[3] = {{0}, {0}, {0}};
      std::atomic<bool> early{false}, bad_thread{false};
      pool.run_phases({n0, n1, n2}, [&](unsigned p, unsigned u, unsigned t) {
        if (t >= T) bad_thread = true;
        if (p == 1 && done[0].load() != n0) early = true;
        if (p == 2 && (done[0].load() != n0 || done[1].load() != n1)) early = true;
        runs[(p > 0 ? n0 : 0) + (p > 1 ? n1 : 0) + u]++;
        done[p]++;
      });
      ASSERT_FALSE(early) << T << " threads, job " << job;
      ASSERT_FALSE(bad_thread);
      for (auto& r : runs) ASSERT_EQ(r.load(), 1) << T << " threads, job " << job;
    }
  }
}

// run(fn) calls fn(u) for each u < size(); an exception from any unit reaches the caller once
// every unit is done, and the pool runs jobs after it.
TEST(TrainThreads, PoolRethrowsAndGoesOn) {
  train::WorkerPool pool(3);
  std::vector<int> seen(3, 0);
  pool.run([&](unsigned u) { seen[u]++; });
  EXPECT_EQ(seen, std::vector<int>({1, 1, 1}));
  std::atomic<int> ran{0};
  EXPECT_THROW(pool.run_phases({4, 2},
                               [&](unsigned p, unsigned u, unsigned) {
                                 ran++;
                                 if (p == 0 && u == 2) throw std::runtime_error("unit");
                               }),
               std::runtime_error);
  EXPECT_EQ(ran.load(), 6);
  std::atomic<int> after{0};
  pool.run_phases({7}, [&](unsigned, unsigned, unsigned) { after++; });
  EXPECT_EQ(after.load(), 7);
}

std::vector<uint16_t> filter_reference(const std::vector<uint16_t>& in, uint32_t lo, uint32_t hi) {
  std::vector<uint16_t> out;
  for (const uint16_t f : in)
    if (f >= lo && f < hi) out.push_back(f);
  return out;
}

// Both variants give each list's features in the range, in order, for every length around the
// vector width, ranges at both ends of the 16-bit space, and empty ones.
TEST(TrainThreads, RangeFilterVariantsAgree) {
  std::mt19937 rng(17);  // test inputs only
  const bool avx512 = train::detail::has_filter_range_avx512();
  std::printf("[ filter ] AVX-512 variant %s\n", avx512 ? "run" : "not supported here: portable only");
  for (size_t n = 0; n < 200; ++n) {
    for (int trial = 0; trial < 4; ++trial) {
      std::vector<uint16_t> in(n);
      for (auto& f : in) f = static_cast<uint16_t>(rng() & (trial == 0 ? 0xFFFF : 0x3F));
      const uint32_t a = static_cast<uint32_t>(rng() % 65537), b = static_cast<uint32_t>(rng() % 65537);
      const uint32_t ranges[][2] = {{std::min(a, b), std::max(a, b)}, {0, 65536}, {0, 1}, {65535, 65536},
                                    {30, 30},                         {0, 32},   {32, 64}};
      for (const auto& r : ranges) {
        const std::vector<uint16_t> want = filter_reference(in, r[0], r[1]);
        std::vector<uint16_t> got(n + train::kFilterSlack);
        got.resize(train::detail::filter_range_portable(in.data(), n, r[0], r[1], got.data()));
        ASSERT_EQ(got, want) << "portable, n " << n << " [" << r[0] << ", " << r[1] << ")";
        got.assign(n + train::kFilterSlack, 0);
        got.resize(train::filter_range(in.data(), n, r[0], r[1], got.data()));
        ASSERT_EQ(got, want) << "dispatched, n " << n;
        if (!avx512) continue;
        got.assign(n + train::kFilterSlack, 0);
        got.resize(train::detail::filter_range_avx512(in.data(), n, r[0], r[1], got.data()));
        ASSERT_EQ(got, want) << "AVX-512, n " << n << " [" << r[0] << ", " << r[1] << ")";
      }
    }
  }
}

// Feeds the choice batches whose cost per feature is `split_cost` split and `plain_cost` not;
// returns the fraction of batches split.
double split_share(double split_cost, double plain_cost, int batches) {
  train::detail::SplitChoice c(true);
  int split = 0;
  for (int i = 0; i < batches; ++i) {
    const bool s = c.split();
    split += s;
    c.record(s, (s ? split_cost : plain_cost) * 1000, 1000);
  }
  return static_cast<double>(split) / batches;
}

// Each way is tried first; then the cheaper way is taken, the other tried at most one window in
// kMinGap, and one in kMaxGap once it keeps losing.
TEST(TrainThreads, SplitChoiceTakesTheCheaperWay) {
  using C = train::detail::SplitChoice;
  const int n = C::kWindow * 2000;
  EXPECT_GT(split_share(1.0, 2.0, n), 1.0 - 1.0 / C::kMinGap);
  const double losing = split_share(2.0, 1.0, n);
  EXPECT_LT(losing, 2.0 / C::kMaxGap);
  EXPECT_GT(losing, 0.5 / C::kMaxGap);  // still tried now and then
  train::detail::SplitChoice one(false);
  EXPECT_FALSE(one.split());
  // A way that becomes cheaper is found again.
  train::detail::SplitChoice c(true);
  for (int i = 0; i < n; ++i) c.record(c.split(), (c.split() ? 2.0 : 1.0) * 1000, 1000);
  int split = 0;
  for (int i = 0; i < n; ++i) {
    const bool s = c.split();
    split += s;
    c.record(s, (s ? 1.0 : 2.0) * 1000, 1000);
  }
  EXPECT_GT(static_cast<double>(split) / n, 0.9);
}

// The model of `req` on `d` with every batch split over 2 and 3 threads, and with none split
// over 2, is the model of 1 thread, bit for bit (and the int8 ranges, with --qat).
void expect_same_for_any_split(const data::Dataset& d, train::TrainRequest req, const std::string& what) {
  req.quiet = true;
  train::TrainOptions o = train::resolve(req, train::DataSummary::of(d));
  o.threads = 1;
  train::TrainReport r1;
  const FloatModel m1 = train::train(d, o, &r1);
  for (const auto& [threads, split] : {std::pair{2u, 1}, std::pair{3u, 1}, std::pair{2u, 0}}) {
    o.threads = threads;
    o.split_batches = split;
    train::TrainReport r;
    const FloatModel m = train::train(d, o, &r);
    const std::string at = what + ", " + std::to_string(threads) + " threads, split " + std::to_string(split);
    EXPECT_EQ(m.emb, m1.emb) << at;
    EXPECT_EQ(m.w1, m1.w1) << at;
    EXPECT_EQ(m.b1, m1.b1) << at;
    EXPECT_EQ(m.w2, m1.w2) << at;
    EXPECT_EQ(m.b2, m1.b2) << at;
    EXPECT_EQ(m.threshold, m1.threshold) << at;
    EXPECT_EQ(r.qat_ranges.pooled, r1.qat_ranges.pooled) << at;
    EXPECT_EQ(r.qat_ranges.hidden, r1.qat_ranges.hidden) << at;
    EXPECT_EQ(r.best_epoch, r1.best_epoch) << at;
  }
}

TEST(TrainThreads, EveryBatchSplitGivesTheSameModel) {
  const data::Dataset sms = test::read_sms();
  train::TrainRequest r;
  r.epochs = 2;
  r.max_flash = 4096;  // linear, D = 1, NB scales, exact table
  expect_same_for_any_split(sms, r, "SMS 4K");
  r.max_flash = 32768;
  expect_same_for_any_split(sms, r, "SMS 32K");
  r.qat = true;
  expect_same_for_any_split(sms, r, "SMS 32K --qat");
  r.qat = false;
  r.max_flash.reset();
  r.dim = 16, r.hidden = 16, r.buckets = 1024;  // hidden layer, validation and early stopping
  r.valid = 0.1;
  expect_same_for_any_split(sms, r, "SMS D16 H16");
  r.optimizer = train::Optimizer::kAdam;
  r.refit = true;
  expect_same_for_any_split(sms, r, "SMS D16 H16 Adam --refit");
  // Six outputs: a linear model with D = 6 (the general row loop).
  data::ReaderOptions ro;
  ro.label_columns = {"toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"};
  const data::Dataset jig = data::read_dataset(test::shared_path("data/jigsaw-toxic-partial/train_sample.csv"), ro);
  train::TrainRequest j;
  j.epochs = 3;
  j.batch = 8;
  expect_same_for_any_split(jig, j, "Jigsaw sample, 6 labels");
}

}  // namespace
}  // namespace tt
