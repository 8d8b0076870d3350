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
#include <memory>
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

// Streamed data (data::Dataset::streamed): which rows a pass of the block-mode feed reads, in
// what order. No row list is held: a row's part (training or validation) is a seeded hash of its
// index (RowFeed::is_valid).
enum class Pick : uint8_t { kTrain, kValid, kAll };
struct StreamPass {
  Pick pick = Pick::kTrain;
  // The file's blocks in a seeded order, and the picked rows of each window of kWindowBlocks
  // blocks in a seeded order (an epoch); else every picked row in row order.
  bool shuffle = false;
  uint64_t seed = 0;
  // At most this many rows (without shuffle): a seeded selection sample, in row order.
  size_t sample = SIZE_MAX;
};

// The rows of a pass: `rows` in that order (held data, or the feed in row-list mode), or the rows
// `stream` picks (the feed in block mode); `size` rows in all.
struct Pass {
  const Rows* rows = nullptr;
  StreamPass stream;
  size_t size = 0;
};
inline Pass pass_of(const Rows& rows) { return Pass{&rows, {}, rows.size()}; }

class RowFeed {
 public:
  // A block: the features of positions [first, first + rows) of the pass's order.
  struct Block {
    size_t first = 0, rows = 0;
    std::vector<uint16_t> feats;
    std::vector<uint8_t> kinds;  // with_kinds only
    std::vector<uint64_t> offs;  // rows + 1
    std::vector<uint8_t> targets;  // rows x K (block mode only)
    std::vector<uint32_t> index;   // the rows' indices (block mode only)
    const uint16_t* row(size_t j) const { return feats.data() + offs[j]; }
    size_t row_size(size_t j) const { return static_cast<size_t>(offs[j + 1] - offs[j]); }
    const uint8_t* row_kinds(size_t j) const { return kinds.data() + offs[j]; }
  };
  static constexpr size_t kInFlight = 8;  // blocks tokenized ahead
  // Block mode: rows per block of the file (one offset each in memory), and the blocks an epoch
  // shuffles together.
  static constexpr size_t kFileBlockRows = 1024;
  static constexpr size_t kWindowBlocks = 4;

  // block_rows: rows per block (a multiple of the batch, so that no batch spans two blocks).
  // Streamed data (d.streamed()) is fed in block mode: each row's targets go into the file with
  // its features, the file holds one offset per kFileBlockRows rows, and a pass is a StreamPass;
  // `valid` and `seed` then choose the validation rows (is_valid).
  RowFeed(const data::Dataset& d, const ModelShape& shape, const FeatureMap& map, bool with_kinds,
          size_t block_rows, double valid = 0, uint64_t seed = 0);
  ~RowFeed();
  RowFeed(const RowFeed&) = delete;
  RowFeed& operator=(const RowFeed&) = delete;

  size_t block_rows() const { return block_rows_; }
  // Tokenizes every row of the dataset into the file (before any pass), in chunks on the pool's
  // threads; each_row(i, n) is called in row order with row i's feature count. `release`: the
  // dataset's texts in memory, given up (each freed once tokenized), or null.
  // In block mode each_row also gets the row's targets (K bytes), else null.
  void build(WorkerPool& pool, std::vector<std::string>* release,
             const std::function<void(size_t, size_t, const uint8_t*)>& each_row);
  uint64_t file_bytes() const { return blocks_mode_ ? bfile_->size() : file_->bytes(); }
  bool block_mode() const { return blocks_mode_; }
  // Block mode: whether row i is a validation row (a seeded hash of i against `valid`), and the
  // rows of each part (after build).
  bool is_valid(size_t i) const;
  size_t rows(Pick p) const { return p == Pick::kAll ? n_ : p == Pick::kValid ? n_valid_ : n_ - n_valid_; }
  // Starts a pass (its rows held by reference until finish); ends any pass before.
  void start(const Pass& pass);
  void start(const Rows& order) { start(pass_of(order)); }
  // Block b of the pass (b = position / block_rows), waiting for it; blocks are taken in order,
  // and taking block b gives the blocks before it back.
  const Block& block(size_t b);
  // Ends the pass (the producer stops, even mid-pass).
  void finish();
  // The features of rows `rows[0, n)`, read on the calling thread (row-list mode).
  void read(const RowIndex* rows, size_t n, Block& out) const;

 private:
  void produce();
  void produce_blocks();
  // Block mode: file block fb's rows appended to `out` (those the pass picks).
  void read_file_block(size_t fb, Block& out) const;
  // Waits for ring slot b (the consumer has moved past block b - kInFlight); false when stopped.
  bool wait_slot(size_t b);
  void publish(size_t b);

  const data::Dataset& d_;
  const ModelShape& shape_;
  const FeatureMap& map_;
  const bool with_kinds_;
  const size_t block_rows_;
  const Rows* order_ = nullptr;
  size_t blocks_ = 0;
  // Row-list mode: row i: its features (uint16_t), then their kinds (with_kinds).
  std::unique_ptr<data::TextSpool> file_;
  // Block mode: per row uint32 feature count, K targets, the features, their kinds (with_kinds);
  // block_at_[b]: where file block b starts (and the end).
  std::unique_ptr<data::TempFile> bfile_;
  std::vector<uint64_t> block_at_;
  const bool blocks_mode_;
  const size_t K_;
  const double valid_;
  const uint64_t seed_;
  size_t n_ = 0, n_valid_ = 0;
  StreamPass pass_;
  std::vector<Block> ring_;
  std::thread producer_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t produced_ = 0, taken_ = 0;  // blocks tokenized / blocks the consumer has moved past
  bool stop_ = false;
};

}  // namespace tt::train
