#include "train/row_feed.h"

#include <algorithm>

#include "train/features.h"

namespace tt::train {

RowFeed::RowFeed(const data::Dataset& d, const ModelShape& shape, const FeatureMap& map, bool with_kinds,
                 size_t block_rows)
    : d_(d), shape_(shape), map_(map), with_kinds_(with_kinds), block_rows_(block_rows ? block_rows : 1),
      ring_(kInFlight) {}

RowFeed::~RowFeed() { finish(); }

void RowFeed::tokenize(const RowIndex* rows, size_t n, Block& out) const {
  out.rows = n;
  out.feats.clear();
  out.kinds.clear();
  out.offs.assign(1, 0);
  std::string buf;
  for (size_t j = 0; j < n; ++j) {
    append_row_features(d_.text(rows[j], buf), shape_, map_, out.feats, with_kinds_ ? &out.kinds : nullptr);
    out.offs.push_back(out.feats.size());
  }
}

void RowFeed::start(const Rows& order) {
  finish();
  order_ = &order;
  blocks_ = (order.size() + block_rows_ - 1) / block_rows_;
  produced_ = taken_ = 0;
  stop_ = false;
  producer_ = std::thread([this] { produce(); });
}

void RowFeed::produce() {
  for (size_t b = 0; b < blocks_; ++b) {
    {
      // Slot b % kInFlight is free once the consumer has moved past block b - kInFlight.
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [&] { return stop_ || b < taken_ + kInFlight; });
      if (stop_) return;
    }
    Block& out = ring_[b % kInFlight];
    const size_t first = b * block_rows_, n = std::min(block_rows_, order_->size() - first);
    tokenize(order_->data() + first, n, out);
    out.first = first;
    {
      std::lock_guard<std::mutex> lk(mu_);
      produced_ = b + 1;
    }
    cv_.notify_all();
  }
}

const RowFeed::Block& RowFeed::block(size_t b) {
  std::unique_lock<std::mutex> lk(mu_);
  if (b > taken_) {
    taken_ = b;
    cv_.notify_all();
  }
  cv_.wait(lk, [&] { return produced_ > b; });
  return ring_[b % kInFlight];
}

void RowFeed::finish() {
  if (!producer_.joinable()) return;
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  producer_.join();
}

}  // namespace tt::train
