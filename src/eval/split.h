// Deterministic, stratified train/test splits (`tinytext split`).
//
// The shuffle is specified exactly, so a seed gives the same split on every platform and standard
// library (std::shuffle and std::uniform_int_distribution do not): splitmix64 as the generator,
// a bounded draw by rejection, and Fisher-Yates from the last index down.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tt::eval {

// splitmix64 (Steele, Lea, Flood 2014; the seeding generator of xoshiro).
struct SplitMix64 {
  uint64_t state;
  explicit SplitMix64(uint64_t seed) : state(seed) {}
  uint64_t next();
  // Uniform in [0, bound), bound >= 1: rejects draws below 2^64 mod bound, then takes the
  // remainder, so there is no modulo bias.
  uint64_t below(uint64_t bound);
};

// Fisher-Yates: for i = n-1 down to 1, swap v[i] with v[below(i + 1)].
void shuffle(std::vector<size_t>& v, SplitMix64& rng);

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
