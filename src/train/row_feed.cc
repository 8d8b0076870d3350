#include "train/row_feed.h"

#include <algorithm>
#include <cstring>

#include "common/rng.h"
#include "train/features.h"

namespace tt::train {

RowFeed::RowFeed(const data::Dataset& d, const ModelShape& shape, const FeatureMap& map, bool with_kinds,
                 size_t block_rows, double valid, uint64_t seed)
    : d_(d), shape_(shape), map_(map), with_kinds_(with_kinds), block_rows_(block_rows ? block_rows : 1),
      blocks_mode_(d.streamed()), K_(d.outputs()), valid_(valid), seed_(seed), ring_(kInFlight) {
  if (blocks_mode_)
    bfile_ = std::make_unique<data::TempFile>(d.path, "features");
  else
    file_ = std::make_unique<data::TextSpool>(d.path, "features");
}

bool RowFeed::is_valid(size_t i) const { return streamed_valid(i, valid_, seed_); }

RowFeed::~RowFeed() { finish(); }

void RowFeed::build(WorkerPool& pool, std::vector<std::string>* release,
                    const std::function<void(size_t, size_t, const uint8_t*)>& each_row) {
  // Rounds of one chunk per thread, appended in row order: the file does not depend on the
  // thread count.
  constexpr size_t kChunk = 2048;
  const size_t n = d_.size();
  const unsigned T = pool.size();
  std::vector<Block> chunks(T);
  std::string bytes;
  std::vector<uint8_t> round_targets;  // block mode: the round's rows' targets
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
        const size_t nf = c.row_size(j), i = c.first + j;
        if (!blocks_mode_) {
          bytes.assign(reinterpret_cast<const char*>(c.row(j)), nf * sizeof(uint16_t));
          if (with_kinds_) bytes.append(reinterpret_cast<const char*>(c.row_kinds(j)), nf);
          file_->append(bytes);
          each_row(i, nf, nullptr);
          continue;
        }
        if (i % kFileBlockRows == 0) block_at_.push_back(bfile_->size());
        const uint8_t* y = &round_targets[(i - first) * K_];
        const uint32_t n32 = static_cast<uint32_t>(nf);
        bytes.assign(reinterpret_cast<const char*>(&n32), sizeof n32);
        bytes.append(reinterpret_cast<const char*>(y), K_);
        bytes.append(reinterpret_cast<const char*>(c.row(j)), nf * sizeof(uint16_t));
        if (with_kinds_) bytes.append(reinterpret_cast<const char*>(c.row_kinds(j)), nf);
        bfile_->append(bytes);
        n_valid_ += is_valid(i);
        each_row(i, nf, y);
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
    d_.for_each_row([&](size_t, uint32_t, const uint8_t* y, std::string_view text) {
      texts.emplace_back(text);
      round_targets.insert(round_targets.end(), y, y + K_);
      if (texts.size() == kChunk * T) flush(), round_targets.clear();
    });
    if (!texts.empty()) flush();
    n_ = n;
    block_at_.push_back(bfile_->size());
    bfile_->flush();
    return;
  } else {
    for (size_t first = 0; first < n; first += kChunk * T)
      round(first, [&](size_t b, size_t m, const std::function<void(size_t, std::string_view)>& fn) {
        d_.for_each_text(b, m, fn);
      });
  }
  file_->finish();
}

void RowFeed::read(const RowIndex* rows, size_t n, Block& out) const {
  const size_t per = sizeof(uint16_t) + (with_kinds_ ? 1 : 0);
  out.rows = n;
  out.offs.resize(n + 1);
  out.offs[0] = 0;
  for (size_t j = 0; j < n; ++j) out.offs[j + 1] = out.offs[j] + file_->length(rows[j]) / per;
  out.feats.resize(out.offs[n]);
  out.kinds.resize(with_kinds_ ? out.offs[n] : 0);
  std::string buf;
  for (size_t j = 0; j < n; ++j) {
    file_->read(rows[j], buf);
    const size_t nf = out.row_size(j);
    std::memcpy(out.feats.data() + out.offs[j], buf.data(), nf * sizeof(uint16_t));
    if (with_kinds_) std::memcpy(out.kinds.data() + out.offs[j], buf.data() + nf * sizeof(uint16_t), nf);
  }
}

void RowFeed::start(const Pass& pass) {
  finish();
  order_ = pass.rows;
  pass_ = pass.stream;
  blocks_ = (pass.size + block_rows_ - 1) / block_rows_;
  produced_ = taken_ = 0;
  stop_ = false;
  producer_ = std::thread([this] { order_ ? produce() : produce_blocks(); });
}

