// A small long-option parser shared by every command: --name VALUE, --name=VALUE, --flag, and
// "--" to end the options; -o stands for --output and -h for --help. Unknown options and missing values are usage errors (exit 2).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace tt {
struct TokenizerConfig;
}

namespace tt::cli {

// Parses --char-ngrams: "0" (off) or "MIN-MAX" with 2 <= MIN <= MAX <= kMaxCharN, into `c`.
// Throws UsageError naming the command.
void parse_char_ngrams(const std::string& command, const std::string& value, TokenizerConfig& c);
// --digits fold|keep: 1 or 0 (TokenizerConfig::fold_digits).
int parse_digits(const std::string& command, const std::string& value);
// A size such as 4096, 32K, 32KB, 32 KiB, 1M (powers of 1024; the unit in any case), the value of
// `what` (an option's name, for the error).
uint64_t parse_size(const std::string& command, const std::string& what, const std::string& value);

// The candidate closest to `word` by edit distance, when it is close enough to be a likely typo
// (at most 2 edits, or a third of the word); "" otherwise. For "did you mean" hints.
std::string closest(const std::string& word, const std::vector<std::string>& candidates);

struct Option {
  std::string name;   // without the leading dashes
  std::string value;  // placeholder shown in --help, empty for a flag
  std::string help;
  std::string def;    // default shown in --help and returned by get()
  // The --help heading the option is listed under (empty: "options"); headings appear in the
  // order of their first option.
  std::string section = {};
};

// An option that takes no value and has no default (--json, --quiet ...).
inline Option flag(std::string name, std::string help, std::string section = {}) {
  return {std::move(name), "", std::move(help), "", std::move(section)};
}

class Args {
 public:
  // Parses argv[first..argc). Throws UsageError on an unknown option or a missing value.
  Args(std::string command, std::string synopsis, std::vector<Option> options, int argc, char** argv,
       int first);

  bool help() const { return help_; }
  std::string usage() const;
  // With --help: prints usage() and then, after a blank line, `about` (what the command does,
  // beyond its options) on stdout, and returns true (the command then returns 0).
  bool show_help(const std::string& about = "") const;

  bool has(const std::string& name) const;
  // Whether the command has an option of this name.
  bool knows(const std::string& name) const;
  std::string get(const std::string& name) const;  // the value, or the option's default
  int64_t get_int(const std::string& name, int64_t lo, int64_t hi) const;
  double get_double(const std::string& name, double lo, double hi) const;
  // A size such as 4096, 32K, 32KB, 32 KiB, 1M (powers of 1024; the unit in any case).
  uint64_t get_size(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  const Option& spec(const std::string& name) const;

  std::string command_, synopsis_;
  std::vector<Option> options_;
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
  bool help_ = false;
};

}  // namespace tt::cli
