// A request to stop a long computation (Ctrl-C in the Python binding). The trainer checks it
// between mini-batches; the caller that sets it resets it before the next run.
#pragma once

#include <atomic>

#include "common/error.h"

namespace tt {

// Thrown by check_cancelled: the computation stopped and produced nothing.
class Cancelled : public Error {
 public:
  using Error::Error;
};

inline std::atomic<bool>& cancel_flag() {
  static std::atomic<bool> flag{false};
  return flag;
}

inline void check_cancelled() {
  if (cancel_flag().load(std::memory_order_relaxed)) throw Cancelled("interrupted; no model was made");
}

}  // namespace tt