bool RowFeed::wait_slot(size_t b) {
  // Slot b % kInFlight is free once the consumer has moved past block b - kInFlight.
  std::unique_lock<std::mutex> lk(mu_);
  cv_.wait(lk, [&] { return stop_ || b < taken_ + kInFlight; });
  return !stop_;
}

void RowFeed::publish(size_t b) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    produced_ = b + 1;
  }
  cv_.notify_all();
}

void RowFeed::produce() {
  for (size_t b = 0; b < blocks_; ++b) {
    if (!wait_slot(b)) return;
    Block& out = ring_[b % kInFlight];
    const size_t first = b * block_rows_, n = std::min(block_rows_, order_->size() - first);
    read(order_->data() + first, n, out);
    out.first = first;
    publish(b);
  }
}

void RowFeed::read_file_block(size_t fb, Block& out) const {
  std::string buf;
  bfile_->read(block_at_[fb], block_at_[fb + 1] - block_at_[fb], buf);
  const size_t per = sizeof(uint16_t) + (with_kinds_ ? 1 : 0);
  const size_t first = fb * kFileBlockRows;
  size_t p = 0;
  for (size_t i = first; p < buf.size(); ++i) {
    uint32_t nf = 0;
    std::memcpy(&nf, buf.data() + p, sizeof nf);
    const char* y = buf.data() + p + sizeof nf;
    const char* f = y + K_;
    p += sizeof nf + K_ + per * nf;
    const bool v = is_valid(i);
    if ((pass_.pick == Pick::kTrain && v) || (pass_.pick == Pick::kValid && !v)) continue;
    out.index.push_back(static_cast<uint32_t>(i));
    out.targets.insert(out.targets.end(), y, y + K_);
    const size_t at = out.feats.size();
    out.feats.resize(at + nf);
    std::memcpy(out.feats.data() + at, f, nf * sizeof(uint16_t));
    if (with_kinds_) out.kinds.insert(out.kinds.end(), f + nf * sizeof(uint16_t), f + nf * per);
    out.offs.push_back(out.feats.size());
  }
}

void RowFeed::produce_blocks() {
  // The pass's rows, gathered window by window (a window: kWindowBlocks file blocks in the pass's
  // block order, its rows shuffled, or one block in row order), cut into blocks of block_rows_.
  const size_t file_blocks = block_at_.size() - 1;
  std::vector<uint32_t> order(file_blocks);
  for (size_t b = 0; b < file_blocks; ++b) order[b] = static_cast<uint32_t>(b);
  SplitMix64 rng(pass_.seed);
  if (pass_.shuffle) tt::shuffle(order, rng);
  const size_t window = pass_.shuffle ? kWindowBlocks : 1;
  const size_t total = rows(pass_.pick);
  const size_t cap = std::min(pass_.sample, total);
  size_t left = total, taken = 0;  // selection sampling, in row order
  SplitMix64 pick(pass_.seed);
  Block win;
  std::vector<uint32_t> perm;
  size_t b = 0, pos = 0;  // the output block being filled, and its next position
  Block* out = nullptr;
  for (size_t w = 0; w < file_blocks && b < blocks_ && !(cap < total && taken == cap); w += window) {
    win.feats.clear(), win.kinds.clear(), win.targets.clear(), win.index.clear();
    win.offs.assign(1, 0);
    for (size_t q = w; q < std::min(file_blocks, w + window); ++q) read_file_block(order[q], win);
    perm.resize(win.index.size());
    for (size_t j = 0; j < perm.size(); ++j) perm[j] = static_cast<uint32_t>(j);
    if (pass_.shuffle) tt::shuffle(perm, rng);
    for (const uint32_t j : perm) {
      if (cap < total) {
        if (taken == cap) break;
        if (pick.below(left--) >= cap - taken) continue;
        ++taken;
      }
      if (!out) {
        if (!wait_slot(b)) return;
        out = &ring_[b % kInFlight];
        out->first = b * block_rows_;
        out->feats.clear(), out->kinds.clear(), out->targets.clear(), out->index.clear();
        out->offs.assign(1, 0);
      }
      const size_t nf = win.row_size(j);
      out->feats.insert(out->feats.end(), win.row(j), win.row(j) + nf);
      if (with_kinds_) out->kinds.insert(out->kinds.end(), win.row_kinds(j), win.row_kinds(j) + nf);
      out->targets.insert(out->targets.end(), &win.targets[j * K_], &win.targets[(j + 1) * K_]);
      out->index.push_back(win.index[j]);
      out->offs.push_back(out->feats.size());
      if (++pos == block_rows_) {
        out->rows = pos;
        publish(b++);
        out = nullptr, pos = 0;
      }
    }
  }
  if (out) {
    out->rows = pos;
    publish(b);
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
