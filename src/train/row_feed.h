// Rows' features on disk, for data whose features would not fit in memory
// (TrainOptions::feature_memory): every row is tokenized once (build(), on the pool's threads)
// into a temporary file (data::TextSpool), and each pass reads its rows back, in the pass's order,
// on a producer thread running ahead of the training thread. The features are those Tokenized
// would hold, so a model trained from a feed is byte for byte the one trained from Tokenized; the
// memory (12 bytes a row for the file's index) and the disk (2 bytes a feature, 3 with kinds)
// differ.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <mutex>
#include <thread>
#include <vector>

#include "data/dataset.h"
#include "data/spool.h"
#include "model/float_model.h"
#include "train/features.h"
#include "train/worker_pool.h"

namespace tt::train {

class RowFeed {
 public:
  // A block: the features of positions [first, first + rows) of the pass's order.
  struct Block {
    size_t first = 0, rows = 0;
    std::vector<uint16_t> feats;
    std::vector<uint8_t> kinds;  // with_kinds only
    std::vector<uint64_t> offs;  // rows + 1
    const uint16_t* row(size_t j) const { return feats.data() + offs[j]; }
    size_t row_size(size_t j) const { return static_cast<size_t>(offs[j + 1] - offs[j]); }
    const uint8_t* row_kinds(size_t j) const { return kinds.data() + offs[j]; }
  };
  static constexpr size_t kInFlight = 8;  // blocks tokenized ahead

  // block_rows: rows per block (a multiple of the batch, so that no batch spans two blocks).
  RowFeed(const data::Dataset& d, const ModelShape& shape, const FeatureMap& map, bool with_kinds,
          size_t block_rows);
  ~RowFeed();
  RowFeed(const RowFeed&) = delete;
  RowFeed& operator=(const RowFeed&) = delete;

  size_t block_rows() const { return block_rows_; }
  // Tokenizes every row of the dataset into the file (before any pass), in chunks on the pool's
  // threads; each_row(i, n) is called in row order with row i's feature count. `release`: the
  // dataset's texts in memory, given up (each freed once tokenized), or null.
  void build(WorkerPool& pool, std::vector<std::string>* release,
             const std::function<void(size_t, size_t)>& each_row);
  uint64_t file_bytes() const { return file_.bytes(); }
  // Starts a pass over the rows `order` (held by reference until finish); ends any pass before.
  void start(const Rows& order);
  // Block b of the pass (b = position / block_rows), waiting for it; blocks are taken in order,
  // and taking block b gives the blocks before it back.
  const Block& block(size_t b);
  // Ends the pass (the producer stops, even mid-pass).
  void finish();
  // The features of rows `rows[0, n)`, read on the calling thread.
  void read(const RowIndex* rows, size_t n, Block& out) const;

 private:
  void produce();

  const data::Dataset& d_;
  const ModelShape& shape_;
  const FeatureMap& map_;
  const bool with_kinds_;
  const size_t block_rows_;
  const Rows* order_ = nullptr;
  size_t blocks_ = 0;
  data::TextSpool file_;  // row i: its features (uint16_t), then their kinds (with_kinds)
  std::vector<Block> ring_;
  std::thread producer_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t produced_ = 0, taken_ = 0;  // blocks tokenized / blocks the consumer has moved past
  bool stop_ = false;
};

}  // namespace tt::train
