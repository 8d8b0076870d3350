// The body of the constant-RAM workloads (stream100, stream10000): one generated text of
// TT_STREAM_BYTES bytes (xorshift32 over a 32-character alphabet of letters, spaces and
// punctuation: words of every length, no table of texts in flash) streamed through model_push
// with the sms4k model, scores read at the end. The two workloads are the same code but for the
// length, so their static RAM and stack peak must be equal: the runtime's RAM does not grow with
// the text. The measured region (markers) includes the generator.
// Prints: bytes, features, logit, prob, digest. Exit 0 iff the model opened.
#ifndef TT_WORKLOADS_STREAM_H
#define TT_WORKLOADS_STREAM_H

#include <tinytext/model.h>

#include "model_vars.h"

namespace {

const uint8_t kAlphabet[32] TT_FLASH = {'e', 't', 'a', 'o', 'i', 'n', 's', 'h', 'r', 'd', 'l', 'u', ' ', ' ', ' ', ' ',
                                        'c', 'm', 'w', 'f', 'g', 'y', 'p', 'b', 'v', 'k', 'x', '.', ',', '!', '2', ' '};

}  // namespace

// The harness keeps its own frames small, so the stack figure is mostly the runtime's: the
// measured part and the report are out of line, tt_workload_main only calls them (its frame is a
// return address and a saved register while the runtime runs).
namespace {

// FNV-1a over the three reported words, then the report.
__attribute__((noinline)) void report(uint32_t features, uint32_t logit, uint32_t prob) {
  uint32_t h = 2166136261u;
  const uint32_t v[3] = {logit, prob, features};
  for (uint8_t k = 0; k < 3; ++k)
    for (uint8_t i = 0; i < 4; ++i) h = (h ^ (uint8_t)(v[k] >> (8u * i))) * 16777619u;
  tt::board::put_kv_dec("bytes", TT_STREAM_BYTES);
  tt::board::put_kv_dec("features", features);
  tt::board::put_kv_hex("logit", logit);
  tt::board::put_kv_dec("prob", prob);
  tt::board::put_kv_hex("digest", h);
}

#if defined(TT_BASELINE)
// The same harness without the runtime (run.sh builds it for size only).
__attribute__((noinline)) uint32_t measure(void) {
  uint32_t x = 2463534242u, sum = 0;
  tt_bench_begin();
  for (uint16_t i = 0; i < TT_STREAM_BYTES; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    sum += tt_flash_u8(&kAlphabet[x & 31u]);
  }
  tt_bench_end();
  return sum;
}
#else
// The measured region: reset, every byte, read. false if model_reset refused.
__attribute__((noinline)) bool measure(void) {
  uint32_t x = 2463534242u;
  tt_bench_begin();
  if (tt::model_reset(model, state) != tt::kOk) return false;
  for (uint16_t i = 0; i < TT_STREAM_BYTES; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    tt::model_push(model, state, tt_flash_u8(&kAlphabet[x & 31u]));
  }
  tt::model_read(model, state, scores);
  tt_bench_end();
  return true;
}
#endif

}  // namespace

#if defined(TT_BASELINE)
extern "C" int tt_workload_main(void) {
  const uint32_t sum = measure();
  report(sum, sum, sum);
  return 0;
}
#else
extern "C" int tt_workload_main(void) {
#if defined(TT_W_RUNTIME_CHECK)
  if (TT_W_OPEN(model) != tt::kOk) return 1;
#endif
  if (!measure()) return 1;
  report(scores.features, (uint32_t)scores.logit[0], scores.prob[0]);
  return 0;
}
#endif  // TT_BASELINE

#endif  // TT_WORKLOADS_STREAM_H
