// Whether the training loop splits a mini-batch over the pool's threads: the model is the same
// bits either way (train/loop.h, step), so the choice is made by measured speed, which depends on
// the model, the machine and how busy it is, and can change within a run.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace tt::train::detail {

// Batches go in windows of kWindow, all split or all not. A window is split when the recent
// cost of split windows (seconds per feature occurrence: an exponential average over the windows
// that went that way) is below kSplitGain times that of unsplit ones (a split batch takes more
// CPU, which the feed and other programs could use), except that every `gap` windows one window
// tries the other way. The gap starts at kMinGap and doubles, up to kMaxGap, each time the way
// tried loses: where splitting never pays, it costs one window in kMaxGap.
class SplitChoice {
 public:
  static constexpr uint32_t kWindow = 64;
  static constexpr uint32_t kMinGap = 4, kMaxGap = 64;
  static constexpr double kAlpha = 0.25;
  static constexpr double kSplitGain = 0.9;

  // `fixed`: -1 chooses by speed, 0 never splits, 1 always does (when it can).
  explicit SplitChoice(bool can_split, int fixed = -1) : can_(can_split), fixed_(fixed), mode_(fixed != 0) {}

  // Whether to split the next batch.
  bool split() const { return can_ && mode_; }

  // A batch of `work` feature occurrences took `seconds`, split or not.
  void record(bool split, double seconds, size_t work) {
    seconds_[split] += seconds, batches_[split] += 1;
    if (!can_ || fixed_ >= 0) return;
    // The first batch of a window may wait for threads to wake: not counted in its cost.
    if (in_window_++ > 0) win_seconds_ += seconds, win_work_ += static_cast<double>(work);
    if (in_window_ < kWindow) return;
    const double cost = win_seconds_ / std::max(win_work_, 1.0);
    in_window_ = 0, win_seconds_ = 0, win_work_ = 0;
    est_[split] = seen_[split] ? est_[split] + kAlpha * (cost - est_[split]) : cost;
    seen_[split] = true;
    if (!seen_[0] || !seen_[1]) {  // each way once first
      mode_ = !seen_[1];
      return;
    }
    const bool best = est_[1] < kSplitGain * est_[0];
    if (trying_) gap_ = best != split ? std::min(gap_ * 2, kMaxGap) : kMinGap;
    trying_ = ++since_try_ >= gap_;
    if (trying_) since_try_ = 0;
    mode_ = trying_ ? !best : best;
  }

  // Totals over the run: seconds and batches split (1) and not (0).
  double seconds(bool split) const { return seconds_[split]; }
  uint64_t batches(bool split) const { return batches_[split]; }

 private:
  bool can_;
  int fixed_;
  bool mode_;            // the next window's way: splitting is tried first
  bool trying_ = false;  // whether the current window tries the way that is not the best
  uint32_t gap_ = kMinGap, since_try_ = 0, in_window_ = 0;
  double win_seconds_ = 0, win_work_ = 0;
  double est_[2] = {0, 0};
  bool seen_[2] = {false, false};
  double seconds_[2] = {0, 0};
  uint64_t batches_[2] = {0, 0};
};

}  // namespace tt::train::detail
