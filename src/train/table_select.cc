#include "train/table_select.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>
#include <utility>

#include "common/cancel.h"
#include "common/rng.h"
#include "model/forward.h"
#include "train/backprop.h"
#include "train/optimizer.h"

namespace tt::train {

namespace {

// The selection model's rows: row 0 the text row, then one per distinct hash in order of first
// appearance (deterministic); each text's row indices lead with the text row, c times (so the
// pooled sums add it first: c w exactly, as a bias-like term).
struct Unhashed {
  std::vector<uint32_t> hash_of{0}, feats;
  std::vector<uint64_t> offs{0};
};
constexpr uint32_t kRow = 0;

// The rows read: all of them, or, beyond max_bytes of text, a seeded sample of whole rows until
// their text reaches that size, kept in their own order (below the cap nothing changes).
Rows sample_rows(const data::Dataset& d, const Rows& all_rows, uint64_t max_bytes,
                                uint64_t seed) {
  uint64_t text_bytes = 0;
  for (size_t i : all_rows) text_bytes += d.text_size(i);
  if (text_bytes <= max_bytes) return all_rows;
  Rows order(all_rows.size());
  std::iota(order.begin(), order.end(), RowIndex{0});
  SplitMix64 pick(seed * 0x9E3779B97F4A7C15ull + 11);
  tt::shuffle(order, pick);
  std::vector<uint8_t> take(all_rows.size(), 0);
  uint64_t got = 0;
  for (size_t j : order) {
    if (got >= max_bytes) break;
    take[j] = 1;
    got += d.text_size(all_rows[j]);
  }
  Rows sample;
  for (size_t j = 0; j < all_rows.size(); ++j)
    if (take[j]) sample.push_back(all_rows[j]);
  return sample;
}

Unhashed unhashed_features(const data::Dataset& d, const ModelShape& shape, const Rows& rows,
                           uint32_t c) {
  Unhashed u;
  std::unordered_map<uint32_t, uint32_t> index;
  std::vector<uint32_t> hashes;
  std::string buf;
  for (size_t i : rows) {
    hashes.clear();
    append_text_hashes(shape.tokenizer, d.text(i, buf), hashes);
    u.feats.insert(u.feats.end(), c, kRow);
    for (uint32_t h : hashes) {
      auto it = index.emplace(h, static_cast<uint32_t>(u.hash_of.size()));
      if (it.second) u.hash_of.push_back(h);
      u.feats.push_back(it.first->second);
    }
    u.offs.push_back(u.feats.size());
  }
  return u;
}

// Trains the selection model (a linear model on u's rows, pooled as `shape` pools) and returns
// its weights, rows x K.
std::vector<float> train_selection(const data::Dataset& d, const ModelShape& shape, const Rows& rows,
                                   const Unhashed& u, uint32_t c, const TableSelectOptions& o,
                                   const ClassWeights& cw) {
  const size_t K = shape.outputs, F = u.hash_of.size();
  const std::vector<uint32_t>& feats = u.feats;
  const std::vector<uint64_t>& offs = u.offs;
  ModelShape sel = shape;
  sel.linear = true;
  sel.hidden = 0;
  sel.dim = shape.outputs;
  std::vector<float> w(F * K, 0.0f), s1(F * K, 0.0f), g(F * K, 0.0f);
  std::vector<float> b(K, 0.0f), sb(K, 0.0f), gb(K, 0.0f);
  const Weights<float> wv{w.data(), nullptr, nullptr, nullptr, b.data()};
  Activations<float> a;
  a.resize(sel);
  std::vector<float> dz(K);
  std::vector<uint8_t> touched(F, 0);
  std::vector<uint32_t> list;
  std::vector<size_t> perm(rows.size());
  std::iota(perm.begin(), perm.end(), size_t{0});
  SplitMix64 rng(o.seed * 0x2545F4914F6CDD1Dull + 7);
  const size_t bs = o.batch;
  const double total = static_cast<double>((perm.size() + bs - 1) / bs) * o.epochs;
  double step = 0;
  const OptConfig oc_feature{Optimizer::kAdagrad, o.l2}, oc_row{Optimizer::kAdagrad, 0.0f};
  for (uint32_t epoch = 0; epoch < o.epochs; ++epoch) {
    tt::shuffle(perm, rng);
    for (size_t start = 0; start < perm.size(); start += bs) {
      check_cancelled();
      const size_t nb = std::min(bs, perm.size() - start);
      const float lr = static_cast<float>(o.lr * std::max(0.0, 1.0 - step / total));
      ++step;
      std::fill(gb.begin(), gb.end(), 0.0f);
      for (size_t j = 0; j < nb; ++j) {
        const size_t r = perm[start + j];
        const uint64_t lo = offs[r], hi = offs[r + 1];
        tt::forward<float, double>(sel, wv, feats.data() + lo, static_cast<size_t>(hi - lo), a);
        const float sc = a.scale;
        detail::loss_grad<float>(shape.head, a.z.data(), &d.targets[rows[r] * K], K, cw.wpos(), cw.wneg(), cw.wcls(), dz.data());
        auto add = [&](uint32_t f, float times) {
          if (!touched[f]) {
            touched[f] = 1;
            list.push_back(f);
          }
          for (size_t k = 0; k < K; ++k) g[size_t{f} * K + k] += times * sc * dz[k];
        };
        for (uint64_t q = lo + c; q < hi; ++q) add(feats[q], 1.0f);
        if (c) add(kRow, static_cast<float>(c));
        for (size_t k = 0; k < K; ++k) gb[k] += dz[k];
      }
      // Each feature's update reads only its own weight, sum and gradient: any order gives the
      // same weights (list's order is the batch's, deterministic anyway).
      for (uint32_t f : list) {
        const size_t at = size_t{f} * K;
        update(f == kRow ? oc_row : oc_feature, &w[at], &g[at], &s1[at], nullptr, K, lr, 1.0f, 1.0f);
        std::fill(&g[at], &g[at] + K, 0.0f);
        touched[f] = 0;
      }
      list.clear();
      update(oc_row, b.data(), gb.data(), sb.data(), nullptr, K, lr, 1.0f, 1.0f);
    }
  }
  return w;
}

// Ranks the features by the norm of their weight vector (ties: the lower hash first) and puts
// them into their groups greedily (module comment in table_select.h); returns the fingerprints.
std::vector<uint8_t> fill_groups(const std::vector<float>& w, const std::vector<uint32_t>& hash_of, size_t K,
                                 uint32_t G, uint32_t entries, uint32_t* placed) {
  const size_t F = hash_of.size();
  std::vector<std::pair<float, uint32_t>> rank(F - 1);
  for (size_t f = 1; f < F; ++f) {
    float n2 = 0;
    for (size_t k = 0; k < K; ++k) n2 += w[f * K + k] * w[f * K + k];
    rank[f - 1] = {n2, hash_of[f]};
  }
  std::sort(rank.begin(), rank.end(), [](const std::pair<float, uint32_t>& x, const std::pair<float, uint32_t>& y) {
    return x.first != y.first ? x.first > y.first : x.second < y.second;
  });
  std::vector<uint8_t> fp(size_t{kTableWays} * G, 0), used(G, 0);
  uint32_t n_in = 0;
  for (const auto& e : rank) {
    if (n_in >= entries) break;
    const uint32_t h = e.second;
    const uint32_t grp = bucket_of(h, G);
    const uint8_t f = table_fingerprint(h);
    uint8_t* slot = &fp[size_t{grp} * kTableWays];
    if (used[grp] == kTableWays || std::find(slot, slot + used[grp], f) != slot + used[grp]) continue;
    slot[used[grp]++] = f;
    ++n_in;
  }
  for (uint32_t grp = 0; grp < G; ++grp) {
    uint8_t* slot = &fp[size_t{grp} * kTableWays];
    for (uint8_t v = 0; used[grp] < kTableWays; ++v)
      if (std::find(slot, slot + used[grp], v) == slot + used[grp]) slot[used[grp]++] = v;
  }
  *placed = n_in;
  return fp;
}

}  // namespace

TableSelection select_table(const data::Dataset& d, const ModelShape& shape, const Rows& all_rows,
                            const TableSelectOptions& o, const ClassWeights& cw) {
  const Rows rows = sample_rows(d, all_rows, o.max_text_bytes, o.seed);
  const uint32_t c = shape.text_row ? shape.text_row_count : 0;
  const Unhashed u = unhashed_features(d, shape, rows, c);
  const std::vector<float> w = train_selection(d, shape, rows, u, c, o, cw);
  TableSelection out;
  out.rows_read = rows.size();
  out.fingerprints = fill_groups(w, u.hash_of, shape.outputs, shape.table_groups, o.entries, &out.placed);
  return out;
}

}  // namespace tt::train
