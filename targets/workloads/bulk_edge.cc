// Workload "bulk_edge": model_push_text against model_push, byte by byte, on the same board, for
// texts made to reach the corners of the kernel's runs (detail/push.h: a word, its count and its
// sums kept in locals across a run of any length): upper case, digits, bytes >= 0x80, control bytes, DEL, punctuation runs, one-letter
// words, words of 250-300 bytes, every byte value, the text cut into runs of 1-64 bytes (a word
// continues across runs at every length), and a count a few features below the saturation limit.
// After every run the two states must be equal, field by field; after every text, the scores.
// Prints texts, bytes, mismatches (0) and a digest of every state (compared with the host).
// run.sh data-symbols: ^(tt_text|sms32k_model_data)
// run.sh targets: host m0
#include "board.h"
#include "workload_data.h"

#include <tinytext/model.h>

#include "edge_text.h"
#include "fnv1a.h"

namespace {

TT_W_MODEL model;
TT_W_STATE bulk, ref;
TT_W_SCORES sb, sr;
bool same(const TT_W_STATE& a, const TT_W_STATE& b) {
  return a.tok.word.h == b.tok.word.h && a.tok.word.len == b.tok.word.len && a.tok.word.w == b.tok.word.w &&
         a.tok.old == b.tok.old && a.tok.prev == b.tok.prev && a.tok.has_prev == b.tok.has_prev &&
         a.count == b.count && a.limit == b.limit && a.acc[0] == b.acc[0];
}

void fold(Fnv1a& d, const TT_W_STATE& s) {
  d.u32(s.tok.word.h);
  d.u32(s.tok.word.len);
  d.u32(s.tok.word.w);
  d.u32(s.tok.old);
  d.u32(s.tok.prev);
  d.byte(s.tok.has_prev);
  d.u32(s.count);
  d.u32((uint32_t)s.acc[0]);
}

}  // namespace

extern "C" int tt_workload_main(void) {
  Fnv1a digest = {kFnvOffset};
  uint32_t bytes = 0, mismatches = 0;
  const uint16_t kTexts = 200;
  for (uint16_t t = 0; t < kTexts; ++t) {
    const uint32_t n = make_text(t % 8 == 0 ? sizeof text : 40 + draw(sizeof text - 40));
    if (tt::model_reset(model, bulk) != tt::kOk || tt::model_reset(model, ref) != tt::kOk) return 1;
    if (t % 5 == 4) bulk.count = ref.count = tt::kSaturateAt - draw(400);  // near the limit
    uint32_t i = 0;
    while (i < n) {
      uint32_t run = 1 + draw(t % 3 == 0 ? 4 : 64);
      if (run > n - i) run = n - i;
      tt_bench_begin();
      tt::model_push_text(model, bulk, &text[i], run);
      tt_bench_end();
      for (uint32_t k = 0; k < run; ++k) tt::model_push(model, ref, text[i + k]);
      i += run;
      if (!same(bulk, ref)) ++mismatches;
      fold(digest, bulk);
    }
    bytes += n;
    tt::model_read(model, bulk, sb);
    tt::model_read(model, ref, sr);
    if (sb.logit[0] != sr.logit[0] || sb.prob[0] != sr.prob[0] || sb.features != sr.features) ++mismatches;
    digest.u32((uint32_t)sb.logit[0]);
    digest.u32(sb.features);
  }
  tt::board::put_kv_dec("texts", kTexts);
  tt::board::put_kv_dec("bytes", bytes);
  tt::board::put_kv_dec("mismatches", mismatches);
  tt::board::put_kv_hex("digest", digest.h);
  return mismatches == 0 ? 0 : 1;
}
