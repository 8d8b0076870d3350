// Tokenizer throughput on the Jigsaw part (../shared), next to a loop that only touches each
// byte (the physical floor), in the same run. bench/tokenizer.sh writes the results to bench/.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "tinytext/tokenizer.h"

namespace {

const std::vector<std::string>& texts() {
  static const std::vector<std::string> t = [] {
    tt::data::ReaderOptions o;
    o.text_column = "comment_text";
    o.label_columns = {"labels"};
    return tt::data::read_dataset(std::string(TT_SHARED_DIR) + "/data/jigsaw-toxic-partial/text_comment_1.csv", o)
        .texts;
  }();
  return t;
}

int64_t total_bytes() {
  int64_t n = 0;
  for (const auto& t : texts()) n += int64_t(t.size());
  return n;
}

void BM_TouchEachByte(benchmark::State& state) {
  for (auto _ : state) {
    uint32_t sum = 0;
    for (const auto& t : texts())
      for (char c : t) sum += static_cast<unsigned char>(c);
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(state.iterations() * total_bytes());
}
BENCHMARK(BM_TouchEachByte);

struct BucketSink {
  uint32_t buckets;
  uint32_t acc;
  void operator()(uint32_t h, uint8_t) { acc += tt::bucket_of(h, buckets); }
};

void BM_Tokenize(benchmark::State& state) {
  const tt::TokenizerConfig c{4096, uint8_t(state.range(0)), uint8_t(state.range(1)), uint8_t(state.range(2)), 0};
  for (auto _ : state) {
    BucketSink sink{c.buckets, 0};
    tt::TokenizerState s;
    for (const auto& t : texts()) {
      tt::tokenizer_reset(s);
      for (char ch : t) tt::tokenizer_push(c, s, static_cast<uint8_t>(ch), sink);
      tt::tokenizer_finish(c, s, sink);
    }
    benchmark::DoNotOptimize(sink.acc);
  }
  state.SetBytesProcessed(state.iterations() * total_bytes());
}
// words; words + bigrams; words + bigrams + char 3-5 grams (the default scheme with n-grams on)
BENCHMARK(BM_Tokenize)->Args({1, 0, 0})->Args({2, 0, 0})->Args({2, 3, 5});

void BM_SeedEncoder(benchmark::State& state) {
  for (auto _ : state) {
    uint64_t acc = 0, v;
    tt::SeedEncoder<64> enc;
    for (const auto& t : texts()) {
      enc.reset();
      for (char ch : t)
        if (enc.push(static_cast<uint8_t>(ch), &v)) acc += tt::seed12_id(v);
      if (enc.finish(&v)) acc += tt::seed12_id(v);
    }
    benchmark::DoNotOptimize(acc);
  }
  state.SetBytesProcessed(state.iterations() * total_bytes());
}
BENCHMARK(BM_SeedEncoder);

}  // namespace

BENCHMARK_MAIN();
