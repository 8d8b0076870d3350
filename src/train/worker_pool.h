// The trainer's threads: a fixed pool running one job at a time, and the fixed slices the work is
// split into, so that which thread computes what never changes a result.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tt::train {

// A fixed set of threads running one job at a time. A job is up to kMaxPhases phases of units:
// run_phases calls fn(p, u, t) once for every unit u < units[p] of every phase p, t being the
// thread that runs it (0 is the caller; use t only for scratch), and returns when all are done.
// A phase's units start once every unit of the phase before has finished.
//
// Thread t owns block t of each phase's units (block_begin) and runs it first, then takes the
// units of other blocks that are still untaken: a thread the OS does not schedule holds back only
// the unit it is running, the caller never waits for a thread to start, and when all run, each
// keeps the same block from job to job (the same rows in its cache). So the work a unit does must
// not depend on which thread runs it.
//
// Waiting (a worker for a job, a thread for the phase before) spins for up to kSpinMicros with a
// pause instruction, then sleeps on a condition variable: a hand-off between threads that both
// run costs well under a microsecond, and one that does not run costs its partner at most
// kSpinMicros of spinning.
class WorkerPool {
 public:
  static constexpr unsigned kMaxPhases = 4;
  static constexpr int kSpinMicros = 50;

  explicit WorkerPool(unsigned n) : n_(n ? n : 1), next_(new Counter[kMaxPhases * n_]) {
    for (unsigned t = 1; t < n_; ++t) threads_.emplace_back([this, t] { loop(t); });
  }
  ~WorkerPool() {
    stop_.store(true);
    wake();
    for (auto& th : threads_) th.join();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  unsigned size() const { return n_; }

  // fn(u) for every u in [0, size()): one phase of size() units.
  template <class Fn>
  void run(Fn&& fn) {
    run_phases({n_}, [&fn](unsigned, unsigned u, unsigned) { fn(u); });
  }

  template <class Fn>
  void run_phases(std::initializer_list<uint32_t> units, Fn&& fn) {
    using F = std::remove_reference_t<Fn>;
    if (units.size() > kMaxPhases) throw std::length_error("WorkerPool: too many phases");
    Job job;
    job.call = [](void* c, unsigned p, unsigned u, unsigned t) { (*static_cast<F*>(c))(p, u, t); };
    job.ctx = const_cast<void*>(static_cast<const void*>(&fn));
    job.phases = 0;
    uint32_t total = 0;
    for (const uint32_t n : units) job.begin[job.phases] = total, total += n, job.end[job.phases++] = total;
    execute(job);
  }

 private:
  using Clock = std::chrono::steady_clock;
  struct Job {
    void (*call)(void*, unsigned, unsigned, unsigned);
    void* ctx;
    uint32_t begin[kMaxPhases], end[kMaxPhases];  // phase p's units are [begin[p], end[p])
    unsigned phases;
  };
  // Block t of phase p: the job's sequence number (16 bits), the block's end (24) and its next
  // unit (24), in one word so that a claim (a compare-and-swap) sees them together.
  struct alignas(64) Counter {
    std::atomic<uint64_t> w{0};
  };
  static constexpr uint64_t kUnitMask = (uint64_t{1} << 24) - 1;
  static uint64_t pack(uint64_t seq, uint64_t end, uint64_t next) { return seq << 48 | end << 24 | next; }

  static void relax() {
#if defined(__SSE2__)
    _mm_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
  }

  void execute(const Job& job) {
    const uint32_t total = job.phases ? job.end[job.phases - 1] : 0;
    if (total > kUnitMask) throw std::length_error("WorkerPool: too many units in one job");
    if (n_ == 1) {
      for (unsigned p = 0; p < job.phases; ++p)
        for (uint32_t u = job.begin[p]; u < job.end[p]; ++u) job.call(job.ctx, p, u - job.begin[p], 0);
      return;
    }
    job_ = job;
    seq_ = (seq_ + 1) & 0xFFFF;
    done_.store(0);
    for (unsigned p = 0; p < kMaxPhases; ++p) {
      const uint32_t b = p < job.phases ? job.begin[p] : 0, n = p < job.phases ? job.end[p] - b : 0;
      for (unsigned t = 0; t < n_; ++t)
        next_[p * n_ + t].w.store(pack(seq_, b + block_begin(n, t + 1, n_), b + block_begin(n, t, n_)));
    }
    seq_word_.store(seq_);
    wake();
    work(0, seq_);
    wait_until([&] { return done_.load() >= total; });
    if (err_) {
      std::exception_ptr e = err_;
      err_ = nullptr;
      std::rethrow_exception(e);
    }
  }

  // Takes the next unit of block b of phase p if job `seq` has one left.
  bool take(unsigned p, unsigned b, unsigned seq, uint32_t& unit) {
    std::atomic<uint64_t>& c = next_[p * n_ + b].w;
    uint64_t w = c.load();
    for (;;) {
      if ((w >> 48) != seq || (w & kUnitMask) >= ((w >> 24) & kUnitMask)) return false;
      if (c.compare_exchange_weak(w, w + 1)) {
        unit = static_cast<uint32_t>(w & kUnitMask);
        return true;
      }
    }
  }

  // Runs units of job `seq`, its own blocks first, until none is left to take.
  void work(unsigned t, unsigned seq) {
    for (unsigned p = 0; p < kMaxPhases; ++p) {
      for (unsigned k = 0; k < n_; ++k) {
        uint32_t u;
        while (take(p, (t + k) % n_, seq, u)) {
          // The job cannot end (nor job_ change) before this unit is done.
          const Job& job = job_;
          wait_until([&] { return done_.load() >= job.begin[p]; });
          try {
            job.call(job.ctx, p, u - job.begin[p], t);
          } catch (...) {
            std::lock_guard<std::mutex> lk(mu_);
            if (!err_) err_ = std::current_exception();
          }
          done_.fetch_add(1);
          wake();
        }
      }
    }
  }

  void loop(unsigned t) {
    unsigned seen = 0;
    for (;;) {
      wait_until([&] { return stop_.load() || seq_word_.load() != seen; });
      if (stop_.load()) return;
      seen = seq_word_.load();
      work(t, seen);
    }
  }

  // Spins up to kSpinMicros until pred(), then sleeps until a wake() finds it true. pred reads
  // only sequentially consistent atomics, as wake's callers write them, so a waiter that missed
  // the change is counted in sleepers_ before wake() looks.
  template <class Pred>
  void wait_until(Pred pred) {
    if (pred()) return;
    const auto t0 = Clock::now();
    for (unsigned i = 1;; ++i) {
      relax();
      if (pred()) return;
      if (i % 32 == 0 && Clock::now() - t0 > std::chrono::microseconds(kSpinMicros)) break;
    }
    std::unique_lock<std::mutex> lk(mu_);
    sleepers_.fetch_add(1);
    while (!pred()) cv_.wait(lk);
    sleepers_.fetch_sub(1);
  }

  void wake() {
    if (sleepers_.load() == 0) return;
    { std::lock_guard<std::mutex> lk(mu_); }
    cv_.notify_all();
  }

  // [begin, end) of slice t of n items split over T.
  static uint32_t block_begin(uint32_t n, unsigned t, unsigned T) {
    return static_cast<uint32_t>(uint64_t{n} * t / T);
  }

  const unsigned n_;
  std::unique_ptr<Counter[]> next_;  // [phase x n_ + block]
  std::vector<std::thread> threads_;
  Job job_{};
  unsigned seq_ = 0;  // the caller's only
  std::atomic<unsigned> seq_word_{0};
  std::atomic<uint32_t> done_{0};
  std::atomic<unsigned> sleepers_{0};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::exception_ptr err_;
};

// [begin, end) of slice t of n items split over T threads.
inline size_t slice_begin(size_t n, unsigned t, unsigned T) { return n * t / T; }

}  // namespace tt::train
