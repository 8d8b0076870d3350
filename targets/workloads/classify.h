// The body of the model workloads (sms4k, sms32k): classifies every embedded test text with a
// real exported model, streaming it byte by byte through model_push, and reads the scores at the
// end. Each text is measured on its own (tt_bench_begin before model_reset, tt_bench_end after
// model_read); the digests are folded outside the measured region.
//
// Prints: texts, bytes, features, positives, digest (FNV-1a over logit, prob, decision of every
// text: compared with the host by run.sh), cli_digest (logit and decision only) and cli_match
// (cli_digest equals TT_CLI_DIGEST, computed by gen_model_data.py from `tinytext predict` on the
// same quantised model and the same bytes). Exit 0 iff cli_match (and, on the generic path
// (TT_W_RUNTIME_CHECK), the model opened). With the labels (TT_W_MIN_PRECISION_PERMILLE and
// tt_truth[] from gen_model_data.py --threshold-precision) it also prints the model's threshold
// and tp and fp of the board's model_positive, and fails unless the threshold is the one chosen
// (TT_W_THRESHOLD_Q16) and tp / (tp + fp) >= that precision.
// Include after "board.h" and the generated "workload_data.h".
#ifndef TT_WORKLOADS_CLASSIFY_H
#define TT_WORKLOADS_CLASSIFY_H

#include <tinytext/model.h>

#include "fnv1a.h"
#include "model_vars.h"

#if defined(TT_BASELINE)
// The same harness without the runtime (run.sh builds it for size only): the difference between
// the two images is the runtime's code, its RAM, and the model.
extern "C" int tt_workload_main(void) {
  uint32_t sum = 0, begin = 0;
  for (uint16_t t = 0; t < TT_TEXTS_COUNT; ++t) {
    const uint32_t end = tt_flash_u32(&tt_text_ends[t]);
    tt_bench_begin();
    for (uint32_t i = begin; i < end; ++i) sum += tt_flash_u8(&tt_texts[i]);
    tt_bench_end();
    begin = end;
  }
  Fnv1a all = {kFnvOffset};
  all.u32(sum);
  tt::board::put_kv_dec("texts", TT_TEXTS_COUNT);
  tt::board::put_kv_dec("bytes", begin);
  tt::board::put_kv_dec("features", sum);
  tt::board::put_kv_dec("positives", sum);
  tt::board::put_kv_hex("digest", all.h);
  tt::board::put_kv_hex("cli_digest", all.h);
  tt::board::put_kv_dec("cli_match", all.h == TT_CLI_DIGEST ? 1u : 0u);
  return 0;
}
#else
extern "C" int tt_workload_main(void) {
#if defined(TT_W_RUNTIME_CHECK)
  if (TT_W_OPEN(model) != tt::kOk) {
    tt::board::put_kv_dec("open_failed", 1);
    return 1;
  }
#endif
  Fnv1a all = {kFnvOffset}, cli = {kFnvOffset};
  uint32_t features = 0, positives = 0, begin = 0;
#if defined(TT_W_MIN_PRECISION_PERMILLE)
  uint32_t tp = 0, fp = 0;
#endif
  for (uint16_t t = 0; t < TT_TEXTS_COUNT; ++t) {
    const uint32_t end = tt_flash_u32(&tt_text_ends[t]);
    tt_bench_begin();
    if (tt::model_reset(model, state) != tt::kOk) return 1;
#if defined(TT_W_BULK)  // the bulk API on the text in (memory-mapped) flash
    tt::model_push_text(model, state, &tt_texts[begin], (size_t)(end - begin));
#else
    for (uint32_t i = begin; i < end; ++i) tt::model_push(model, state, tt_flash_u8(&tt_texts[i]));
#endif
    tt::model_read(model, state, scores);
    tt_bench_end();
    begin = end;
    const uint8_t pos = tt::model_positive(model, scores, 0) ? 1 : 0;
    all.u32((uint32_t)scores.logit[0]);
    all.byte((uint8_t)scores.prob[0]);
    all.byte((uint8_t)(scores.prob[0] >> 8));
    all.byte(pos);
    cli.u32((uint32_t)scores.logit[0]);
    cli.byte(pos);
    features += scores.features;
    positives += pos;
#if defined(TT_W_MIN_PRECISION_PERMILLE)
    if (pos) (tt_flash_u8(&tt_truth[t]) ? tp : fp)++;
#endif
  }
  tt::board::put_kv_dec("texts", TT_TEXTS_COUNT);
  tt::board::put_kv_dec("bytes", begin);
  tt::board::put_kv_dec("features", features);
  tt::board::put_kv_dec("positives", positives);
  tt::board::put_kv_hex("digest", all.h);
  tt::board::put_kv_hex("cli_digest", cli.h);
  tt::board::put_kv_dec("cli_match", cli.h == TT_CLI_DIGEST ? 1u : 0u);
#if defined(TT_W_MIN_PRECISION_PERMILLE)
  const bool precise = (uint64_t)tp * 1000u >= (uint64_t)TT_W_MIN_PRECISION_PERMILLE * (tp + fp) &&
                       tt::model_threshold(model, 0) == TT_W_THRESHOLD_Q16;
  tt::board::put_kv_hex("threshold_q16", (uint32_t)tt::model_threshold(model, 0));
  tt::board::put_kv_dec("tp", tp);
  tt::board::put_kv_dec("fp", fp);
  tt::board::put_kv_dec("precision_met", precise ? 1u : 0u);
  if (!precise) return 1;
#endif
  return (cli.h == TT_CLI_DIGEST && begin == TT_TEXTS_BYTES) ? 0 : 1;
}
#endif  // TT_BASELINE

#endif  // TT_WORKLOADS_CLASSIFY_H
