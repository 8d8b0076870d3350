// Workload "hash_digest": proves the host/emulator chain bit for bit with today's device headers.
//
// Pass 1 (measured, between tt_bench_begin/tt_bench_end): the default streaming tokenizer with
// TokenizerConfig{4096, 2, 3, 5} over every embedded text, with a near-free sink (a count, a sum
// and an xor of the hashes), so the figure is the tokenizer's own cost.
// Pass 2 (not measured): the same again, every feature (hash, kind) folded into an FNV-1a 32 digest.
// Pass 3 (not measured): the seed-compatible encoder (seed_py per word) over the same texts; every
// 64-bit word value is folded into a second digest.
//
// Prints: texts, bytes, features, feature_sum, feature_xor, digest, seed_words, seed_overflow,
// seed_digest. Exit 0.
// Heap-free; the texts come from the generated workload_data.h (targets/common/gen_texts.py).
#include <tinytext/tokenizer.h>

#include "board.h"
#include "fnv1a.h"
#include "workload_data.h"

namespace {

struct DigestSink {
  Fnv1a fnv;
  uint32_t features;
  void operator()(uint32_t hash, uint8_t kind) {
    fnv.u32(hash);
    fnv.byte(kind);
    ++features;
  }
};

// The measured pass's sink: cheap on both targets, and enough that no feature can be optimised away.
struct LightSink {
  uint32_t sum;
  uint32_t x;
  uint32_t features;
  void operator()(uint32_t hash, uint8_t kind) {
    sum += hash;
    x ^= hash + kind;
    ++features;
  }
};

template <class Sink>
uint32_t tokenize_all(const tt::TokenizerConfig& config, Sink& sink) {
  tt::TokenizerState state;
  uint32_t bytes = 0;
  uint16_t begin = 0;
  for (uint16_t t = 0; t < TT_TEXTS_COUNT; ++t) {
    const uint16_t end = tt_flash_u16(&tt_text_ends[t]);
    tt::tokenizer_reset(state);
    for (uint16_t i = begin; i < end; ++i) tt::tokenizer_push(config, state, tt_flash_u8(&tt_texts[i]), sink);
    tt::tokenizer_finish(config, state, sink);
    bytes += (uint32_t)(end - begin);
    begin = end;
  }
  return bytes;
}

const uint8_t kSeedCap = 32;  // words longer than this many ASCII bytes are reported, not hidden

}  // namespace

extern "C" int tt_workload_main(void) {
  static const tt::TokenizerConfig kConfig = {4096, 2, 3, 5, 0};
  if (tt::check_config(kConfig) != tt::kOk) return 1;

  LightSink light;
  light.sum = 0;
  light.x = 0;
  light.features = 0;
  tt_bench_begin();
  const uint32_t bytes = tokenize_all(kConfig, light);
  tt_bench_end();

  DigestSink sink;
  sink.fnv.h = kFnvOffset;
  sink.features = 0;
  (void)tokenize_all(kConfig, sink);

  Fnv1a seed;
  seed.h = kFnvOffset;
  uint32_t words = 0;
  uint32_t overflow = 0;
  tt::SeedEncoder<kSeedCap> enc;
  uint16_t begin = 0;
  for (uint16_t t = 0; t < TT_TEXTS_COUNT; ++t) {
    const uint16_t end = tt_flash_u16(&tt_text_ends[t]);
    enc.reset();
    uint64_t v = 0;
    for (uint16_t i = begin; i <= end; ++i) {
      const bool last = (i == end);
      // The overflow flag is read before push/finish report the word and reset it.
      const bool over = enc.word.overflowed();
      const bool got = last ? enc.finish(&v) : enc.push(tt_flash_u8(&tt_texts[i]), &v);
      if (got) {
        seed.u32((uint32_t)v);
        seed.u32((uint32_t)(v >> 32));
        ++words;
        if (over) ++overflow;
      }
    }
    begin = end;
  }

  tt::board::put_kv_dec("texts", TT_TEXTS_COUNT);
  tt::board::put_kv_dec("bytes", bytes);
  tt::board::put_kv_dec("features", sink.features);
  tt::board::put_kv_hex("feature_sum", light.sum);
  tt::board::put_kv_hex("feature_xor", light.x);
  tt::board::put_kv_hex("digest", sink.fnv.h);
  tt::board::put_kv_dec("seed_words", words);
  tt::board::put_kv_dec("seed_overflow", overflow);
  tt::board::put_kv_hex("seed_digest", seed.h);
  return (bytes == TT_TEXTS_BYTES && light.features == sink.features) ? 0 : 1;
}
