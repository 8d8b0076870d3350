// The trainer's threads: a fixed pool running one job at a time, and the fixed slices the work is
// split into, so that which thread computes what never depends on scheduling.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tt::train {

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

}  // namespace tt::train
