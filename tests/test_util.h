// Small helpers shared by the tests.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace tt::test {

inline std::string shared_path(const std::string& rel) { return std::string(TT_SHARED_DIR) + "/" + rel; }

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

// splitmix64: a fixed PRNG, so generated cases are the same on every platform.
struct SplitMix64 {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

}  // namespace tt::test
