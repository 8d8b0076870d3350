#include "tokenize/reference.h"

namespace tt {

namespace {

bool is_word_byte(unsigned char c) {
  return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_punct(unsigned char c) { return c > ' ' && c < 0x7F && !is_word_byte(c); }

// Scheme 2's character n-gram hash (tinytext/tokenizer.h), from the n-gram's bytes.
uint32_t char_ngram_hash(const std::string& g) {
  const size_t n = g.size();
  const auto byte = [&](size_t i) { return uint32_t{static_cast<unsigned char>(g[i])}; };
  uint32_t x = 0;  // the last min(n, 4) bytes, little-endian
  for (size_t i = n > 4 ? n - 4 : 0, k = 0; i < n; ++i, ++k) x |= byte(i) << (8 * k);
  uint32_t y = 0;  // the first n - 4 bytes, little-endian
  for (size_t i = 0; i + 4 < n; ++i) y |= byte(i) << (8 * i);
  static const uint32_t kMul[] = {0, 0, kCharMul2, kCharMul3, kCharMul4, kCharMul5, kCharMul6};
  const uint32_t v = x + y * kCharMix;
  return (v ^ (v >> 16)) * kMul[n];
}

uint32_t word_hash(const std::string& s) {
  return stream32(reinterpret_cast<const uint8_t*>(s.data()), s.size(), kWordSeed);
}

}  // namespace

std::vector<Token> reference_tokens(const TokenizerConfig& cfg, const std::string& text) {
  std::vector<std::string> words;
  std::vector<uint32_t> starts;  // each word's byte offset
  std::string cur;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    const auto c = static_cast<unsigned char>(ch);
    if (is_word_byte(c)) {
      if (cur.empty()) starts.push_back(static_cast<uint32_t>(i));
      cur += c >= 'A' && c <= 'Z'                     ? static_cast<char>(c + 32)
             : cfg.fold_digits && c >= '0' && c <= '9' ? '0'
                                                         : ch;
      continue;
    }
    if (!cur.empty()) words.push_back(cur);
    cur.clear();
    if (is_punct(c)) words.emplace_back(1, ch), starts.push_back(static_cast<uint32_t>(i));
  }
  if (!cur.empty()) words.push_back(cur);

  std::vector<Token> out;
  std::string prev;
  uint32_t prev_hash = 0;
  for (size_t w = 0; w < words.size(); ++w) {
    const std::string& word = words[w];
    if (cfg.char_min) {
      const std::string marked = "<" + word + ">";
      for (size_t end = 2; end <= marked.size(); ++end)
        for (size_t n = cfg.char_min; n <= cfg.char_max && n <= end; ++n) {
          std::string g = marked.substr(end - n, n);
          out.push_back({kFeatureChar, g, char_ngram_hash(g), starts[w]});
        }
    }
    const uint32_t h = word_hash(word);
    out.push_back({kFeatureWord, word, h, starts[w]});
    if (cfg.word_ngrams >= 2 && w > 0)
      out.push_back({kFeatureBigram, prev + " " + word, bigram_hash(prev_hash, h), starts[w - 1]});
    prev = word;
    prev_hash = h;
  }
  return out;
}

std::vector<SeedWord> reference_seed_words(const std::string& text) {
  // Python lower() then encode("ascii", "ignore"): ASCII letters lower-case; U+0130 leaves 'i'
  // and U+212A leaves 'k'; every other non-ASCII byte goes.
  std::string lowered;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == ' ') {
      lowered += ' ';
    } else if (c < 0x80) {
      lowered += c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : text[i];
    } else if (text.compare(i, 2, "\xC4\xB0") == 0) {
      lowered += "i\x80";  // keep the piece non-empty-marked; 0x80 is dropped below
      i += 1;
    } else if (text.compare(i, 3, "\xE2\x84\xAA") == 0) {
      lowered += "k\x80";
      i += 2;
    } else {
      lowered += '\x80';  // a non-ASCII byte: makes the piece non-empty, hashes to nothing
    }
  }
  std::vector<SeedWord> out;
  size_t start = 0;
  while (start <= lowered.size()) {
    size_t end = lowered.find(' ', start);
    if (end == std::string::npos) end = lowered.size();
    if (end > start) {
      std::string piece;
      for (size_t i = start; i < end; ++i)
        if (static_cast<unsigned char>(lowered[i]) < 0x80) piece += lowered[i];
      out.push_back({piece, seed_py(reinterpret_cast<const uint8_t*>(piece.data()), piece.size())});
    }
    start = end + 1;
  }
  return out;
}

}  // namespace tt
