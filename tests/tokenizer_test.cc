// The default streaming tokenizer against its host reference, plus hand-checked cases.
#include <gtest/gtest.h>

#include "test_util.h"
#include "tinytext/tokenizer.h"
#include "tokenize/reference.h"

namespace tt {
namespace {

struct Collect {
  std::vector<std::pair<uint32_t, uint8_t>> out;
  void operator()(uint32_t h, uint8_t kind) { out.emplace_back(h, kind); }
};

std::vector<std::pair<uint32_t, uint8_t>> stream(const TokenizerConfig& c, const std::string& text) {
  TokenizerState s;
  tokenizer_reset(s);
  Collect sink;
  for (char b : text) tokenizer_push(c, s, static_cast<uint8_t>(b), sink);
  tokenizer_finish(c, s, sink);
  return sink.out;
}

std::vector<std::pair<uint32_t, uint8_t>> reference(const TokenizerConfig& c, const std::string& text) {
  std::vector<std::pair<uint32_t, uint8_t>> out;
  for (const auto& t : reference_tokens(c, text)) out.emplace_back(t.hash, t.kind);
  return out;
}

std::vector<std::string> texts_of(const TokenizerConfig& c, const std::string& text) {
  std::vector<std::string> out;
  for (const auto& t : reference_tokens(c, text)) out.push_back(t.text);
  return out;
}

// SuperFastHash rounds written out again, whole-string, as a second implementation of stream32.
uint32_t stream32_again(const std::string& s, uint32_t h) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  size_t n = s.size(), i = 0;
  for (; i + 4 <= n; i += 4) {
    h += uint32_t(p[i] | p[i + 1] << 8);
    uint32_t tmp = (uint32_t(p[i + 2] | p[i + 3] << 8) << 11) ^ h;
    h = (h << 16) ^ tmp;
    h += h >> 11;
  }
  h ^= uint32_t(n);
  switch (n - i) {
    case 3:
      h += uint32_t(p[i] | p[i + 1] << 8);
      h ^= h << 16;
      h ^= uint32_t(p[i + 2]) << 18;
      h += h >> 11;
      break;
    case 2:
      h += uint32_t(p[i] | p[i + 1] << 8);
      h ^= h << 11;
      h += h >> 17;
      break;
    case 1:
      h += p[i];
      h ^= h << 10;
      h += h >> 1;
      break;
  }
  h ^= h << 3;
  h += h >> 5;
  h ^= h << 4;
  h += h >> 17;
  h ^= h << 25;
  h += h >> 6;
  return h;
}

const TokenizerConfig kWords{4096, 2, 0, 0, 0};
const TokenizerConfig kAll{4096, 2, 3, 5, 0};
const TokenizerConfig kAllFold{4096, 2, 3, 5, 1};

TEST(Tokenizer, SplitsOnWhitespaceAndPunctuation) {
  EXPECT_EQ(texts_of(kWords, "Hello, WORLD!\tIt's  9am\n"),
            (std::vector<std::string>{"hello", ",", "hello ,", "world", ", world", "!", "world !", "it", "! it", "'",
                                      "it '", "s", "' s", "9am", "s 9am"}));
  EXPECT_EQ(texts_of(TokenizerConfig{16, 1, 0, 0, 0}, "  a-b  "), (std::vector<std::string>{"a", "-", "b"}));
}

TEST(Tokenizer, CharNgramsUseBoundaryMarkers) {
  EXPECT_EQ(texts_of(TokenizerConfig{16, 1, 3, 3, 0}, "Cat"), (std::vector<std::string>{"<ca", "cat", "at>", "cat"}));
  EXPECT_EQ(texts_of(TokenizerConfig{16, 1, 2, 3, 0}, "a"), (std::vector<std::string>{"<a", "a>", "<a>", "a"}));
}

// fold_digits: every digit is hashed as '0' (words, bigrams and n-grams alike); letters, other
// bytes and the split are unchanged.
TEST(Tokenizer, FoldDigitsHashesEveryDigitAsZero) {
  EXPECT_EQ(texts_of(kAllFold, "Call 0800-5551234 for \xC2\xA3" "900x"), texts_of(kAll, "call 0000-0000000 for \xC2\xA3" "000x"));
  EXPECT_EQ(stream(kAllFold, "Win 2 tkts 21st May 2005"), stream(kAll, "win 0 tkts 00st may 0000"));
  EXPECT_NE(stream(kAll, "Win 2 tkts"), stream(kAll, "win 0 tkts"));  // without the fold, digits differ
  EXPECT_EQ(stream(kAllFold, "no digits here"), stream(kAll, "no digits here"));
  EXPECT_EQ(check_config(TokenizerConfig{16, 1, 0, 0, 2}), kBadArgument);
}

TEST(Tokenizer, CharNgramHashByHand) {
  // "<ca" (scheme 2): bytes little-endian x = 0x61633C, folded x ^ (x >> 16) = 0x61635D, times
  // kCharMul3 = 0xC2B2AE3D (mod 2^32). "cat>" (n = 4): x = 0x3E746163, fold 0x3E745F17.
  const auto f = stream(TokenizerConfig{16, 1, 3, 4, 0}, "Cat");
  ASSERT_EQ(f.size(), 6u);  // <ca, cat, <cat, at>, cat>, cat
  EXPECT_EQ(f[0].first, uint32_t(0x61635Du * 0xC2B2AE3Dull));
  EXPECT_EQ(f[4].first, uint32_t(0x3E745F17u * 0x27D4EB2Full));
  // A 6-gram "<abcd>" adds the first two bytes (little-endian) times kCharMix before the fold.
  const uint32_t v = 0x3E646362u + 0x613Cu * 0x9E3779B1u;
  const auto g = stream(TokenizerConfig{16, 1, 6, 6, 0}, "abcd");
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].first, (v ^ (v >> 16)) * 0xCC9E2D51u);
}

