// tinytext tokenize / tinytext hash: show what the device tokenizers make of a text.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "common/error.h"
#include "common/json.h"
#include "data/dataset.h"
#include "tinytext/hash.h"
#include "tinytext/tokenizer.h"
#include "tokenize/reference.h"

namespace tt::cli {

namespace {

// Calls fn(text, where) for each TEXT argument, or for each stdin line when there is none.
template <class Fn>
void for_each_input(const Args& args, Fn fn) {
  if (!args.positional().empty()) {
    size_t i = 0;
    for (const auto& t : args.positional()) fn(t, "argument " + std::to_string(++i));
    return;
  }
  std::string line;
  size_t n = 0;
  while (std::getline(std::cin, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    fn(line, "<stdin>:" + std::to_string(n));
  }
}

void check_utf8(const std::string& text, const std::string& where) {
  size_t bad = data::utf8_invalid_at(text.data(), text.size());
  if (bad != text.size())
    throw Error(where + ": invalid UTF-8 at byte " + std::to_string(bad) + "; convert the text to UTF-8");
}

const char* kind_name(uint8_t k) {
  return k == kFeatureChar ? "char" : k == kFeatureWord ? "word" : "bigram";
}

}  // namespace

int cmd_tokenize(int argc, char** argv) {
  Args args("tokenize", "[options] [--] [TEXT...]\n\nPrints each token with its hash and id, one per line:\n"
                        "KIND<TAB>TOKEN<TAB>HASH<TAB>ID. Reads stdin lines when no TEXT is given;\n"
                        "a blank line separates texts.",
            {{"scheme", "NAME", "default | seed12 (HashedTextEncoder.py) | seed-notebook (first 8 words)", "default"},
             {"buckets", "N", "default scheme: hash buckets (ids are 0..N-1)", "4096"},
             {"word-ngrams", "N", "default scheme: 1 = words, 2 = words and bigrams", "2"},
             {"char-ngrams", "MIN-MAX", "default scheme: character n-grams, or 0 for none", "0"},
             {"digits", "fold|keep", "default scheme: fold hashes every digit as '0'", "keep"},
             flag("json", "one JSON object per text: {\"text\", \"tokens\": [{\"kind\", \"token\", \"hash\", \"id\"}]}")},
            argc, argv, 2);
  if (args.show_help()) return 0;
  const std::string scheme = args.get("scheme");
  if (scheme != "default" && scheme != "seed12" && scheme != "seed-notebook")
    throw UsageError("tokenize: --scheme must be default, seed12 or seed-notebook, got '" + scheme + "'");
  TokenizerConfig cfg{uint32_t(args.get_int("buckets", 1, kMaxBuckets)), uint8_t(args.get_int("word-ngrams", 1, 2)),
                      0, 0, 0};
  parse_char_ngrams("tokenize", args.get("char-ngrams"), cfg);
  cfg.fold_digits = static_cast<uint8_t>(parse_digits("tokenize", args.get("digits")));

  const bool json = args.has("json");
  bool first = true;
  for_each_input(args, [&](const std::string& text, const std::string& where) {
    check_utf8(text, where);
    struct Row {
      const char* kind;
      std::string token;
      uint64_t hash, id;
    };
    std::vector<Row> rows;
    if (scheme == "default") {
      for (const auto& t : reference_tokens(cfg, text))
        rows.push_back({kind_name(t.kind), t.text, t.hash, bucket_of(t.hash, cfg.buckets)});
    } else {
      const auto words = reference_seed_words(text);
      for (size_t i = 0; i < words.size(); ++i) {
        if (scheme == "seed-notebook" && i == kSeedNotebookWords) break;
        rows.push_back({"word", words[i].text, words[i].value,
                        scheme == "seed12" ? seed12_id(words[i].value) : seed_notebook_id(words[i].value)});
      }
    }
    if (json) {
      std::string o = "{\"text\":" + json_quote(text) + ",\"tokens\":[";
      for (size_t i = 0; i < rows.size(); ++i)
        o += std::string(i ? "," : "") + "{\"kind\":\"" + rows[i].kind + "\",\"token\":" + json_quote(rows[i].token) +
             ",\"hash\":" + std::to_string(rows[i].hash) + ",\"id\":" + std::to_string(rows[i].id) + "}";
      std::cout << o << "]}\n";
      return;
    }
    if (!first) std::cout << "\n";
    first = false;
    for (const auto& r : rows) std::cout << r.kind << '\t' << r.token << '\t' << r.hash << '\t' << r.id << '\n';
  });
  return 0;
}

int cmd_hash(int argc, char** argv) {
  Args args("hash", "[--variant hsieh32|seed-py] [--] [WORD...]\n\nPrints WORD<TAB>HASH per word (stdin lines when "
                    "no WORD is given).\nNon-ASCII bytes are dropped before hashing, as the original encoder did.",
            {{"variant", "NAME", "hsieh32 (Paul Hsieh's C) | seed-py (the seed's Python port, unmasked)", "hsieh32"},
             flag("json", "one JSON object per word: {\"word\", \"hash\"}")},
            argc, argv, 2);
  if (args.show_help()) return 0;
  const std::string variant = args.get("variant");
  if (variant != "hsieh32" && variant != "seed-py")
    throw UsageError("hash: --variant must be hsieh32 or seed-py, got '" + variant + "'");
  for_each_input(args, [&](const std::string& word, const std::string& where) {
    check_utf8(word, where);
    const auto* p = reinterpret_cast<const uint8_t*>(word.data());
    const uint64_t h = variant == "hsieh32" ? uint64_t{hsieh32(p, word.size())} : uint64_t{seed_py(p, word.size())};
    if (args.has("json"))
      std::cout << "{\"word\":" << json_quote(word) << ",\"hash\":" << h << "}\n";
    else
      std::cout << word << '\t' << h << '\n';
  });
  return 0;
}

}  // namespace tt::cli
