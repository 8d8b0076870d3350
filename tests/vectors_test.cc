// Golden vectors from the original implementation: every row of ../shared/vectors/*.tsv.
#include <gtest/gtest.h>

#include <cstdlib>

#include "common/json.h"
#include "test_util.h"
#include "tinytext/hash.h"
#include "tinytext/tokenizer.h"
#include "tokenize/reference.h"

namespace tt {
namespace {

std::vector<uint8_t> from_hex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(uint8_t(std::stoul(hex.substr(i, 2), nullptr, 16)));
  return out;
}

// Data rows of a vector file: '#' comments and the header line skipped.
std::vector<std::vector<std::string>> rows(const std::string& name) {
  std::vector<std::vector<std::string>> out;
  bool header = true;
  for (const auto& line : test::split(test::read_file(test::shared_path("vectors/" + name)), '\n')) {
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    out.push_back(test::split(line, '\t'));
  }
  return out;
}

TEST(Vectors, SuperFastHashEveryRow) {
  auto all = rows("superfasthash.tsv");
  ASSERT_EQ(all.size(), 3242u);
  for (const auto& r : all) {
    ASSERT_EQ(r.size(), 4u);
    auto bytes = from_hex(r[0]);
    const uint32_t hsieh = uint32_t(std::stoull(r[1]));
    const uint64_t py = std::stoull(r[2]);
    const uint32_t py12 = uint32_t(std::stoull(r[3]));
    EXPECT_EQ(hsieh32(bytes.data(), bytes.size()), hsieh) << r[0];
    EXPECT_EQ(seed_py(bytes.data(), bytes.size()), py) << r[0];
    EXPECT_EQ(seed_py12(bytes.data(), bytes.size()), py12) << r[0];

    // Streaming: one byte at a time gives the same values.
    SeedWordHasher<64> s;
    s.reset();
    for (uint8_t b : bytes) s.push(b);
    EXPECT_FALSE(s.overflowed());
    EXPECT_EQ(s.value(), py) << r[0];
    EXPECT_EQ(s.hsieh(), hsieh) << r[0];
  }
}

std::vector<uint64_t> numbers(const std::string& s) {
  std::vector<uint64_t> out;
  for (const auto& t : test::split(s, ' '))
    if (!t.empty()) out.push_back(std::stoull(t));
  return out;
}

TEST(Vectors, SeedEncoderEveryRow) {
  auto all = rows("seed_encoder.tsv");
  ASSERT_EQ(all.size(), 17u);
  for (const auto& r : all) {
    ASSERT_EQ(r.size(), 3u);
    const std::string text = json_unquote(r[0]);
    const auto want12 = numbers(r[1]);
    const auto want8 = numbers(r[2]);
    ASSERT_EQ(want8.size(), 8u);

    // Streaming device encoder.
    std::vector<uint64_t> values;
    SeedEncoder<64> enc;
    enc.reset();
    uint64_t v;
    for (char ch : text)
      if (enc.push(static_cast<uint8_t>(ch), &v)) values.push_back(v);
    if (enc.finish(&v)) values.push_back(v);

    std::vector<uint64_t> ids12, ids8(8, 0);
    for (size_t i = 0; i < values.size(); ++i) {
      ids12.push_back(seed12_id(values[i]));
      if (i < kSeedNotebookWords) ids8[i] = seed_notebook_id(values[i]);
    }
    EXPECT_EQ(ids12, want12) << r[0];
    EXPECT_EQ(ids8, want8) << r[0];

    // Host reference encoder.
    auto words = reference_seed_words(text);
    ASSERT_EQ(words.size(), values.size()) << r[0];
    for (size_t i = 0; i < words.size(); ++i) EXPECT_EQ(words[i].value, values[i]) << r[0];
  }
}

TEST(Vectors, SeedWordHasherFlagsOverlongWords) {
  SeedWordHasher<8> s;
  s.reset();
  const char* w = "abcdefghij";
  for (const char* p = w; *p; ++p) s.push(uint8_t(*p));
  EXPECT_TRUE(s.overflowed());
  EXPECT_EQ(s.value(), seed_py(reinterpret_cast<const uint8_t*>(w), 8));
}

}  // namespace
}  // namespace tt
