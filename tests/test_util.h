// Small helpers shared by the tests.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <sstream>
#include <string>
#include <vector>

#include "common/rng.h"
#include "data/dataset.h"

namespace tt::test {

// A file of ../shared (beside the checkout). Throws when it is missing, so a test without its data
// fails naming the file instead of running on nothing.
inline std::string shared_path(const std::string& rel) {
  const std::string path = std::string(TT_SHARED_DIR) + "/" + rel;
  if (!std::ifstream(path)) throw std::runtime_error("missing test data: " + path + " (the tests read ../shared)");
  return path;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

inline std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t end = s.find(sep, start);
    if (end == std::string::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
}

// The texts of the SMS Spam Collection (label<TAB>text per line).
inline std::vector<std::string> sms_texts() {
  std::vector<std::string> out;
  for (const auto& line : split(read_file(shared_path("data/sms-spam-collection/SMSSpamCollection")), '\n')) {
    size_t tab = line.find('\t');
    if (tab != std::string::npos) out.push_back(line.substr(tab + 1));
  }
  return out;
}

// The first n of them (all if fewer).
inline std::vector<std::string> sms_texts(size_t n) {
  std::vector<std::string> all = sms_texts();
  if (all.size() > n) all.resize(n);
  return all;
}

struct RunResult {
  int exit_code;
  std::string out, err;
};

// Runs a shell command line with `input` on stdin; captures stdout and stderr.
inline RunResult run(const std::string& cmdline, const std::string& input = "") {
  char dir_tmpl[] = "/tmp/tt_run_XXXXXX";
  std::string dir = mkdtemp(dir_tmpl);
  { std::ofstream(dir + "/in", std::ios::binary) << input; }
  std::string full = cmdline + " <" + dir + "/in >" + dir + "/out 2>" + dir + "/err";
  int status = std::system(full.c_str());
  RunResult r{WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(dir + "/out"), read_file(dir + "/err")};
  std::system(("rm -rf " + dir).c_str());
  return r;
}

inline std::string cli() { return TT_CLI_PATH; }

// A fresh directory, removed with its files when the object goes.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/tt_test_XXXXXX";
    dir_ = mkdtemp(tmpl) ? tmpl : "";
  }
  ~TempDir() {
    if (!dir_.empty()) std::system(("rm -rf '" + dir_ + "'").c_str());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // Writes `bytes` to a file in the directory; returns its path.
  std::string write(const std::string& name, const std::string& bytes) const {
    const std::string p = dir_ + "/" + name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  const std::string& path() const { return dir_; }

 private:
  std::string dir_;
};

// The SMS Spam Collection through the dataset reader (TSV, no header, label ham/spam, text).
inline data::Dataset read_sms() {
  data::ReaderOptions o;
  o.format = data::Format::kTsv;
  o.header = false;
  o.text_column = "2";
  o.label_columns = {"1"};
  return data::read_dataset(shared_path("data/sms-spam-collection/SMSSpamCollection"), o);
}

// Rows i % 5 == 0 go to `test`, the rest to `train`.
inline void split_every_fifth(const data::Dataset& d, data::Dataset& train, data::Dataset& test) {
  train = test = d;
  for (data::Dataset* x : {&train, &test}) {
    x->texts.clear();
    x->targets.clear();
    x->lines.clear();
  }
  const size_t K = d.outputs();
  for (size_t i = 0; i < d.size(); ++i) {
    data::Dataset& dst = i % 5 == 0 ? test : train;
    dst.texts.push_back(d.texts[i]);
    dst.lines.push_back(d.lines[i]);
    for (size_t k = 0; k < K; ++k) dst.targets.push_back(d.target(i, k));
  }
}

// The toolkit's generator (common/rng.h), so generated cases are the same on every platform, with
// a draw in [-1, 1) for generated weights.
struct SplitMix64 : tt::SplitMix64 {
  using tt::SplitMix64::SplitMix64;
  // Uniform in [-1, 1), from the top 53 bits.
  float pm1() { return static_cast<float>(uniform() * 2.0 - 1.0); }
};

}  // namespace tt::test
