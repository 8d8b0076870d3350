// Host-side errors. Library code throws; main() catches once and maps to an exit code.
#pragma once

#include <stdexcept>
#include <string>

namespace tt {

// Bad input or a failed operation: exit 1. The message names the file and line where it can.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A command line that cannot work: exit 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "FILE:LINE: what" (LINE omitted when 0).
inline std::string at(const std::string& file, size_t line, const std::string& what) {
  return line ? file + ":" + std::to_string(line) + ": " + what : file + ": " + what;
}

}  // namespace tt
