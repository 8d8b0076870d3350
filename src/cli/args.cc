#include "cli/args.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "common/error.h"
#include "tinytext/tokenizer.h"

namespace tt::cli {

Args::Args(std::string command, std::string synopsis, std::vector<Option> options, int argc, char** argv,
           int first)
    : command_(std::move(command)), synopsis_(std::move(synopsis)), options_(std::move(options)) {
  bool options_done = false;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (options_done || a.size() < 2 || a[0] != '-' || a == "-") {
      positional_.push_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    if (a == "-h" || a == "--help") {
      help_ = true;
      continue;
    }
    // The one short option: -o for --output, where the command has --output.
    if (a == "-o") {
      for (const auto& o : options_)
        if (o.name == "output") a = "--output";
    }
    if (a.rfind("--", 0) != 0) throw UsageError(command_ + ": unknown option '" + a + "' (see --help)");
    std::string name = a.substr(2), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    const Option& o = spec(name);
    if (o.value.empty()) {
      if (inline_value) throw UsageError(command_ + ": --" + name + " takes no value");
      values_[name] = "1";
    } else {
      if (!inline_value) {
        if (i + 1 >= argc) throw UsageError(command_ + ": --" + name + " needs a value (" + o.value + ")");
        value = argv[++i];
      }
      values_[name] = value;
    }
  }
}

std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = SIZE_MAX;
  for (const auto& c : candidates) {
    // Levenshtein distance, one row at a time.
    std::vector<size_t> row(c.size() + 1);
    for (size_t j = 0; j <= c.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= word.size(); ++i) {
      size_t diag = row[0];
      row[0] = i;
      for (size_t j = 1; j <= c.size(); ++j) {
        const size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (word[i - 1] == c[j - 1] ? 0 : 1)});
        diag = up;
      }
    }
    if (row[c.size()] < best_d) best_d = row[c.size()], best = c;
  }
  return best_d <= std::max<size_t>(2, word.size() / 3) ? best : "";
}

const Option& Args::spec(const std::string& name) const {
  for (const auto& o : options_)
    if (o.name == name) return o;
  std::vector<std::string> names = {"help"};
  for (const auto& o : options_) names.push_back(o.name);
  const std::string hint = closest(name, names);
  throw UsageError(command_ + ": unknown option '--" + name + "'" + (hint.empty() ? "" : "; did you mean --" + hint + "?") +
                   " (see --help)");
}

bool Args::show_help(const std::string& about) const {
  if (!help_) return false;
  std::cout << usage();
  if (!about.empty()) std::cout << "\n" << about;
  return true;
}

std::string Args::usage() const {
  std::ostringstream os;
  os << "usage: tinytext " << command_ << " " << synopsis_ << "\n";
  std::vector<std::string> sections;
  for (const auto& o : options_)
    if (std::find(sections.begin(), sections.end(), o.section) == sections.end()) sections.push_back(o.section);
  for (const auto& section : sections) {
    os << "\n" << (section.empty() ? "options" : section) << ":\n";
    for (const auto& o : options_) {
      if (o.section != section) continue;
      std::string left = (o.name == "output" ? "  -o, --" : "  --") + o.name + (o.value.empty() ? "" : " " + o.value);
      os << left;
      os << std::string(left.size() < 26 ? 26 - left.size() : 1, ' ') << o.help;
      if (!o.def.empty()) os << " [default: " << o.def << "]";
      os << "\n";
    }
  }
  if (options_.empty()) os << "\noptions:\n";
  os << "  -h, --help                show this help\n";
  return os.str();
}

bool Args::knows(const std::string& name) const {
  for (const auto& o : options_)
    if (o.name == name) return true;
  return false;
}

bool Args::has(const std::string& name) const {
  spec(name);
  return values_.count(name) != 0;
}

std::string Args::get(const std::string& name) const {
  const Option& o = spec(name);
  auto it = values_.find(name);
  return it == values_.end() ? o.def : it->second;
}

int64_t Args::get_int(const std::string& name, int64_t lo, int64_t hi) const {
  std::string v = get(name);
  errno = 0;
  char* end = nullptr;
  long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end || errno || x < lo || x > hi)
    throw UsageError(command_ + ": --" + name + " must be an integer in [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "], got '" + v + "'");
  return x;
}

double Args::get_double(const std::string& name, double lo, double hi) const {
  std::string v = get(name);
  char* end = nullptr;
  double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end || !std::isfinite(x) || x < lo || x > hi) {
    std::ostringstream os;
    os << command_ << ": --" << name << " must be a number in [" << lo << ", " << hi << "], got '" << v << "'";
    throw UsageError(os.str());
  }
  return x;
}

uint64_t Args::get_size(const std::string& name) const { return parse_size(command_, name, get(name)); }

uint64_t parse_size(const std::string& command, const std::string& what, const std::string& v) {
  // Digits, optional spaces, then a unit: none or B (bytes); K, KB, KiB (1024); M, MB, MiB (1024^2),
  // in any case. Flash sizes count in powers of 1024, so KB means KiB here.
  size_t n = 0;
  while (n < v.size() && v[n] >= '0' && v[n] <= '9') ++n;
  std::string digits = v.substr(0, n), unit;
  for (size_t i = n; i < v.size(); ++i)
    if (v[i] != ' ') unit += static_cast<char>(v[i] >= 'A' && v[i] <= 'Z' ? v[i] - 'A' + 'a' : v[i]);
  uint64_t mult = 0;
  if (unit.empty() || unit == "b") mult = 1;
  if (unit == "k" || unit == "kb" || unit == "kib") mult = 1024;
  if (unit == "m" || unit == "mb" || unit == "mib") mult = 1024 * 1024;
  if (!mult) digits.clear();  // an unknown unit: refused below
  char* end = nullptr;
  errno = 0;
  unsigned long long x = std::strtoull(digits.c_str(), &end, 10);
  if (digits.empty() || *end || errno || digits[0] == '-' || x > (1ull << 40))
    throw UsageError(command + ": --" + what + " must be a size such as 4096, 4K, 4KB, 4 KiB or 1M, got '" + v + "'");
  return x * mult;
}

int parse_digits(const std::string& command, const std::string& v) {
  if (v != "fold" && v != "keep") throw UsageError(command + ": --digits must be fold or keep, got '" + v + "'");
  return v == "fold" ? 1 : 0;
}

void parse_char_ngrams(const std::string& command, const std::string& v, TokenizerConfig& c) {
  if (v == "0") {
    c.char_min = c.char_max = 0;
    return;
  }
  unsigned lo = 0, hi = 0;
  char dash = 0, extra = 0;
  if (std::sscanf(v.c_str(), "%u%c%u%c", &lo, &dash, &hi, &extra) != 3 || dash != '-' || lo < 2 || hi < lo ||
      hi > kMaxCharN)
    throw UsageError(command + ": --char-ngrams must be 0 (off) or MIN-MAX with 2 <= MIN <= MAX <= " +
                     std::to_string(kMaxCharN) + ", got '" + v + "'");
  c.char_min = static_cast<uint8_t>(lo);
  c.char_max = static_cast<uint8_t>(hi);
}

}  // namespace tt::cli
