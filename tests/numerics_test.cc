// The device's numeric helpers (include/tinytext/model.h, docs/numerics.md) against double
// references: the sigmoid on every Q16.16 input it distinguishes, the reciprocal square root on
// its whole domain, the pooling factor and the pooled value for every count up to 2^16 and a
// spread of larger ones, exp for the softmax head, and the long division the softmax keeps.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "tinytext/model.h"

namespace {

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// The bound in docs/numerics.md: |prob - 32768 sigmoid(z)| < 0.65 for every int32 z, prob
// non-decreasing in z. |z| < 12 is checked on every input (both signs), beyond that the output
// is 0 or 32768 and checked at the edges and on a stride through the rest of int32.
TEST(Numerics, SigmoidWithinBoundAndMonotoneOnEveryInput) {
  using tt::detail::sigmoid_q15;
  const int32_t edge = 12 << 16;
  double worst = 0;
  int32_t worst_at = 0;
  uint16_t prev = sigmoid_q15(-edge - 1);
  EXPECT_EQ(prev, 0);
  for (int32_t z = -edge; z <= edge; ++z) {
    const uint16_t p = sigmoid_q15(z);
    const double err = std::fabs(p - 32768.0 * sigmoid(z / 65536.0));
    if (err > worst) {
      worst = err;
      worst_at = z;
    }
    ASSERT_GE(p, prev) << "not monotone at z = " << z;
    prev = p;
  }
  std::printf("[ numerics ] sigmoid: largest error %.4f (z = %d)\n", worst, worst_at);
  EXPECT_LT(worst, 0.65) << "at z = " << worst_at;
  EXPECT_GT(worst, 0.5);  // (the bound is tight: the test sees the real implementation)
  EXPECT_EQ(sigmoid_q15(0), 16384);
  EXPECT_EQ(sigmoid_q15(edge), 32768);
  EXPECT_EQ(sigmoid_q15(INT32_MAX), 32768);
  EXPECT_EQ(sigmoid_q15(INT32_MIN), 0);
  for (int64_t z = INT32_MIN; z <= INT32_MAX; z += 9973 * 97) {
    const int32_t v = static_cast<int32_t>(z);
    const uint16_t p = sigmoid_q15(v);
    EXPECT_LT(std::fabs(p - 32768.0 * sigmoid(v / 65536.0)), 0.65) << v;
    if (v > -edge && v < edge) continue;
    EXPECT_EQ(p, v > 0 ? 32768 : 0) << v;
  }
  // Symmetric: prob(-z) = 32768 - prob(z).
  for (int32_t z = 1; z < edge; z += 331) EXPECT_EQ(sigmoid_q15(-z), 32768 - sigmoid_q15(z)) << z;
}

// The table is sigmoid(i / 2) - 1/2 in Q17, rounded (capped at 65535).
TEST(Numerics, SigmoidTableIsTheRoundedSigmoid) {
  for (uint32_t i = 0; i <= 24; ++i) {
    const double want = std::min(65535.0, std::round((sigmoid(i / 2.0) - 0.5) * 131072.0));
    EXPECT_EQ(tt::detail::rd_u16(tt::detail::ModelTables<void>::sigmoid_q17 + 2 * i), want) << i;
  }
}

TEST(Numerics, RsqrtWithinRoundingOnItsDomain) {
  double worst = 0;
  for (uint32_t x = 1u << 14; x < (1u << 16); ++x) {
    const uint32_t y = tt::detail::rsqrt_q14(static_cast<uint16_t>(x));
    ASSERT_GE(y, 1u << 14) << x;
    ASSERT_LE(y, 1u << 15) << x;
    worst = std::max(worst, std::fabs(y - std::ldexp(1.0, 22) / std::sqrt(double(x))));
  }
  std::printf("[ numerics ] rsqrt_q14: largest error %.4f\n", worst);
  EXPECT_LT(worst, 0.61);
  EXPECT_EQ(tt::detail::rsqrt_q14(1u << 14), 1u << 15);  // exact at a power of 4
  EXPECT_EQ(tt::detail::rsqrt_q14(36864), 21845u);       // 2^22 / 192 = 21845.3
}

// The factor pool_divisor gives: m / 2^(p - 16) within 2^-13.5 of 2^8 / n (mean) or 2^8 / sqrt(n)
// (sqrt), m in [2^14, 2^15], p in [1, 62]; the pooled value then within that factor's error, the
// rescale's (x to 16 significant bits: 2^-15) and half a unit.
void check_pool(uint8_t pool, uint32_t n, double* worst_factor, double* worst_value) {
  uint32_t den;
  uint8_t p;
  tt::detail::pool_divisor(pool, n, &den, &p);
  const uint32_t m = den >> 16;
  ASSERT_EQ(den & 0xFFFFu, 0u);
  ASSERT_GE(m, 1u << 14) << n;
  ASSERT_LE(m, 1u << 15) << n;
  ASSERT_GE(p, 17) << n;
  ASSERT_LE(p, 62) << n;
  const double want = pool == tt::kPoolMean ? 256.0 / n : 256.0 / std::sqrt(double(n));
  const double rel = std::fabs(std::ldexp(double(m), 16 - p) / want - 1.0);
  *worst_factor = std::max(*worst_factor, rel);
  const uint32_t bound = std::min<uint32_t>(n, 1u << 24);
  for (int64_t acc : {int64_t{1}, int64_t{-1}, int64_t{37}, int64_t{127} * bound, -int64_t{127} * bound,
                      int64_t{n % 1000} * 53 - 26000, int64_t{65535}, int64_t{65536} + n}) {
    if (acc > int64_t{127} * bound || -acc > int64_t{127} * bound) continue;
    const int32_t a = static_cast<int32_t>(acc);
    const double exact = a * want;
    const int32_t t = tt::detail::pool_q8(a, den, p);
    const double excess = std::fabs(t - exact) - 0.5;
    if (excess > 0) *worst_value = std::max(*worst_value, excess / std::fabs(exact));
    // Rounded half away from zero: the sign is put back on the magnitude's result.
    EXPECT_EQ(tt::detail::pool_q8(-a, den, p), -t) << n << " " << a;
  }
}

TEST(Numerics, PoolFactorWithinBoundForEveryCount) {
  for (uint8_t pool : {uint8_t{tt::kPoolMean}, uint8_t{tt::kPoolSqrt}}) {
    double worst_factor = 0, worst_value = 0;
    for (uint32_t n = 1; n <= 65536; ++n) check_pool(pool, n, &worst_factor, &worst_value);
    for (uint32_t n = 65537; n < (1u << 24); n += 997) check_pool(pool, n, &worst_factor, &worst_value);
    check_pool(pool, (1u << 24) - 13, &worst_factor, &worst_value);  // the largest count model_read sees
    std::printf("[ numerics ] pool %d: factor within 2^%.2f, pooled value within 2^%.2f + 1/2\n", int{pool}, std::log2(worst_factor), std::log2(worst_value));
    EXPECT_LT(worst_factor, std::pow(2.0, -13.5)) << int{pool};
    EXPECT_LT(worst_value, std::pow(2.0, -13.5) + std::ldexp(1.0, -15)) << int{pool};
  }
  // Exact where the factor is a power of two: n = 1, 4, 16 (sqrt), n = 1, 2, 4 (mean).
  uint32_t den;
  uint8_t p;
  for (uint32_t n : {1u, 4u, 16u, 1024u}) {
    tt::detail::pool_divisor(tt::kPoolSqrt, n, &den, &p);
    EXPECT_EQ(tt::detail::pool_q8(1000, den, p), std::lround(256000.0 / std::sqrt(double(n)))) << n;
    EXPECT_EQ(tt::detail::pool_q8(-3, den, p), -std::lround(768.0 / std::sqrt(double(n)))) << n;
  }
  for (uint32_t n : {1u, 2u, 4u, 256u}) {
    tt::detail::pool_divisor(tt::kPoolMean, n, &den, &p);
    EXPECT_EQ(tt::detail::pool_q8(1000, den, p), std::lround(256000.0 / n)) << n;
    EXPECT_EQ(tt::detail::pool_q8(-127, den, p), -std::lround(127 * 256.0 / n)) << n;
  }
  tt::detail::pool_divisor(tt::kPoolMean, 3, &den, &p);
  EXPECT_EQ(tt::detail::pool_q8(3 * 127, den, p), 127 * 256);  // 381 / 3 = 127
  // Sum: acc * 2^8, exact up to 2^16 (x to 16 significant bits beyond), saturated.
  tt::detail::pool_divisor(tt::kPoolSum, 5, &den, &p);
  EXPECT_EQ(tt::detail::pool_q8(-3, den, p), -768);
  EXPECT_EQ(tt::detail::pool_q8(65535, den, p), 65535 * 256);
  EXPECT_EQ(tt::detail::pool_q8(1 << 23, den, p), 2147483647);  // saturated
  EXPECT_EQ(tt::detail::pool_q8(-(1 << 24), den, p), -2147483647 - 1);
}

TEST(Numerics, ExpAndDivisionForTheSoftmax) {
  EXPECT_EQ(tt::detail::div_round(3, 2, 0), 2u);
  EXPECT_EQ(tt::detail::div_round(5, 4, 0), 1u);
  EXPECT_EQ(tt::detail::div_round(1, 3, 30), 357913941u);
  EXPECT_EQ(tt::detail::div_round(2147483647u, 1, 8), 2147483647u);  // saturated
  EXPECT_EQ(tt::detail::div_round(7, 0, 3), 0u);
  EXPECT_EQ(tt::detail::exp_neg_q31(0), 2147483648u);
  uint32_t prev = 2147483648u;
  for (uint32_t x = 0; x < (40u << 16); x += 977) {
    const uint32_t e = tt::detail::exp_neg_q31(x);
    EXPECT_LE(e, prev);
    EXPECT_NEAR(e / 2147483648.0, std::exp(-static_cast<double>(x) / 65536.0), 3e-5) << x;
    prev = e;
  }
}

}  // namespace
