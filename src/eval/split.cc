#include "eval/split.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "common/error.h"

namespace tt::eval {

Split stratified_split(const std::vector<std::string>& strata, double test_fraction, uint64_t seed) {
  if (!(test_fraction > 0.0 && test_fraction < 1.0)) throw Error("split: the test fraction must be in (0, 1)");
  const size_t n = strata.size();
  Split out;
  if (n == 0) return out;

  // Strata in key order, with their sizes.
  std::map<std::string, size_t> id_of;
  for (const auto& s : strata) id_of.emplace(s, 0);
  size_t next_id = 0;
  for (auto& kv : id_of) kv.second = next_id++;
  std::vector<size_t> size(id_of.size(), 0), stratum(n);
  for (size_t i = 0; i < n; ++i) ++size[stratum[i] = id_of[strata[i]]];

  // Test rows in all, then per stratum by largest remainder.
  size_t total = static_cast<size_t>(std::llround(static_cast<double>(n) * test_fraction));
  if (n >= 2) total = std::min(std::max<size_t>(total, 1), n - 1);
  std::vector<size_t> quota(size.size());
  std::vector<double> frac(size.size());
  size_t given = 0;
  for (size_t s = 0; s < size.size(); ++s) {
    const double exact = static_cast<double>(size[s]) * test_fraction;
    quota[s] = static_cast<size_t>(std::floor(exact));
    frac[s] = exact - static_cast<double>(quota[s]);
    given += quota[s];
  }
  std::vector<size_t> by_frac(size.size());
  std::iota(by_frac.begin(), by_frac.end(), size_t{0});
  std::stable_sort(by_frac.begin(), by_frac.end(), [&](size_t a, size_t b) { return frac[a] > frac[b]; });
  for (size_t r = 0; given < total && r < by_frac.size(); ++r) {
    const size_t s = by_frac[r];
    if (quota[s] < size[s]) ++quota[s], ++given;
  }
  // Should the rounding have given more than the clamp allows (n >= 2), take back from the end.
  for (size_t r = by_frac.size(); given > total && r-- > 0;) {
    const size_t s = by_frac[r];
    if (quota[s] > 0) --quota[s], --given;
  }

  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  SplitMix64 rng(seed);
  tt::shuffle(order, rng);
  for (size_t i : order) {
    size_t& q = quota[stratum[i]];
    if (q > 0) {
      --q;
      out.test.push_back(i);
    } else {
      out.train.push_back(i);
    }
  }
  return out;
}

}  // namespace tt::eval
