#include "train/row_feed.h"

#include <algorithm>
#include <cstring>

#include "train/features.h"

namespace tt::train {

RowFeed::RowFeed(const data::Dataset& d, const ModelShape& shape, const FeatureMap& map, bool with_kinds,
                 size_t block_rows)
    : d_(d), shape_(shape), map_(map), with_kinds_(with_kinds), block_rows_(block_rows ? block_rows : 1),
      file_(d.path, "features"), ring_(kInFlight) {}

RowFeed::~RowFeed() { finish(); }

void RowFeed::build(WorkerPool& pool, std::vector<std::string>* release,
                    const std::function<void(size_t, size_t)>& each_row) {
  // Rounds of one chunk per thread, appended in row order: the file does not depend on the
  // thread count.
  constexpr size_t kChunk = 2048;
  const size_t n = d_.size();
  const unsigned T = pool.size();
  std::vector<Block> chunks(T);
  std::string bytes;
  // Tokenizes rows [first, first + kChunk T) on the pool; text(i, fn) gives row i's text to fn.
  const auto round = [&](size_t first, const std::function<void(size_t, size_t, const std::function<void(size_t, std::string_view)>&)>& texts) {
    pool.run([&](unsigned t) {
      Block& c = chunks[t];
      const size_t b = std::min(n, first + t * kChunk), e = std::min(n, b + kChunk);
      c.first = b, c.rows = e - b;
      c.feats.clear();
      c.kinds.clear();
      c.offs.assign(1, 0);
      texts(b, e - b, [&](size_t i, std::string_view text) {
        append_row_features(text, shape_, map_, c.feats, with_kinds_ ? &c.kinds : nullptr);
        c.offs.push_back(c.feats.size());
        if (release) std::string().swap((*release)[i]);
      });
    });
    for (const Block& c : chunks)
      for (size_t j = 0; j < c.rows; ++j) {
        const size_t nf = c.row_size(j);
        bytes.assign(reinterpret_cast<const char*>(c.row(j)), nf * sizeof(uint16_t));
        if (with_kinds_) bytes.append(reinterpret_cast<const char*>(c.row_kinds(j)), nf);
        file_.append(bytes);
        each_row(c.first + j, nf);
      }
  };
  if (d_.streamed()) {
    // The records are read once, in order, on this thread; each round's texts held meanwhile.
    std::vector<std::string> texts;
    size_t first = 0;
    const auto flush = [&] {
      round(first, [&](size_t b, size_t m, const std::function<void(size_t, std::string_view)>& fn) {
        for (size_t i = b; i < b + m; ++i) fn(i, texts[i - first]);
      });
      first += texts.size();
      texts.clear();
    };
    d_.for_each_row([&](size_t, uint32_t, const uint8_t*, std::string_view text) {
      texts.emplace_back(text);
      if (texts.size() == kChunk * T) flush();
    });
    if (!texts.empty()) flush();
  } else {
    for (size_t first = 0; first < n; first += kChunk * T)
      round(first, [&](size_t b, size_t m, const std::function<void(size_t, std::string_view)>& fn) {
        d_.for_each_text(b, m, fn);
      });
  }
  file_.finish();
}

void RowFeed::read(const RowIndex* rows, size_t n, Block& out) const {
  const size_t per = sizeof(uint16_t) + (with_kinds_ ? 1 : 0);
  out.rows = n;
  out.offs.resize(n + 1);
  out.offs[0] = 0;
  for (size_t j = 0; j < n; ++j) out.offs[j + 1] = out.offs[j] + file_.length(rows[j]) / per;
  out.feats.resize(out.offs[n]);
  out.kinds.resize(with_kinds_ ? out.offs[n] : 0);
  std::string buf;
  for (size_t j = 0; j < n; ++j) {
    file_.read(rows[j], buf);
    const size_t nf = out.row_size(j);
    std::memcpy(out.feats.data() + out.offs[j], buf.data(), nf * sizeof(uint16_t));
    if (with_kinds_) std::memcpy(out.kinds.data() + out.offs[j], buf.data() + nf * sizeof(uint16_t), nf);
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
    read(order_->data() + first, n, out);
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
