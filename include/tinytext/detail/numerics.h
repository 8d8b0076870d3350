// The device runtime's integer numerics (docs/numerics.md): little-endian reads of the image,
// saturation, the one requantiser (rescale), a division by long division, a reciprocal square
// root, e^-x and the sigmoid from small tables, and the image's CRC-32. No float, no 64-bit
// arithmetic, no libgcc division. Freestanding C++11.
#ifndef TINYTEXT_DETAIL_NUMERICS_H
#define TINYTEXT_DETAIL_NUMERICS_H

#include "../config.h"
#include "../pgm.h"

namespace tt {

static const int32_t kProbOne = 32768;          // Q15 probability 1.0
static const int32_t kLogitOne = 65536;         // Q16.16 logit 1.0

namespace detail {

static const int32_t kInt32Max = 2147483647;
static const int32_t kInt32Min = -2147483647 - 1;

// Every multi-byte read of the image: n (1..4) little-endian bytes through TT_READ_BYTE. Out of
// line, so the flash accessor is expanded once, not at every field.
TT_NOINLINE inline uint32_t rd_le(FlashAddr p, uint8_t n) {
  uint32_t v = 0;
  while (n) {
    --n;
    v = (v << 8) | TT_READ_BYTE(p + n);
  }
  return v;
}
inline uint16_t rd_u16(FlashAddr p) { return (uint16_t)rd_le(p, 2); }
inline uint32_t rd_u32(FlashAddr p) { return rd_le(p, 4); }
inline int32_t rd_i32(FlashAddr p) { return (int32_t)rd_le(p, 4); }
TT_INLINE int32_t rd_i8(FlashAddr p) { return (int32_t)(int8_t)TT_READ_BYTE(p); }

TT_INLINE int32_t clamp32(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : v > hi ? hi : v; }
TT_INLINE uint32_t abs32(int32_t v) { return v < 0 ? 0u - (uint32_t)v : (uint32_t)v; }

// a + b saturated to int32, without a 64-bit type.
TT_INLINE int32_t add_sat32(int32_t a, int32_t b) {
  const uint32_t s = (uint32_t)a + (uint32_t)b;
  if ((int32_t)((s ^ (uint32_t)a) & (s ^ (uint32_t)b)) < 0) return a < 0 ? kInt32Min : kInt32Max;
  return (int32_t)s;
}

// A magnitude r with its sign put back, saturated to int32: the last step of every rescale.
TT_NOINLINE inline int32_t signed_sat(uint32_t r, bool negative, int8_t left) {
  while (left > 0) {  // a left shift that saturates instead of wrapping
    if (r >> 30) return negative ? kInt32Min : kInt32Max;
    r <<= 1;
    --left;
  }
  if (r > (uint32_t)kInt32Max) return negative ? kInt32Min : kInt32Max;
  return negative ? -(int32_t)r : (int32_t)r;
}

// The one requantiser: round(x * mult / 2^shift), rounding half away from zero, saturated to
// int32, in 32-bit arithmetic (no 64-bit helper on the device). mult in [0, 2^31] is used to 16
// bits (m = round(mult / 2^16), at most 2^15) and |x| to 16 significant bits (the bits below are
// dropped, truncating towards zero), so the product fits 31 bits; the relative error is below
// 2^-14. shift in [1, 62] (checked by model_open for stored parameters). The pooling's factor
// (pool_divisor) is such a pair too.
TT_NOINLINE inline int32_t rescale(int32_t x, uint32_t mult, uint8_t shift) {
  const uint32_t m = (mult + 0x8000u) >> 16;
  int8_t sh = (int8_t)((int8_t)shift - 16);
  uint32_t a = abs32(x);
  while (a >> 16) {
    a >>= 1;
    --sh;
  }
  uint32_t r = a * m;  // < 2^16 * (2^15 + 1)
  if (sh > 31) return 0;
  if (sh > 0) {
    r = (r + ((uint32_t)1 << (sh - 1))) >> sh;
    sh = 0;
  }
  return signed_sat(r, x < 0, (int8_t)-sh);
}

// A stored requantisation parameter: int32 mult, u8 shift (5 bytes).
static const uint8_t kRescaleBytes = 5;
inline int32_t rescale_at(int32_t x, FlashAddr p) { return rescale(x, rd_u32(p), TT_READ_BYTE(p + 4)); }

// round(num * 2^p / den) for 1 <= den < 2^31 (0 if den is 0), by restoring long division one bit
// at a time: no division instruction or libgcc helper. Saturates at 2^31 - 1.
TT_NOINLINE inline uint32_t div_round(uint32_t num, uint32_t den, uint8_t p) {
  if (!den) return 0;
  uint32_t q = 0, r = 0, over = 0;
  uint8_t i = 0;
  if (num < den) {  // the first 32 steps would only move num into r (no quotient bit): skip them
    r = num;
    num = 0;
    i = 32;
  }
  for (; i < (uint8_t)(33u + p); ++i) {  // 32 bits of num, p zero bits, a half bit
    r = (r << 1) | (num >> 31);
    num <<= 1;
    over |= q >> 31;
    q <<= 1;
    if (r >= den) {
      r -= den;
      q |= 1u;
    }
  }
  q = (q >> 1) + (q & 1u);  // q held floor(2 x quotient): add the half bit
  return (over || q > (uint32_t)kInt32Max) ? (uint32_t)kInt32Max : q;
}

// round(2^22 / sqrt(x)) for x in [2^14, 2^16), to within 0.61 (so in [2^14, 2^15]): 1/sqrt(u)
// in Q14 for u = x / 2^16 in [1/4, 1). No division: the line 2.135 - 1.22 u (within 8.8%) and
// three Newton steps y += y (1 - u y^2) / 2 (8.8% -> 1.1% -> 2e-4 -> below the rounding), in
// 16 x 16-bit products (cheap on the AVR too): u y exactly, u y^2 in Q28 from its two halves.
// (A parabola within 2.4% saves a step, but GCC then unrolls the two: +56 B on the M0.)
inline uint16_t rsqrt_q14(uint16_t x) {
  uint16_t y = (uint16_t)(34980u - ((uint32_t)19988u * x >> 16));
  for (uint8_t k = 0; k < 3; ++k) {
    const uint32_t p = (uint32_t)x * y;                                          // Q30 of u y
    const uint32_t q = (uint32_t)(uint16_t)(p >> 16) * y + (((uint32_t)(uint16_t)p * y) >> 16);  // Q28 of u y^2 (< 1.19)
    const int16_t e = (int16_t)((((int32_t)1 << 28) - (int32_t)q) >> 11);        // Q17 of 1 - u y^2
    y = (uint16_t)((int32_t)y + ((int16_t)(((int32_t)y * e + ((int32_t)1 << 17)) >> 16) >> 2));
  }
  return y;
}

// 2^(-k/64) in Q15 for k = 0..64 (four a row), as little-endian byte pairs so any target reads them alike.
#define TT_LE16(v) (uint8_t)((v)&0xFF), (uint8_t)((v) >> 8)
template <class Unused>
struct ModelTables {
  static const uint8_t exp2_q15[130];
  static const uint8_t sigmoid_q17[50];
};
template <class Unused>
const uint8_t ModelTables<Unused>::exp2_q15[130] TT_PROGMEM = {
    TT_LE16(32768), TT_LE16(32415), TT_LE16(32066), TT_LE16(31720),
    TT_LE16(31379), TT_LE16(31041), TT_LE16(30706), TT_LE16(30376),
    TT_LE16(30048), TT_LE16(29725), TT_LE16(29405), TT_LE16(29088),
    TT_LE16(28774), TT_LE16(28464), TT_LE16(28158), TT_LE16(27855),
    TT_LE16(27554), TT_LE16(27258), TT_LE16(26964), TT_LE16(26674),
    TT_LE16(26386), TT_LE16(26102), TT_LE16(25821), TT_LE16(25543),
    TT_LE16(25268), TT_LE16(24995), TT_LE16(24726), TT_LE16(24460),
    TT_LE16(24196), TT_LE16(23936), TT_LE16(23678), TT_LE16(23423),
    TT_LE16(23170), TT_LE16(22921), TT_LE16(22674), TT_LE16(22430),
    TT_LE16(22188), TT_LE16(21949), TT_LE16(21713), TT_LE16(21479),
    TT_LE16(21247), TT_LE16(21019), TT_LE16(20792), TT_LE16(20568),
    TT_LE16(20347), TT_LE16(20127), TT_LE16(19911), TT_LE16(19696),
    TT_LE16(19484), TT_LE16(19274), TT_LE16(19066), TT_LE16(18861),
    TT_LE16(18658), TT_LE16(18457), TT_LE16(18258), TT_LE16(18061),
    TT_LE16(17867), TT_LE16(17674), TT_LE16(17484), TT_LE16(17296),
    TT_LE16(17109), TT_LE16(16925), TT_LE16(16743), TT_LE16(16562),
    TT_LE16(16384)
};
// sigmoid(i / 2) - 1/2 in Q17 for i = 0..24 (five a row), rounded (65535 for i = 23, 24).
template <class Unused>
const uint8_t ModelTables<Unused>::sigmoid_q17[50] TT_PROGMEM = {
    TT_LE16(0), TT_LE16(16051), TT_LE16(30285), TT_LE16(41625), TT_LE16(49912),
    TT_LE16(55593), TT_LE16(59320), TT_LE16(61694), TT_LE16(63179), TT_LE16(64096),
    TT_LE16(64659), TT_LE16(65003), TT_LE16(65212), TT_LE16(65339), TT_LE16(65417),
    TT_LE16(65464), TT_LE16(65492), TT_LE16(65509), TT_LE16(65520), TT_LE16(65526),
    TT_LE16(65530), TT_LE16(65532), TT_LE16(65534), TT_LE16(65535), TT_LE16(65535)
};
#undef TT_LE16

// e^(-x) for x >= 0 in Q16.16 (x up to 2^32 - 1), as a uint32 in Q31 (1.0 = 2^31). Monotone
// non-increasing in x. y = round(x * log2(e)) in Q16.16 (94548 = log2(e) * 2^16, the product
// taken in 32-bit pieces) is split into an integer shift and a fraction; 2^-fraction comes from
// the 65-entry table with linear interpolation (error < 2e-5).
TT_NOINLINE inline uint32_t exp_neg_q31(uint32_t x) {
  if (x >= ((uint32_t)22 << 16)) return 0;  // e^-22 < 2^-31
  const uint32_t xl = x & 0xFFFFu;
  const uint32_t y = (x >> 16) * 94548u + xl + ((xl * 29012u + 32768u) >> 16);  // 29012 = 94548 - 2^16
  const uint8_t ip = (uint8_t)(y >> 16);
  const uint32_t f = y & 0xFFFFu;
  const uint8_t idx = (uint8_t)(f >> 10);
  const uint32_t fr = f & 1023u;
  const FlashAddr t = flash_addr(ModelTables<void>::exp2_q15) + 2u * idx;
  const uint32_t lo = rd_u16(t), hi = rd_u16(t + 2);
  const uint32_t v = (lo << 10) - (lo - hi) * fr;  // Q25
  return (v << 6) >> ip;                           // Q31
}

// CRC-32 (IEEE, zlib's crc32), bit by bit: no table in flash.
inline uint32_t crc32_image(FlashAddr p, uint32_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (uint32_t i = 0; i < n; ++i) {
    c ^= (uint32_t)TT_READ_BYTE(p + i);
    for (unsigned k = 8; k; --k) c = (c & 1u) ? (0xEDB88320u ^ (c >> 1)) : (c >> 1);
  }
  return ~c;
}

// sigmoid(z) in Q15 for a Q16.16 logit, within 0.65 of 32768 sigmoid(z) and monotone, without
// a division or exp: for u = |z| < 12, the Taylor series to the 4th power around the nearest
// node i/2 of the table (|d| <= 1/4), whose derivatives follow from g = sigmoid - 1/2 itself:
// with m = sigmoid' = 1/4 - g^2,
//   sigmoid(i/2 + d) = 1/2 + g + m d (1 - d (g - d (1/6 - m - d g (1/12 - m))))
// (error below 2.1e-6); for u >= 12, 1 (32768 sigmoid(12) > 32767.79). Mirrored for z < 0.
// Every operand fits 16 bits and every product is shifted by taking its high half and then a
// few bits more (16 x 16-bit products and no 32-bit shift loops on the AVR: 70 B less there).
// Signed right shifts are arithmetic (GCC, Clang; C++20). Inline in read_head: its one caller
// per model (sms4k, static path: -12 B M0, -104 B and 12 B of stack AVR; each further model with
// a sigmoid head pays its own copy).
TT_INLINE uint16_t sigmoid_q15(int32_t z) {
  const uint32_t u = abs32(z);
  uint32_t p = (uint32_t)kProbOne;
  if (u < ((uint32_t)12 << 16)) {
    const uint32_t i = (u + 16384u) >> 15;
    const int16_t d = (int16_t)(int32_t)(u - (i << 15));                               // Q16, [-1/4, 1/4)
    const uint16_t g = rd_u16(flash_addr(ModelTables<void>::sigmoid_q17) + 2u * i);    // Q17
    const int32_t m = (int32_t)32768 - (int32_t)((uint16_t)(((uint32_t)g * g + 65536u) >> 16) >> 1);  // Q17 of 1/4 - g^2
    const int16_t c4 = (int16_t)((int16_t)((int32_t)(int16_t)(g >> 1) * (int16_t)(10923 - m) >> 16) >> 1);  // Q16 of g (1/12 - m)
    const int16_t c = (int16_t)(21845 - m - (int16_t)((int32_t)d * (2 * c4) >> 16));   // Q17 of 1/6 - m - d c4
    const int16_t h = (int16_t)((int32_t)(g >> 2) - ((int16_t)((int32_t)d * c >> 16) >> 2));  // Q15 of g - d c
    const uint16_t t = (uint16_t)(32768 - ((int32_t)d * h >> 16));                     // Q15 of 1 - d h
    const int16_t dt = (int16_t)(((int32_t)d * t * 2 + 32768) >> 16);                 // Q16 of d t
    p = (uint32_t)((int32_t)65536 + g + ((int32_t)(uint16_t)m * dt >> 16) + 2) >> 2;  // Q17 -> Q15
  }
  return (uint16_t)(z >= 0 ? p : (uint32_t)kProbOne - p);
}
}  // namespace detail
}  // namespace tt

#endif  // TINYTEXT_DETAIL_NUMERICS_H
