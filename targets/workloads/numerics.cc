// Workload "numerics": the model runtime's numeric helpers (include/tinytext/model.h,
// docs/numerics.md) on many inputs, folded into digests that must equal the host's bit for bit.
// tests/numerics_test.cc checks the helpers' error bounds on the host; this checks that the
// boards compute the same integers, although the AVR's int is 16 bits wide (other promotions)
// and both boards multiply and shift through other instructions and libgcc helpers.
//
// Digests (FNV-1a 32 of every result):
//   sigmoid: sigmoid_q15 on every 7th z of [-13, 13] in Q16.16 and on 4096 xorshift z over int32
//   rsqrt:   rsqrt_q14 on every x of its domain [2^14, 2^16)
//   pool:    pool_divisor (mean, sqrt, sum) for n = 1..20000 and 2000 xorshift n below 2^24, and
//            pool_q8 of two sums with each factor
//   softmax: exp_neg_q31 on every 97th x of [0, 24) in Q16.16, div_round on xorshift operands
//   rescale: rescale on xorshift x, mult and shift in [1, 62]
// Measured (tt_bench_begin/end): the sigmoid pass, so the M0 figure is its instructions per call
// (calls = "sigmoid_calls"). Heap-free; no data header. Exit 0.
#include <tinytext/model.h>

#include "board.h"
#include "fnv1a.h"

namespace {

struct XorShift {
  uint32_t s;
  uint32_t next() {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    return s;
  }
};

}  // namespace

extern "C" int tt_workload_main(void) {
  Fnv1a sig = {kFnvOffset};
  uint32_t calls = 0;
  tt_bench_begin();
  for (int32_t z = -((int32_t)13 << 16); z <= ((int32_t)13 << 16); z += 7, ++calls) sig.u32(tt::detail::sigmoid_q15(z));
  tt_bench_end();
  XorShift r = {2463534242u};
  for (uint16_t i = 0; i < 4096; ++i) sig.u32(tt::detail::sigmoid_q15((int32_t)r.next()));
  sig.u32(tt::detail::sigmoid_q15(-2147483647 - 1));
  sig.u32(tt::detail::sigmoid_q15(2147483647));

  Fnv1a rs = {kFnvOffset};
  for (uint32_t x = (uint32_t)1 << 14; x < ((uint32_t)1 << 16); ++x) rs.u32(tt::detail::rsqrt_q14((uint16_t)x));

  Fnv1a pool = {kFnvOffset};
  for (uint8_t kind = 0; kind <= tt::kPoolSum; ++kind) {
    for (uint32_t i = 1; i <= 22000u; ++i) {
      const uint32_t n = i <= 20000u ? i : 1u + (r.next() & 0xFFFFFFu);
      uint32_t den;
      uint8_t p;
      tt::detail::pool_divisor(kind, n, &den, &p);
      pool.u32(den);
      pool.byte(p);
      const int32_t acc = (int32_t)(r.next() % (127u * (n < 1000000u ? n : 1000000u) + 1u));
      pool.u32((uint32_t)tt::detail::pool_q8(acc, den, p));
      pool.u32((uint32_t)tt::detail::pool_q8(-acc / 3, den, p));
    }
  }

  Fnv1a soft = {kFnvOffset};
  for (uint32_t x = 0; x < ((uint32_t)24 << 16); x += 97) soft.u32(tt::detail::exp_neg_q31(x));
  for (uint16_t i = 0; i < 2000; ++i) {
    const uint32_t num = r.next() >> 1, den = r.next() >> (r.next() & 31u);
    soft.u32(tt::detail::div_round(num, den, (uint8_t)(r.next() % 31u)));
  }

  Fnv1a res = {kFnvOffset};
  for (uint16_t i = 0; i < 4000; ++i) {
    const int32_t x = (int32_t)r.next() >> (r.next() & 31u);
    const uint32_t mult = r.next() >> 1;
    res.u32((uint32_t)tt::detail::rescale(x, mult, (uint8_t)(1u + r.next() % 62u)));
  }

  tt::board::put_kv_dec("sigmoid_calls", calls);
  tt::board::put_kv_hex("sigmoid", sig.h);
  tt::board::put_kv_hex("rsqrt", rs.h);
  tt::board::put_kv_hex("pool", pool.h);
  tt::board::put_kv_hex("softmax", soft.h);
  tt::board::put_kv_hex("rescale", res.h);
  return 0;
}
