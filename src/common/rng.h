// The host toolkit's one random generator: splitmix64 (Steele, Lea, Flood 2014; the seeding
// generator of xoshiro) with a bounded draw and a shuffle specified exactly, so a seed gives the
// same split, sample, initial weights and batch order on every platform and standard library
// (std::shuffle and std::uniform_int_distribution do not).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace tt {

struct SplitMix64 {
  uint64_t state;
  explicit SplitMix64(uint64_t seed) : state(seed) {}

  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1), from the top 53 bits.
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  // Uniform in [0, bound), bound >= 1: rejects draws below 2^64 mod bound, then takes the
  // remainder, so there is no modulo bias. A draw is rejected with probability below
  // bound / 2^64, so for any bound a data set can have, the values are those of next() % bound.
  uint64_t below(uint64_t bound) {
    const uint64_t reject_below = (0 - bound) % bound;  // 2^64 mod bound
    for (;;) {
      const uint64_t r = next();
      if (r >= reject_below) return r % bound;
    }
  }
};

// Fisher-Yates: for i = n-1 down to 1, swap v[i] with v[below(i + 1)].
template <class T>
void shuffle(std::vector<T>& v, SplitMix64& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[static_cast<size_t>(rng.below(i))]);
}

}  // namespace tt
