// Workload "thumb1_kernel": the differential test of the architecture kernel. For static models
// of many shapes (character n-grams of every size 2..6 or none, unigrams or bigrams, digits
// folded or not, the text row or not, the exact table with fewer or more than 256 groups or
// none, fewer or more than 256 buckets, D = 1, 2, 3, 5) with random weights and random sorted
// fingerprint groups, every text of edge_text.h cut into random runs goes through push_run (on
// the Cortex-M0+ the Thumb-1 kernel, arch/thumb1/push_run.h) and through push_run_portable;
// after every run the two states must be equal field by field (sums, count, tokenizer). Prints
// the shapes, runs, features, mismatches (0) and a digest of every state: the host (the portable
// kernel) must print the same.
// run.sh targets: host m0
#include "board.h"

#include <tinytext/model.h>

#include "edge_text.h"
#include "fnv1a.h"

namespace {

// One image buffer for every shape (filled before each is tested): the kernels read its
// fingerprint and embedding sections only.
uint8_t image_buf[6144];

template <uint32_t B, uint8_t W, uint8_t L, uint8_t U, uint8_t Flags, uint16_t Dim, uint16_t G>
struct Spec {
  static const uint8_t format = TT_MODEL_FORMAT_VERSION;
  static const uint8_t scheme = tt::kTokenizerScheme;
  static const uint32_t buckets = B;
  static const uint8_t word_ngrams = W, char_min = L, char_max = U;
  static const uint16_t dim = Dim, hidden = 0, outputs = Dim, label_bytes = Dim;
  static const uint8_t flags = (uint8_t)(tt::kModelLinear | Flags | (G ? tt::kModelExactTable : 0));
  static const uint8_t pool = tt::kPoolSqrt;
  static const uint8_t text_row_count = 1;
  static const uint16_t table_groups = G;
  static const uint32_t bytes = tt::section_at(tt::kSecEnd, tt::detail::spec_shape<Spec>());
  static tt::FlashAddr image() { return image_buf; }
};

const uint8_t kRow = tt::kModelTextRow, kFold = tt::kModelFoldDigits;

// The portable kernel, out of line (push_run is the architecture's on the M0).
template <class M, uint16_t D>
TT_NOINLINE void portable(tt::SumsState<D>& s, const uint8_t* p, const uint8_t* end) {
  tt::detail::push_run_portable<M, D>(M(), s, p, end);
}

template <uint16_t D>
bool same(const tt::SumsState<D>& a, const tt::SumsState<D>& b) {
  bool eq = a.tok.word.h == b.tok.word.h && a.tok.word.len == b.tok.word.len && a.tok.word.w == b.tok.word.w &&
            a.tok.old == b.tok.old && a.tok.prev == b.tok.prev && a.tok.has_prev == b.tok.has_prev &&
            a.count == b.count;
  for (uint16_t d = 0; d < D; ++d) eq = eq && a.acc[d] == b.acc[d];
  return eq;
}

template <uint16_t D>
void reset(tt::SumsState<D>& s) {
  tt::tokenizer_reset(s.tok);
  s.count = 0;
  for (uint16_t d = 0; d < D; ++d) s.acc[d] = 0;
}

uint32_t runs = 0, features = 0, mismatches = 0;

// Random weights and strictly ascending random fingerprint groups, then the texts.
template <class S>
void check(Fnv1a& digest, uint16_t texts) {
  typedef tt::StaticModel<S> M;
  static_assert(S::bytes <= sizeof image_buf, "image_buf is too small for this shape");
  for (uint32_t i = 0; i < S::bytes; ++i) image_buf[i] = (uint8_t)draw(256);
  for (uint32_t g = 0; g < S::table_groups; ++g) {
    uint8_t* f = image_buf + M::kTableAt + tt::kTableWays * g;
    for (uint8_t k = 0; k < tt::kTableWays; ++k) {  // 4 distinct values, ascending
      uint8_t v;
      bool dup;
      do {
        v = (uint8_t)draw(256);
        dup = false;
        for (uint8_t j = 0; j < k; ++j) dup = dup || f[j] == v;
      } while (dup);
      uint8_t j = k;
      for (; j > 0 && f[j - 1] > v; --j) f[j] = f[j - 1];
      f[j] = v;
    }
  }
  tt::SumsState<S::dim> a, b;
  for (uint16_t t = 0; t < texts; ++t) {
    const uint32_t n = make_text(t % 4 == 0 ? sizeof text : 40 + draw(sizeof text - 40));
    reset(a);
    reset(b);
    uint32_t i = 0;
    while (i < n) {
      uint32_t run = 1 + draw(t % 3 == 0 ? 4 : 64);
      if (run > n - i) run = n - i;
      portable<M, S::dim>(a, &text[i], &text[i + run]);
      tt::detail::push_run<M, S::dim>(M(), b, &text[i], &text[i + run]);
      i += run;
      ++runs;
      if (!same(a, b)) ++mismatches;
      digest.u32(b.count);
      digest.u32(b.tok.word.h);
      for (uint16_t d = 0; d < S::dim; ++d) digest.u32((uint32_t)b.acc[d]);
    }
    const uint8_t end = ' ';  // the pending word's end (model_read's)
    portable<M, S::dim>(a, &end, &end + 1);
    tt::detail::push_run<M, S::dim>(M(), b, &end, &end + 1);
    if (!same(a, b)) ++mismatches;
    features += b.count;
    digest.u32(b.count);
    for (uint16_t d = 0; d < S::dim; ++d) digest.u32((uint32_t)b.acc[d]);
  }
}

}  // namespace

extern "C" int tt_workload_main(void) {
  Fnv1a digest = {kFnvOffset};
  const uint16_t kTexts = 24;
  // buckets, word n-grams, char min, char max, flags, D, groups
  check<Spec<2560, 1, 3, 4, kRow | kFold, 1, 188> >(digest, kTexts);  // the 4 KB default's shape
  check<Spec<1000, 2, 3, 5, kRow | kFold, 1, 0> >(digest, kTexts);    // the 32 KB default's, fewer buckets
  check<Spec<700, 2, 2, 6, 0, 1, 50> >(digest, kTexts);
  check<Spec<64, 1, 5, 6, 0, 1, 7> >(digest, kTexts);
  check<Spec<100, 2, 4, 4, kRow, 1, 300> >(digest, kTexts);
  check<Spec<300, 1, 0, 0, kRow, 2, 20> >(digest, kTexts);
  check<Spec<257, 2, 2, 2, kFold, 3, 0> >(digest, kTexts);
  check<Spec<200, 1, 3, 6, kRow | kFold, 5, 40> >(digest, kTexts);
  check<Spec<255, 2, 2, 5, 0, 1, 0> >(digest, kTexts);
  tt::board::put_kv_dec("shapes", 9);
  tt::board::put_kv_dec("runs", runs);
  tt::board::put_kv_dec("features", features);
  tt::board::put_kv_dec("mismatches", mismatches);
  tt::board::put_kv_hex("digest", digest.h);
  return mismatches == 0 ? 0 : 1;
}
