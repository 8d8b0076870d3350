// FNV-1a 32, the digest hash_digest, numerics and the model workloads (through classify.h) fold
// their results into, outside the measured regions. The host build runs this same code; the CLI
// digests they are compared with are computed in Python (targets/common/gen_model_data.py).
#ifndef TT_WORKLOADS_FNV1A_H
#define TT_WORKLOADS_FNV1A_H

#include <stdint.h>

namespace {

const uint32_t kFnvOffset = 2166136261u;
const uint32_t kFnvPrime = 16777619u;

// An aggregate: Fnv1a d = {kFnvOffset};
struct Fnv1a {
  uint32_t h;
  void byte(uint8_t b) {
    h ^= b;
    h *= kFnvPrime;
  }
  void u32(uint32_t v) {  // little-endian, whatever the target
    for (uint8_t i = 0; i < 4; ++i) byte((uint8_t)(v >> (8u * i)));
  }
};

}  // namespace

#endif  // TT_WORKLOADS_FNV1A_H
