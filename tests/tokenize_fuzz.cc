// libFuzzer target for the tokenizers and hashes on arbitrary bytes (built by tests/fuzz.cmake).
// The first input byte picks the tokenizer configuration, the rest is the text. Checks:
//   * the streaming tokenizer (tinytext/tokenizer.h, byte by byte, then finish) emits exactly the
//     features of the reference tokenizer (src/tokenize/reference.cc), in order, and
//     tokenizer_pending before finish emits what finish then emits;
//   * the seed-compatible SeedEncoder reports the reference's seed_py word values (words of up
//     to its 64-byte cap);
//   * stream32 equals StreamHash pushed byte by byte; hsieh32 and seed_py run on any bytes.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "tinytext/hash.h"
#include "tinytext/tokenizer.h"
#include "tokenize/reference.h"
#include "fuzz_check.h"

namespace {

using Features = std::vector<std::pair<uint32_t, uint8_t>>;

struct Collect {
  Features out;
  void operator()(uint32_t h, uint8_t kind) { out.emplace_back(h, kind); }
};

tt::TokenizerConfig config_from(uint8_t b) {
  tt::TokenizerConfig c{};
  c.buckets = 4096;
  c.word_ngrams = (b & 1) ? 2 : 1;
  static const uint8_t kRanges[8][2] = {{0, 0}, {2, 2}, {3, 3}, {3, 5}, {2, 6}, {4, 4}, {5, 6}, {6, 6}};
  c.char_min = kRanges[(b >> 1) & 7][0];
  c.char_max = kRanges[(b >> 1) & 7][1];
  c.fold_digits = (b >> 4) & 1;
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const tt::TokenizerConfig c = config_from(data[0]);
  FUZZ_CHECK(tt::check_config(c) == tt::kOk);
  const uint8_t* p = data + 1;
  const size_t n = size - 1;
  const std::string text(reinterpret_cast<const char*>(p), n);

  // Streaming against the reference.
  tt::TokenizerState s;
  tt::tokenizer_reset(s);
  Collect stream, pending;
  for (size_t i = 0; i < n; ++i) tt::tokenizer_push(c, s, p[i], stream);
  tt::tokenizer_pending(c, s, pending);
  const size_t before_finish = stream.out.size();
  tt::tokenizer_finish(c, s, stream);
  FUZZ_CHECK(Features(stream.out.begin() + static_cast<std::ptrdiff_t>(before_finish), stream.out.end()) ==
             pending.out);
  Features want;
  for (const auto& t : tt::reference_tokens(c, text)) want.emplace_back(t.hash, t.kind);
  FUZZ_CHECK(stream.out == want);
  for (const auto& f : stream.out) FUZZ_CHECK(tt::bucket_of(f.first, c.buckets) < c.buckets);

  // The seed-compatible encoder against its reference (exact for words of up to 64 ASCII bytes).
  tt::SeedEncoder<64> enc;
  enc.reset();
  std::vector<uint64_t> got;
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i)
    if (enc.push(p[i], &v)) got.push_back(v);
  if (enc.finish(&v)) got.push_back(v);
  const std::vector<tt::SeedWord> words = tt::reference_seed_words(text);
  FUZZ_CHECK(got.size() == words.size());
  for (size_t k = 0; k < words.size(); ++k)
    if (words[k].text.size() <= 64) FUZZ_CHECK(got[k] == words[k].value);

  // Hashes.
  tt::StreamHash h;
  h.reset(0x12345678u);
  for (size_t i = 0; i < n; ++i) h.push(p[i]);
  FUZZ_CHECK(h.value() == tt::stream32(p, n, 0x12345678u));
  volatile uint32_t sink = tt::hsieh32(p, n);
  sink = sink + static_cast<uint32_t>(tt::seed_py(p, n)) + tt::seed_py12(p, n);
  (void)sink;
  return 0;
}