TEST(Tokenizer, EmptyAndSeparatorOnlyTextsHaveNoFeatures) {
  EXPECT_TRUE(stream(kAll, "").empty());
  EXPECT_TRUE(stream(kAll, " \t\r\n\x01\x7f").empty());
}

TEST(Tokenizer, NonAsciiBytesAreHashedAsWordBytes) {
  // "café" keeps its two UTF-8 bytes; an invalid lone byte does not crash and is a word byte.
  EXPECT_EQ(texts_of(TokenizerConfig{16, 1, 0, 0, 0}, "Caf\xC3\xA9 \xFF"), (std::vector<std::string>{"caf\xC3\xA9", "\xFF"}));
}

TEST(Tokenizer, Stream32MatchesWholeStringHash) {
  test::SplitMix64 rng{7};
  for (int i = 0; i < 2000; ++i) {
    std::string s(rng.next() % 40, '\0');
    for (auto& c : s) c = char(rng.next());
    EXPECT_EQ(stream32(reinterpret_cast<const uint8_t*>(s.data()), s.size(), kWordSeed),
              stream32_again(s, kWordSeed));
  }
}

TEST(Tokenizer, StreamingEqualsReferenceOnSmsTexts) {
  const TokenizerConfig configs[] = {kWords, kAll, {1, 1, 2, 6, 0}, {65536, 2, 2, 2, 0}, kAllFold};
  for (const auto& c : configs)
    for (const auto& t : test::sms_texts()) ASSERT_EQ(stream(c, t), reference(c, t)) << t;
}

TEST(Tokenizer, StreamingEqualsReferenceOnRandomBytes) {
  test::SplitMix64 rng{11};
  for (int i = 0; i < 3000; ++i) {
    std::string s(rng.next() % 64, '\0');
    for (auto& ch : s) {
      // Mostly letters and separators, some punctuation and high bytes.
      const char* alphabet = "abcXYZ09  ,.!'\t\n";
      uint64_t r = rng.next();
      ch = (r & 7) == 0 ? char(r >> 8) : alphabet[(r >> 8) % 16];
    }
    ASSERT_EQ(stream(kAll, s), reference(kAll, s));
    ASSERT_EQ(stream(kAllFold, s), reference(kAllFold, s));
  }
}

TEST(Tokenizer, LongWordsStreamInConstantRam) {
  // A 100,000-byte word: the state never grows, and the hash equals the whole-string hash.
  std::string w(100000, 'a');
  for (size_t i = 0; i < w.size(); ++i) w[i] = char('a' + i % 26);
  auto f = stream(TokenizerConfig{16, 1, 0, 0, 0}, w);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].first, stream32_again(w, kWordSeed));
  static_assert(sizeof(TokenizerState) <= 32, "the tokenizer state is a few bytes");
}

TEST(Tokenizer, BucketsStayInRange) {
  const uint32_t hashes[] = {0u, 1u, 0xFFFFu, 0x10000u, 0x7FFFFFFFu, 0xFFFFFFFFu};
  const uint32_t buckets[] = {1u, 2u, 3u, 1000u, 4096u, 65535u, 65536u};
  for (uint32_t b : buckets)
    for (uint32_t h : hashes) EXPECT_LT(uint32_t(bucket_of(h, b)), b);
  EXPECT_EQ(bucket_of(0xFFFFFFFFu, 65536u), 65535u);
}

TEST(Tokenizer, ConfigChecks) {
  EXPECT_EQ(check_config(kAll), kOk);
  EXPECT_EQ(check_config(TokenizerConfig{0, 1, 0, 0, 0}), kBadArgument);
  EXPECT_EQ(check_config(TokenizerConfig{65537, 1, 0, 0, 0}), kBadArgument);
  EXPECT_EQ(check_config(TokenizerConfig{16, 3, 0, 0, 0}), kBadArgument);
  EXPECT_EQ(check_config(TokenizerConfig{16, 1, 1, 3, 0}), kBadArgument);
  EXPECT_EQ(check_config(TokenizerConfig{16, 1, 4, 3, 0}), kBadArgument);
  EXPECT_EQ(check_config(TokenizerConfig{16, 1, 3, 7, 0}), kBadArgument);
}

TEST(SeedEncoder, StreamingEqualsReferenceOnSmsTexts) {
  for (const auto& t : test::sms_texts()) {
    SeedEncoder<64> enc;
    enc.reset();
    std::vector<uint64_t> got;
    uint64_t v;
    for (char c : t)
      if (enc.push(static_cast<uint8_t>(c), &v)) got.push_back(v);
    if (enc.finish(&v)) got.push_back(v);
    std::vector<uint64_t> want;
    for (const auto& w : reference_seed_words(t)) want.push_back(w.value);
    ASSERT_EQ(got, want) << t;
  }
}

}  // namespace
}  // namespace tt
