// Host reference tokenizers: the same rules as the streaming device tokenizers, written the
// obvious way over whole strings. They give each token's text (the device keeps none) for
// `tinytext tokenize`, and serve as the second implementation the device code is tested against.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tinytext/tokenizer.h"

namespace tt {

struct Token {
  uint8_t kind;      // FeatureKind
  std::string text;  // char n-grams include the '<' '>' markers; bigrams are "a b"
  uint32_t hash;
  uint32_t pos = 0;  // byte offset in the input of the token's word (a bigram's: its first word's)
};

// The default tokenizer's features, in the device's emission order.
std::vector<Token> reference_tokens(const TokenizerConfig& cfg, const std::string& text);

struct SeedWord {
  std::string text;  // the ' '-split piece, lower-cased, with non-ASCII bytes dropped
  uint64_t value;    // seed_py of it
};

// The original Python encoder's words: Python lower(), split on ' ', empty pieces skipped.
std::vector<SeedWord> reference_seed_words(const std::string& text);

}  // namespace tt
