// Deterministic, stratified train/test splits (`tinytext split`).
//
// The shuffle is tt::shuffle with tt::SplitMix64 (common/rng.h), so a seed gives the same split on
// every platform and standard library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/rng.h"

namespace tt::eval {

struct Split {
  std::vector<size_t> train, test;  // row indices, each in shuffled order
};

// Splits rows 0..strata.size()-1. strata[i] is row i's stratum (rows with the same key are
// split in the same proportion). The test set gets round(n * test_fraction) rows in all, clamped
// to [1, n - 1] when n >= 2; each stratum gets floor(n_s * test_fraction) of them and the
// remaining rows go one each to the strata with the largest fractional parts (ties: the first
// stratum in key order). Within a stratum, the test rows are the first ones in the shuffled order.
Split stratified_split(const std::vector<std::string>& strata, double test_fraction, uint64_t seed);

}  // namespace tt::eval
