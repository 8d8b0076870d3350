// The int8 model runtime: full-integer inference of a quantised tinytext model, streaming one
// byte at a time. Freestanding C++11: no heap, no exceptions, no RTTI, no float; only
// <stdint.h>/<stddef.h> (and <avr/pgmspace.h> on AVR through pgm.h).
//
// The model is one byte image (the "device image", docs/numerics.md and docs/export.md give its
// layout): a 40-byte header, the int8/int32 tensors and fixed-point requantisation parameters,
// the labels, and a CRC-32. The image stays in flash (PROGMEM on AVR); every read of it goes
// through TT_READ_BYTE (pgm.h). model_open() checks the image once; after that the kernels
// read it without further checks, because every offset was derived from sizes that were
// checked against the image length.
//
//   tt::Model m;
//   if (tt::model_open(m, spam_model_data, spam_model_size) != tt::kOk) { ...refuse... }
//   tt::ModelState<16, 0, 1> st;            // or the generated spam_state type
//   if (tt::model_reset(m, st) != tt::kOk) { ...model too large for this state... }
//   for each byte b: tt::model_push(m, st, b);
//   tt::ModelScores<1> sc;
//   tt::model_read(m, st, sc);               // as if the text ended now; st keeps going
//   sc.prob[0] (Q15), sc.logit[0] (Q16.16), tt::model_positive(m, sc, 0)
//
// A model compiled in uses the generated spam_model type instead (tt::StaticModel, below: the
// shape checked at build time, no model_open, the same calls). tt::model_push_text(m, st, p, n)
// pushes a buffer in RAM at once, as model_push per byte would.
//
// Numerics (docs/numerics.md): int32 sums of int8 embedding columns; pooling by a factor (a
// Newton reciprocal square root, once per read) and the requantiser; int16 activations; int32
// accumulators; every requantisation is x * mult / 2^shift with mult, shift computed on the host,
// evaluated in 32-bit arithmetic (mult to 16 bits), rounded half away from zero, saturated to the
// destination range. Logits are Q16.16; probabilities Q15 (sigmoid from a table and its Taylor
// series; softmax from exp and a shift-subtract division). No 64-bit arithmetic and no libgcc
// division on the device.
#ifndef TINYTEXT_MODEL_H
#define TINYTEXT_MODEL_H

#include "config.h"
#include "pgm.h"
#include "tokenizer.h"

// Version of the device image layout. An image or a generated model header for another version
// is refused (model_open returns kBadVersion; the generated header fails to compile).
#define TT_MODEL_FORMAT_VERSION 2

namespace tt {

static const uint32_t kModelHeaderBytes = 40;
static const uint16_t kModelMaxDim = 4096;      // D, H and K are each at most this
static const uint32_t kMaxFeatureCount = 16777216u;  // 2^24: the count (and so |acc| / 127) stays below this
static const uint8_t kMaxTextRowCount = 255;    // the text row counts c = 1 .. this many times (image byte 7: c - 1)
// model_push ignores bytes from this count on: room for one byte (<= 12), the pending word (<= 7)
// and the text row (<= 255) below kMaxFeatureCount.
static const uint32_t kSaturateAt = kMaxFeatureCount - 32u - 256u;
static const int32_t kProbOne = 32768;          // Q15 probability 1.0
static const int32_t kLogitOne = 65536;         // Q16.16 logit 1.0
static const int32_t kAccBound = 1073741824;    // 2^30: |int32 bias| and |fan-in x 127 x act limit| bound
static const uint8_t kMaxPending = 8;           // features a tokenizer_finish can emit (<= 5 char + word + bigram)
static const uint8_t kMaxPerByte = 12;          // features one byte can emit (a punctuation byte ending a word)
static_assert(kMaxPerByte < 16, "model_push_text's runs assume at most 15 features per byte");

enum ModelPoolKind { kPoolMean = 0, kPoolSqrt = 1, kPoolSum = 2 };
// kModelTextRow: the embedding has one more row, index B, that every text contains c times (added
// by model_read with the pending word's features, so model_push is unchanged): c is header byte 7
// plus 1 (0: once, as before the count existed). Runtimes before the row refuse such an image by
// this flags check, runtimes before the count by byte 7 (reserved, must be 0): kBadVersion.
enum ModelFlag { kModelLinear = 1, kModelSoftmax = 2, kModelTextRow = 4, kModelExactTable = 8, kModelFoldDigits = 16 };
// kModelExactTable: the image holds an exact table of G groups (header u32 at 36, which runtimes
// before the table require to be 0: kBadVersion) of kTableWays slots: 4G fingerprint bytes after
// the embedding rows, and 4G more embedding rows after the buckets and the text row (feature_row).
// kModelFoldDigits: the tokenizer hashes every digit as '0' (TokenizerConfig::fold_digits).
// Runtimes before it refuse such an image by the flags check (kBadVersion).
static const uint8_t kTableWays = 4;  // feature_row's lookup is unrolled for 4
static const uint32_t kMaxTableGroups = 16383;  // 4G slot rows + B + text row stay 16-bit indices
static const uint8_t kModelFlagsKnown =
    kModelLinear | kModelSoftmax | kModelTextRow | kModelExactTable | kModelFoldDigits;
// Defined by runtimes that count the text row c times: a generated header with c > 1 #errors
// without it (an older runtime's StaticModel would count the row once).
#define TT_MODEL_TEXT_ROW_COUNT 1

// The one place a feature hash becomes an embedding row (the host trainer, the float model and
// both device paths call it). Without a table (groups 0): bucket_of(hash, buckets). With one:
// group g = bucket_of(hash, groups), fingerprint f = hash bits 8-15 (bits 16-31 pick the group
// and the bucket; the low byte of a character n-gram's hash depends on two of its bytes only); if
// one of the group's kTableWays fingerprint bytes fp[4g .. 4g + 3] equals f, the row is first +
// 4g + i for the first such i, else bucket_of(hash, buckets). fp is read through TT_READ_BYTE.
TT_INLINE uint8_t table_fingerprint(uint32_t hash) { return (uint8_t)(hash >> 8); }  // bits 8-15
TT_INLINE uint32_t feature_row(uint32_t hash, uint32_t buckets, uint32_t groups, const uint8_t* fp, uint32_t first) {
  if (groups) {
    const uint32_t g = (uint32_t)bucket_of(hash, groups) * kTableWays;
    const uint8_t f = table_fingerprint(hash);
    const uint8_t* p = fp + g;
    // Unrolled (kTableWays == 4): -Os keeps a loop's counter otherwise.
    if (TT_READ_BYTE(p) == f) return first + g;
    if (TT_READ_BYTE(p + 1) == f) return first + g + 1u;
    if (TT_READ_BYTE(p + 2) == f) return first + g + 2u;
    if (TT_READ_BYTE(p + 3) == f) return first + g + 3u;
  }
  return bucket_of(hash, buckets);
}

namespace detail {
// The spec's text_row_count, or 1 for a generated header from before the count (no such member).
template <class T>
struct VoidOf {
  typedef void Type;
};
template <class S, class = void>
struct SpecTextRowCount {
  static const uint32_t value = 1;
};
template <class S>
struct SpecTextRowCount<S, typename VoidOf<decltype(S::text_row_count)>::Type> {
  static const uint32_t value = S::text_row_count;
};
// The spec's table_groups, or 0 for a generated header from before the exact table.
template <class S, class = void>
struct SpecTableGroups {
  static const uint32_t value = 0;
};
template <class S>
struct SpecTableGroups<S, typename VoidOf<decltype(S::table_groups)>::Type> {
  static const uint32_t value = S::table_groups;
};
// Section offsets (defined below, after kRescaleBytes).
constexpr uint32_t off_b1(uint32_t mpool, uint32_t D, uint32_t H);
constexpr uint32_t off_b2(uint32_t b1, uint32_t D, uint32_t H, uint32_t K, bool linear);
constexpr uint32_t off_end(uint32_t b2, uint32_t K, bool linear, uint32_t label_bytes);
}  // namespace detail

// A checked view of a device image. Filled by model_open; plain data, no pointers into RAM
// other than `image`. Kept small (28 bytes on a Cortex-M0, 24 on an AVR): whatever can be read
// from the checked header or derived from the sizes is not stored (see detail::Layout).
struct Model {
  typedef TokenizerConfig Tokenizer;
  const uint8_t* image;  // the image (flash); 0 until model_open succeeds
  TokenizerConfig tokenizer;
  uint16_t dim, hidden, outputs;  // D, H (0: none), K
  uint8_t flags;                  // ModelFlag bits
  uint8_t pool;                   // ModelPoolKind
  uint16_t groups;                // G: the exact table's groups (0: none)
  uint32_t off_mpool;             // end of the embedding and the fingerprints: 40 + (B + text row + 4G) D + 4G
  uint32_t off_b2;                // the output biases; the layers between follow from D, H, K
};

// The streaming state of one text. Plain data; its size depends only on the template arguments
// (the largest D, H, K the caller will use); it does not grow with the text.
template <uint16_t MaxDim, uint16_t MaxHidden, uint16_t MaxOutputs>
struct ModelState {
  static_assert(MaxDim >= 1 && MaxDim <= kModelMaxDim, "MaxDim must be in [1, 4096]");
  static_assert(MaxHidden <= kModelMaxDim, "MaxHidden must be in [0, 4096]");
  static_assert(MaxOutputs >= 1 && MaxOutputs <= kModelMaxDim, "MaxOutputs must be in [1, 4096]");
  static const uint16_t kMaxDim = MaxDim;
  static const uint16_t kMaxHidden = MaxHidden;
  static const uint16_t kMaxOutputs = MaxOutputs;

  TokenizerState tok;
  uint32_t count;      // features summed so far, below kMaxFeatureCount
  uint32_t limit;      // kSaturateAt after a successful model_reset, else 0: model_push ignores
                       // bytes while count >= limit (ready: limit != 0; saturated: count >= limit)
  int32_t acc[MaxDim]; // per embedding dim: sum of int8 weights; |acc| <= 127 * count < 2^31
};

// What model_read reports.
template <uint16_t MaxOutputs>
struct ModelScores {
  int32_t logit[MaxOutputs];  // Q16.16 logit per output (saturated to int32)
  int32_t rank[MaxOutputs];   // monotone ranking score: sigmoid head = logit; softmax head = probability in Q30
  uint16_t prob[MaxOutputs];  // probability in Q15, 0 .. 32768 (sigmoid per output, or softmax)
  uint16_t best;              // argmax of logit, the lowest index on ties
  uint16_t outputs;           // K
  uint32_t features;          // features the scores are based on (pending word included)
};

// A model whose shape is known at compile time: the generated model header (tinytext export)
// defines a spec S and `typedef tt::StaticModel<S> NAME_model`. S holds the image and its header
// fields as constants:
//   static const uint8_t* image();  (the image array)   static const uint32_t bytes;  (its size)
//   static const uint8_t format, scheme;  (TT_MODEL_FORMAT_VERSION, kTokenizerScheme)
//   static const uint32_t buckets;  static const uint8_t word_ngrams, char_min, char_max;
//   static const uint16_t dim, hidden, outputs, label_bytes;  static const uint8_t flags, pool;
//   static const uint8_t text_row_count;  (c, 1 .. 255; 1 without the text row; a spec without it: 1)
//   static const uint16_t table_groups;   (G, 0 without the exact table; a spec without it: 0)
// The members below have the names of Model's fields, so model_reset/push/read (templates on the
// model type) read both alike, and with a StaticModel every shape test and offset folds: no
// dense layers for a linear model, no softmax for K = 1, no bigram or n-gram code the model does
// not use, constant addresses. model_open's checks of the header's version and shape fields are
// static_asserts here (a mismatch does not compile); the rest (magic, reserved bytes, activation
// limits, parameter ranges, labels, CRC: read from the image, not from S) the exporter checked
// with model_open when it wrote the image. An empty object: `NAME_model m;` costs no RAM and
// needs no open.
template <class S>
struct StaticModel {
  typedef S Spec;
  typedef StaticTokenizerConfig<S::buckets, S::word_ngrams, S::char_min, S::char_max,
                                (S::flags & kModelFoldDigits) ? 1 : 0>
      Tokenizer;
  Tokenizer tokenizer;
  static const uint16_t dim = S::dim;
  static const uint16_t hidden = S::hidden;
  static const uint16_t outputs = S::outputs;
  static const uint8_t flags = S::flags;
  static const uint8_t pool = S::pool;
  static const bool kLinear = (S::flags & kModelLinear) != 0;
  static const uint8_t kTextRowCount = (uint8_t)detail::SpecTextRowCount<S>::value;  // c
  static const uint16_t groups = (uint16_t)detail::SpecTableGroups<S>::value;         // G
  // The first slot row of the exact table (B, plus the text row), and where its fingerprints are.
  static const uint32_t kTableFirst = S::buckets + ((S::flags & kModelTextRow) ? 1u : 0u);
  static const uint32_t kTableAt = kModelHeaderBytes + (kTableFirst + kTableWays * (uint32_t)groups) * S::dim;
  // The offsets model_open derives (the same formulas).
  static const uint32_t off_mpool = kTableAt + kTableWays * (uint32_t)groups;
  static const uint32_t off_b2 =
      detail::off_b2(detail::off_b1(off_mpool, S::dim, S::hidden), S::dim, S::hidden, S::outputs, kLinear);
  static const uint32_t kEnd = detail::off_end(off_b2, S::outputs, kLinear, S::label_bytes);

  // (A specialisation on StaticTokenizerConfig that stopped matching it would only cost speed.)
  static_assert(detail::CharRange<Tokenizer>::fixed, "CharRange is specialised for every StaticTokenizerConfig");
  static_assert(S::format == TT_MODEL_FORMAT_VERSION, "the model header holds an image of another format version");
  static_assert(S::scheme == kTokenizerScheme, "the model was trained with another tokenizer scheme");
  static_assert(S::dim >= 1 && S::dim <= kModelMaxDim && S::hidden <= kModelMaxDim && S::outputs >= 1 &&
                    S::outputs <= kModelMaxDim,
                "D, K in [1, 4096], H in [0, 4096]");
  static_assert((S::flags & ~kModelFlagsKnown) == 0 && S::pool <= kPoolSum, "unknown flags or pooling");
  static_assert(!kLinear || (S::hidden == 0 && S::dim == S::outputs), "a linear model has H = 0 and D = K");
  static_assert(!(S::flags & kModelSoftmax) || S::outputs >= 2, "a softmax head has K >= 2");
  static_assert(S::label_bytes >= S::outputs, "K NUL-terminated labels");
  static_assert(detail::SpecTextRowCount<S>::value >= 1 && detail::SpecTextRowCount<S>::value <= kMaxTextRowCount &&
                    (kTextRowCount == 1 || (S::flags & kModelTextRow)),
                "the text row count is 1 .. 255, and 1 without the text row");
  static_assert(detail::SpecTableGroups<S>::value <= kMaxTableGroups &&
                    ((S::flags & kModelExactTable) != 0) == (detail::SpecTableGroups<S>::value != 0) &&
                    kTableFirst + kTableWays * detail::SpecTableGroups<S>::value <= kMaxBuckets,
                "the exact table has 1 .. 16383 groups with its flag, none without, and at most 65536 rows in all");
  static_assert(kEnd + 4u == S::bytes, "the image size does not match its shape");
};
template <class S> const uint16_t StaticModel<S>::dim;
template <class S> const uint16_t StaticModel<S>::hidden;
template <class S> const uint16_t StaticModel<S>::outputs;
template <class S> const uint8_t StaticModel<S>::flags;
template <class S> const uint8_t StaticModel<S>::pool;
template <class S> const bool StaticModel<S>::kLinear;
template <class S> const uint8_t StaticModel<S>::kTextRowCount;
template <class S> const uint16_t StaticModel<S>::groups;
template <class S> const uint32_t StaticModel<S>::kTableFirst;
template <class S> const uint32_t StaticModel<S>::kTableAt;
template <class S> const uint32_t StaticModel<S>::off_mpool;
template <class S> const uint32_t StaticModel<S>::off_b2;
template <class S> const uint32_t StaticModel<S>::kEnd;

namespace detail {

// The image of either kind of model, and whether it can be used (a Model: model_open succeeded).
TT_INLINE const uint8_t* image_of(const Model& m) { return m.image; }
template <class S>
TT_INLINE const uint8_t* image_of(const StaticModel<S>&) { return S::image(); }
TT_INLINE bool model_ready(const Model& m) { return m.image != 0; }
template <class S>
TT_INLINE bool model_ready(const StaticModel<S>&) { return true; }
// c, the times model_read adds the text row (if the model has it): image byte 7 plus 1 (checked by
// model_open; not kept in Model, which stays small), or the spec's constant.
TT_INLINE uint8_t text_row_count(const Model& m) { return (uint8_t)(TT_READ_BYTE(m.image + 7) + 1u); }
template <class S>
TT_INLINE uint8_t text_row_count(const StaticModel<S>&) { return StaticModel<S>::kTextRowCount; }
// How the out-of-line stages receive the model: a Model by reference, a StaticModel by value (an
// empty object: no address to pass). Callers name M explicitly.
template <class M>
struct ModelArg {
  typedef const M& Type;
};
template <class S>
struct ModelArg<StaticModel<S> > {
  typedef StaticModel<S> Type;
};

static const int32_t kInt32Max = 2147483647;
static const int32_t kInt32Min = -2147483647 - 1;

// Every multi-byte read of the image: n (1..4) little-endian bytes through TT_READ_BYTE. Out of
// line, so the flash accessor is expanded once, not at every field.
TT_NOINLINE inline uint32_t rd_le(const uint8_t* p, uint8_t n) {
  uint32_t v = 0;
  while (n) {
    --n;
    v = (v << 8) | TT_READ_BYTE(p + n);
  }
  return v;
}
inline uint16_t rd_u16(const uint8_t* p) { return (uint16_t)rd_le(p, 2); }
inline uint32_t rd_u32(const uint8_t* p) { return rd_le(p, 4); }
inline int32_t rd_i32(const uint8_t* p) { return (int32_t)rd_le(p, 4); }
TT_INLINE int32_t rd_i8(const uint8_t* p) { return (int32_t)(int8_t)TT_READ_BYTE(p); }

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
inline int32_t rescale_at(int32_t x, const uint8_t* p) { return rescale(x, rd_u32(p), TT_READ_BYTE(p + 4)); }

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

// The pooling of n >= 1 features as one rescale: pooled = rescale(acc, den, p), den = m 2^16 with
// m in [2^14, 2^15], i.e. acc * m / 2^(p - 16) ~ acc * 2^8 / (n, sqrt(n) or 1). Mean: n scaled by
// 2^k into x in [2^15, 2^16), m = rsqrt_q14(x^2 / 2^16) ~ 2^30 / x, p = 38 - k. Sqrt: n scaled by
// 4^k into x in [2^14, 2^16), m = rsqrt_q14(x) ~ 2^22 / sqrt(x), p = 30 - k. (k < 0, right
// shifts truncating, only beyond 2^16 features.) Sum: m = 2^14, p = 22. No division; computed
// once per read. The factor m / 2^(p - 16) is within 2^-13.5 of 2^8 / n (2^8 / sqrt(n)).
inline void pool_divisor(uint8_t pool, uint32_t n, uint32_t* den, uint8_t* p) {
  uint32_t m = (uint32_t)1 << 14;
  uint8_t s = 22;
  if (pool != kPoolSum && n) {  // (n = 0: no features, the pooled value is 0)
    const bool sq = pool == kPoolSqrt;
    const uint8_t step = sq ? 2 : 1;
    uint32_t x = n;
    s = sq ? 30 : 38;
    while (x < (sq ? (uint32_t)1 << 14 : (uint32_t)1 << 15)) {
      x <<= step;
      --s;
    }
    while (x >> 16) {
      x >>= step;
      ++s;
    }
    m = rsqrt_q14((uint16_t)(sq ? x : (x * x) >> 16));  // mean: 1 / x = 1 / sqrt(x^2)
  }
  *den = m << 16;
  *p = s;
}

// The pooled value of one dim with 8 fraction bits: acc * 2^8 / n (mean), / sqrt(n) (sqrt) or
// acc * 2^8 (sum), by the factor of pool_divisor, rounded half away from zero, saturated to int32.
inline int32_t pool_q8(int32_t acc, uint32_t den, uint8_t p) { return rescale(acc, den, p); }

// 2^(-k/64) in Q15 for k = 0..64, as little-endian byte pairs so any target reads them alike.
#define TT_LE16(v) (uint8_t)((v)&0xFF), (uint8_t)((v) >> 8)
template <class Unused>
struct ModelTables {
  static const uint8_t exp2_q15[130];
  static const uint8_t sigmoid_q17[50];
};
template <class Unused>
const uint8_t ModelTables<Unused>::exp2_q15[130] TT_PROGMEM = {
    TT_LE16(32768), TT_LE16(32415), TT_LE16(32066), TT_LE16(31720), TT_LE16(31379), TT_LE16(31041),
    TT_LE16(30706), TT_LE16(30376), TT_LE16(30048), TT_LE16(29725), TT_LE16(29405), TT_LE16(29088),
    TT_LE16(28774), TT_LE16(28464), TT_LE16(28158), TT_LE16(27855), TT_LE16(27554), TT_LE16(27258),
    TT_LE16(26964), TT_LE16(26674), TT_LE16(26386), TT_LE16(26102), TT_LE16(25821), TT_LE16(25543),
    TT_LE16(25268), TT_LE16(24995), TT_LE16(24726), TT_LE16(24460), TT_LE16(24196), TT_LE16(23936),
    TT_LE16(23678), TT_LE16(23423), TT_LE16(23170), TT_LE16(22921), TT_LE16(22674), TT_LE16(22430),
    TT_LE16(22188), TT_LE16(21949), TT_LE16(21713), TT_LE16(21479), TT_LE16(21247), TT_LE16(21019),
    TT_LE16(20792), TT_LE16(20568), TT_LE16(20347), TT_LE16(20127), TT_LE16(19911), TT_LE16(19696),
    TT_LE16(19484), TT_LE16(19274), TT_LE16(19066), TT_LE16(18861), TT_LE16(18658), TT_LE16(18457),
    TT_LE16(18258), TT_LE16(18061), TT_LE16(17867), TT_LE16(17674), TT_LE16(17484), TT_LE16(17296),
    TT_LE16(17109), TT_LE16(16925), TT_LE16(16743), TT_LE16(16562), TT_LE16(16384)
};
// sigmoid(i / 2) - 1/2 in Q17 for i = 0..24, rounded (65535 for i = 23, 24).
template <class Unused>
const uint8_t ModelTables<Unused>::sigmoid_q17[50] TT_PROGMEM = {
    TT_LE16(0),     TT_LE16(16051), TT_LE16(30285), TT_LE16(41625), TT_LE16(49912), TT_LE16(55593),
    TT_LE16(59320), TT_LE16(61694), TT_LE16(63179), TT_LE16(64096), TT_LE16(64659), TT_LE16(65003),
    TT_LE16(65212), TT_LE16(65339), TT_LE16(65417), TT_LE16(65464), TT_LE16(65492), TT_LE16(65509),
    TT_LE16(65520), TT_LE16(65526), TT_LE16(65530), TT_LE16(65532), TT_LE16(65534), TT_LE16(65535),
    TT_LE16(65535)
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
  const uint8_t* t = ModelTables<void>::exp2_q15 + 2u * idx;
  const uint32_t lo = rd_u16(t), hi = rd_u16(t + 2);
  const uint32_t v = (lo << 10) - (lo - hi) * fr;  // Q25
  return (v << 6) >> ip;                           // Q31
}

// CRC-32 (IEEE, zlib's crc32), bit by bit: no table in flash.
inline uint32_t crc32_image(const uint8_t* p, uint32_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (uint32_t i = 0; i < n; ++i) {
    c ^= (uint32_t)TT_READ_BYTE(p + i);
    for (unsigned k = 8; k; --k) c = (c & 1u) ? (0xEDB88320u ^ (c >> 1)) : (c >> 1);
  }
  return ~c;
}

// The image's sections after the header and the embedding (off_mpool = 40 + B D): the pooled
// requantisers (D), w1 (H x D), b1 (H), m1 (H), w2 (K x fan-in, absent for a linear model), b2
// (K), m2 (K, absent for a linear model), thresholds (K), labels, CRC. model_open and StaticModel
// derive the offsets with these (every term < 2^29 after model_open's checks: no wrap).
constexpr uint32_t off_b1(uint32_t mpool, uint32_t D, uint32_t H) { return mpool + D * kRescaleBytes + H * D; }
constexpr uint32_t off_b2(uint32_t b1, uint32_t D, uint32_t H, uint32_t K, bool linear) {
  return b1 + H * (4u + kRescaleBytes) + (linear ? 0u : K * (H ? H : D));
}
constexpr uint32_t off_end(uint32_t b2, uint32_t K, bool linear, uint32_t label_bytes) {
  return b2 + K * (linear ? 8u : 8u + kRescaleBytes) + label_bytes;
}

// nb int32 biases (within 2^30), then nq stored requantisers (mult >= 0, shift in [1, 62]), from
// p on: a layer's biases and its requantisers are adjacent in the image.
TT_NOINLINE inline bool params_ok(const uint8_t* p, uint16_t nb, uint16_t nq) {
  for (uint32_t i = 0, n = (uint32_t)nb + nq; i < n; ++i) {
    const int32_t v = rd_i32(p);
    if (i < nb) {
      if (v < -kAccBound || v > kAccBound) return false;
      p += 4;
    } else {
      const uint8_t s = TT_READ_BYTE(p + 4);
      if (v < 0 || s < 1 || s > 62) return false;
      p += kRescaleBytes;
    }
  }
  return true;
}

// An activation limit against its layer's fan-in (0: the layer is absent, so must be the limit).
TT_NOINLINE inline bool limit_ok(const uint8_t* p, uint32_t fan_in) {
  const uint16_t lim = rd_u16(p);
  if (!fan_in) return lim == 0;
  return lim >= 1 && lim <= 32767 && (uint32_t)lim * 127u * fan_in <= (uint32_t)kAccBound;
}

// Offsets of the image's sections, derived from the checked sizes (never read from the image);
// the same sums as off_b1, off_b2 and off_end (model_open, StaticModel), read_dense's walk and
// model_threshold.
struct Layout {
  uint32_t w1, b1, m1, w2, b2, m2, thr, labels;
};
template <class M>
inline void layout_of(const M& m, Layout& l) {
  const uint32_t D = m.dim, H = m.hidden, K = m.outputs;
  const bool linear = (m.flags & kModelLinear) != 0;
  l.w1 = m.off_mpool + D * kRescaleBytes;
  l.b1 = l.w1 + H * D;
  l.m1 = l.b1 + H * 4u;
  l.w2 = l.m1 + H * kRescaleBytes;
  l.b2 = l.w2 + (linear ? 0u : K * (H ? H : D));
  l.m2 = l.b2 + K * 4u;
  l.thr = l.m2 + (linear ? 0u : K * kRescaleBytes);
  l.labels = l.thr + K * 4u;
}

// Where the embedding rows are: read from a Model once per call (RunEmb), or constants of a
// StaticModel (StaticEmb, empty). bucket(hash) is the row index (feature_row: the exact table, if
// any, then the buckets), at(i) the address of byte i of the embedding.
struct RunEmb {
  const uint8_t* emb;
  uint32_t buckets;
  uint32_t groups;  // the exact table's groups G, 0 without one
  TT_INLINE void init(const Model& m) {
    emb = m.image + kModelHeaderBytes;
    buckets = m.tokenizer.buckets;
    groups = m.groups;
  }
  TT_INLINE uint32_t bucket(uint32_t hash) const { return row(hash, buckets, groups, emb); }
  // Out of line: the sink is expanded in many places, the lookup once (a call where the bucket's
  // multiply was, so the generic path's code stays about the same size). The table's first slot
  // row (B, plus the text row) and its fingerprints (after the B + text row + 4G embedding rows)
  // from the checked header.
  TT_NOINLINE static uint32_t row(uint32_t hash, uint32_t buckets, uint32_t groups, const uint8_t* emb) {
    if (!groups) return bucket_of(hash, buckets);
    const uint8_t* image = emb - kModelHeaderBytes;
    const uint32_t first = buckets + ((TT_READ_BYTE(image + 5) & kModelTextRow) ? 1u : 0u);
    const uint32_t dim = (uint32_t)TT_READ_BYTE(image + 20) | ((uint32_t)TT_READ_BYTE(image + 21) << 8);
    return feature_row(hash, buckets, groups, emb + (first + kTableWays * groups) * dim, first);
  }
  TT_INLINE const uint8_t* at(uint32_t i) const { return emb + i; }
};
template <class S>
struct StaticEmb {
#if !TT_SMALL && defined(__GNUC__)
  // The bucket count in a register: GCC multiplies by a constant with a chain of shifts and
  // subtractions (3 Cortex-M0 instructions for 32704), one muls with the count in a register.
  // The empty asm hides the value from the optimiser; it stays S::buckets.
  uint32_t buckets;
  TT_INLINE void init(const StaticModel<S>&) {
    buckets = S::buckets;
    __asm__("" : "+r"(buckets));
  }
  TT_INLINE uint32_t bucket(uint32_t hash) const {
    if (!StaticModel<S>::groups) return bucket_of(hash, buckets);
    return table_row(hash);
  }
#else
  TT_INLINE void init(const StaticModel<S>&) {}
  TT_INLINE uint32_t bucket(uint32_t hash) const {
    if (!StaticModel<S>::groups) return bucket_of(hash, S::buckets);
    return table_row(hash);
  }
#endif
  // With an exact table: the lookup out of line (the sink is expanded in many places), its
  // addresses and counts constants.
  TT_NOINLINE static uint32_t table_row(uint32_t hash) {
    return feature_row(hash, S::buckets, StaticModel<S>::groups, S::image() + StaticModel<S>::kTableAt,
                       StaticModel<S>::kTableFirst);
  }
  TT_INLINE const uint8_t* at(uint32_t i) const { return S::image() + kModelHeaderBytes + i; }
};
template <class M>
struct EmbOf {
  typedef RunEmb Type;
};
template <class S>
struct EmbOf<StaticModel<S> > {
  typedef StaticEmb<S> Type;
};

// The tokenizer's sink: adds the embedding row of each feature into the sums. Inline and used by
// value, so on the hot path (a word byte's character n-grams) the count and, for D == 1 (a binary
// linear model), the one sum stay in registers; the tokenizer's out-of-line parts copy it in and
// out. model_push and model_read use the same type, so those parts exist once. `dim` is
// min(m.dim, D): in bounds whatever model is passed.
template <uint16_t D, class E>
struct Hot : E {
  uint32_t count;
  int32_t* acc;
  uint16_t dim;
  TT_INLINE void operator()(uint32_t hash, uint8_t) { add_row(this->bucket(hash)); }
  // Adds embedding row r (a bucket) as one more feature.
  TT_INLINE void add_row(uint32_t r) {
    ++count;
    const uint8_t* row = this->at(r * dim);
    for (uint16_t d = 0; d < dim; ++d) acc[d] += rd_i8(row + d);
  }
  // Adds row r (the text row B) as c more features: c times the row, exact (|w c| <= 128 x 255
  // fits the int16 product).
  TT_INLINE void add_rows(uint32_t r, uint8_t c) {
    count += c;
    const uint8_t* row = this->at(r * dim);
    for (uint16_t d = 0; d < dim; ++d) acc[d] += (int16_t)((int8_t)TT_READ_BYTE(row + d) * (int16_t)c);
  }
};
template <class E>
struct Hot<1, E> : E {
  uint32_t count;
  int32_t acc0;
#if TT_SMALL
  // One out-of-line copy for the tokenizer's parts that take the sink by reference (AVR). Its
  // body repeats add_row's: calling add_row here cost 10 B of AVR flash and 2 B of stack.
  TT_INLINE void operator()(uint32_t hash, uint8_t) { add(*this, hash); }
  TT_NOINLINE static void add(Hot& h, uint32_t hash) {
    ++h.count;
    h.acc0 += rd_i8(h.at(h.bucket(hash)));
  }
#else
  TT_INLINE void operator()(uint32_t hash, uint8_t) { add_row(this->bucket(hash)); }
#endif
  TT_INLINE void add_row(uint32_t r) {
    ++count;
    acc0 += rd_i8(this->at(r));
  }
  TT_INLINE void add_rows(uint32_t r, uint8_t c) {
    count += c;
    acc0 += (int16_t)((int8_t)TT_READ_BYTE(this->at(r)) * (int16_t)c);
  }
};

// A sink of several dims is a loop: emit_char_ngrams expands it once.
template <uint16_t D, class E>
struct SinkIsSmall<Hot<D, E> > {
  static const bool value = D == 1;
};

template <uint16_t D, class E>
TT_INLINE void hot_sums(Hot<D, E>& h, int32_t* acc, uint16_t dim) {
  h.acc = acc;
  h.dim = dim;
}
template <class E>
TT_INLINE void hot_sums(Hot<1, E>& h, int32_t* acc, uint16_t) { h.acc0 = acc[0]; }
template <uint16_t D, class E>
TT_INLINE void hot_store(const Hot<D, E>&, int32_t*) {}
template <class E>
TT_INLINE void hot_store(const Hot<1, E>& h, int32_t* acc) { acc[0] = h.acc0; }

#if !TT_SMALL
// other_byte on a word's packed registers, its length and a sink held in locals (the same
// features; a sum does not depend on their order): the pending word ends (end_word: the n-grams
// that end with '>', the word, the bigram, word_reset); a punctuation byte is then a one-byte
// word, ended at once (one loop: end_word's code exists once). The n-grams inline, only the word
// hash's finish out of line. Used by push_run (inline) and other_run (model_push).
template <class Cfg, class Sink>
TT_INLINE void other_on_locals(const Cfg& c, TokenizerState& t, uint8_t b, uint8_t k, uint32_t& w, uint32_t& old,
                               uint32_t& len, Sink& hot) {
  for (;;) {
    if (len) {
      if (c.char_min)
        emit_char_ngrams_unordered(c, (w >> 8) | ((uint32_t)'>' << 24), (old >> 8) | (w << 24), len + 2u, hot);
      const uint32_t h = sfh_finish_packed(t.word.h ^ len, w, (uint8_t)(len & 3u));
      hot(h, (uint8_t)kFeatureWord);
      if (c.word_ngrams >= 2 && t.has_prev) hot(bigram_hash(t.prev, h), (uint8_t)kFeatureBigram);
      t.prev = h;
      t.has_prev = 1;
      t.word.h = kWordSeed;
      w = kWordOpen;
      old = 0;
      len = 0;
    }
    if (k != kPunct) return;
    k = kSeparator;
    // shift_in on a reset word (h = kWordSeed, w = kWordOpen, old = 0): no hash round at len 1
    w = (kWordOpen >> 8) | ((uint32_t)b << 24);
    len = 1;
    if (c.char_min) emit_char_ngrams_unordered(c, w, old, 2u, hot);
  }
}

// Whether model_push and push_run end words on locals (other_on_locals): a static
// configuration and a one-dim sink. Otherwise other_byte, whose n-grams are out of line (the
// chain of a run-time configuration, or the loop of a wider sink, is not expanded again).
template <class M, uint16_t D>
struct EndOnLocals {
  static const bool value = CharRange<typename M::Tokenizer>::fixed && D == 1;
};

// model_push's path for any byte but a word byte (b, of class k) when EndOnLocals:
// other_on_locals on the state, out of line.
template <class M, uint16_t D, uint16_t H, uint16_t K>
TT_COLD_CALL void other_run(typename ModelArg<M>::Type m, ModelState<D, H, K>& s, uint8_t b, uint8_t k) {
  Hot<D, typename EmbOf<M>::Type> hot;
  hot.init(m);
  hot.count = s.count;
  hot_sums(hot, s.acc, D == 1 ? 1 : m.dim < D ? m.dim : D);
  uint32_t w = s.tok.word.w, old = s.tok.old, len = s.tok.word.len;
  other_on_locals(m.tokenizer, s.tok, b, k, w, old, len, hot);
  s.tok.word.w = w;
  s.tok.word.len = len;
  s.tok.old = old;
  s.count = hot.count;
  hot_store(hot, s.acc);
}
#endif

}  // namespace detail

// Checks a device image and fills `m`. Refuses (and leaves m unusable) on: a null image or one
// shorter than the header (kBadSize), a bad magic (kBadMagic), another format version, another
// tokenizer scheme, unknown flags, or a table size G (bytes 36-39) without the table flag
// (kBadVersion), sizes out of range or inconsistent with `size`, a text row count (byte 7)
// without the text row or above 255, the table flag with G = 0 or G > kMaxTableGroups, more than
// 65,536 embedding rows (kBadSize), a CRC mismatch (kBadChecksum), requantisation parameters or
// biases outside their documented ranges, labels not K NUL-terminated strings (kBadSize). Reads nothing outside image[0, size). Define
// TT_MODEL_NO_CHECKSUM to skip the CRC (saves about 0.3 s per 32 KB at 16 MHz on an AVR); the
// structural checks stay.
TT_NODISCARD TT_NOINLINE inline Status model_open(Model& m, const uint8_t* image, uint32_t size) {
  m.image = 0;
  TT_VERIFY(image != 0 && size >= kModelHeaderBytes + 4u, kBadSize);
  TT_VERIFY(detail::rd_u32(image) == 0x38515454u, kBadMagic);  // "TTQ8"
  const uint8_t flags = TT_READ_BYTE(image + 5);
  const uint8_t pool = TT_READ_BYTE(image + 6);
  // Bytes 36-39: the exact table's groups G with its flag, else 0 (reserved before the table).
  const uint32_t groups = detail::rd_u32(image + 36);
  TT_VERIFY(TT_READ_BYTE(image + 4) == TT_MODEL_FORMAT_VERSION &&
                TT_READ_BYTE(image + 19) == kTokenizerScheme && ((flags & kModelExactTable) || groups == 0) &&
                (flags & ~kModelFlagsKnown) == 0 && pool <= kPoolSum,
            kBadVersion);
  TT_VERIFY(!(flags & kModelExactTable) || (groups >= 1 && groups <= kMaxTableGroups), kBadSize);
  TT_VERIFY(detail::rd_u32(image + 8) == size, kBadSize);
  // The text row count less 1: 0 without the row, at most kMaxTextRowCount - 1 with it.
  const uint8_t extra = TT_READ_BYTE(image + 7);
  TT_VERIFY(extra == 0 || ((flags & kModelTextRow) && extra < kMaxTextRowCount), kBadSize);
  // Filled in place (no struct copy: no memcpy on a bare board); image set last.
  m.flags = flags;
  m.pool = pool;
  m.tokenizer.buckets = detail::rd_u32(image + 12);
  m.tokenizer.word_ngrams = TT_READ_BYTE(image + 16);
  m.tokenizer.char_min = TT_READ_BYTE(image + 17);
  m.tokenizer.char_max = TT_READ_BYTE(image + 18);
  m.tokenizer.fold_digits = (flags & kModelFoldDigits) ? 1 : 0;
  const uint32_t D = m.dim = detail::rd_u16(image + 20);
  const uint32_t H = m.hidden = detail::rd_u16(image + 22);
  const uint32_t K = m.outputs = detail::rd_u16(image + 24);
  const uint32_t label_bytes = detail::rd_u16(image + 26);
  TT_VERIFY(check_config(m.tokenizer) == kOk, kBadSize);
  // The embedding's rows: the buckets, the text row, the table's slots (at most 65536 in all).
  const uint32_t rows = m.tokenizer.buckets + ((flags & kModelTextRow) ? 1u : 0u) + kTableWays * groups;
  TT_VERIFY(rows <= kMaxBuckets, kBadSize);
  m.groups = (uint16_t)groups;
  TT_VERIFY(D >= 1 && D <= kModelMaxDim && H <= kModelMaxDim && K >= 1 && K <= kModelMaxDim, kBadSize);
  const bool linear = (flags & kModelLinear) != 0;
  TT_VERIFY(!linear || (H == 0 && D == K), kBadSize);
  TT_VERIFY(!(flags & kModelSoftmax) || K >= 2, kBadSize);
  // Activation limits: |fan-in x 127 x limit| <= 2^30, so int32 accumulators cannot overflow.
  // A limit is 0 exactly when its layer is absent (pooled: linear; hidden: H = 0).
  TT_VERIFY(detail::limit_ok(image + 28, linear ? 0u : D) &&
                detail::limit_ok(image + 30, H),
            kBadSize);
  // Layout; every term is < 2^29, so the sums cannot wrap.
  m.off_mpool = kModelHeaderBytes + rows * D + kTableWays * groups;
  const uint32_t b1 = detail::off_b1(m.off_mpool, D, H);
  const uint32_t b2 = m.off_b2 = detail::off_b2(b1, D, H, K, linear);
  const uint32_t end = detail::off_end(b2, K, linear, label_bytes);
  TT_VERIFY(end + 4u == size, kBadSize);
#if !defined(TT_MODEL_NO_CHECKSUM)
  TT_VERIFY(detail::crc32_image(image, end) == detail::rd_u32(image + end), kBadChecksum);
#endif
  TT_VERIFY(detail::params_ok(image + m.off_mpool, 0, m.dim) && detail::params_ok(image + b1, m.hidden, m.hidden),
            kBadSize);
  TT_VERIFY(linear || detail::params_ok(image + b2, m.outputs, m.outputs), kBadSize);
  // Labels: exactly K NUL-terminated strings: K NULs, the last byte one of them (K >= 1 NULs
  // make label_bytes >= 1, so end - 1 is a label byte).
  uint32_t nuls = 0;
  for (uint32_t i = end - label_bytes; i < end; ++i) nuls += TT_READ_BYTE(image + i) == 0 ? 1u : 0u;
  TT_VERIFY(nuls == K && TT_READ_BYTE(image + end - 1u) == 0, kBadSize);
  m.image = image;
  return kOk;
}

// Starts a new text. Refuses (kBadSize) a model larger than the state's template sizes, or an
// unopened model (kBadArgument); model_push then ignores bytes and model_read gives zeros.
template <class M, uint16_t D, uint16_t H, uint16_t K>
TT_NODISCARD inline Status model_reset(const M& m, ModelState<D, H, K>& s) {
#if TT_SMALL
  // Every byte zeroed by one loop (avr-libc's memset if gcc makes it one), then the two fields
  // that start non-zero: the same state as below in a fraction of the AVR code (an AVR stores
  // one byte per 4-byte instruction).
  uint8_t* p = (uint8_t*)&s;
  for (uint16_t i = 0; i < sizeof s; ++i) p[i] = 0;
  s.tok.word.h = kWordSeed;
  s.tok.word.w = detail::kWordOpen;
#else
  s.limit = 0;
  tokenizer_reset(s.tok);
  s.count = 0;
  for (uint16_t d = 0; d < D; ++d) s.acc[d] = 0;
#endif
  TT_VERIFY(detail::model_ready(m), kBadArgument);
  TT_VERIFY(m.dim <= D && m.hidden <= H && m.outputs <= K, kBadSize);
  s.limit = kSaturateAt;
  return kOk;
}

// Pushes one byte of text. O(features x D) int8 reads and adds; no allocation. Once
// kSaturateAt features were summed (a text of several megabytes), the rest of the text is
// ignored. A state that model_reset refused ignores every byte.
template <class M, uint16_t D, uint16_t H, uint16_t K>
inline void model_push(const M& m, ModelState<D, H, K>& s, uint8_t byte) {
  if (s.count >= s.limit) return;  // not reset, or saturated
  const uint16_t dim = D == 1 ? 1 : m.dim < D ? m.dim : D;
#if TT_SMALL
  // One sink for both paths: its set-up and store exist once (the hot path calls out of line anyway).
  detail::Hot<D, typename detail::EmbOf<M>::Type> sink;
  sink.init(m);
  sink.count = s.count;
  detail::hot_sums(sink, s.acc, dim);
  if (!tokenizer_word_byte(m.tokenizer, s.tok, byte, sink)) detail::other_byte(m.tokenizer, s.tok, byte, sink);
  s.count = sink.count;
  detail::hot_store(sink, s.acc);
#else
  const uint8_t k = byte_class(byte);
  if (detail::EndOnLocals<M, D>::value && k == kWordByte) {
    detail::Hot<D, typename detail::EmbOf<M>::Type> hot;  // never leaves this block: its fields stay in registers
    hot.init(m);
    hot.count = s.count;
    detail::hot_sums(hot, s.acc, dim);
    detail::word_byte(m.tokenizer, s.tok, word_byte_value(m.tokenizer, byte), hot);
    s.count = hot.count;
    detail::hot_store(hot, s.acc);
    return;
  }
  if (detail::EndOnLocals<M, D>::value) {
    detail::other_run<M>(m, s, byte, k);
    return;
  }
  {  // a run-time configuration (generic path): as before the static path
    detail::Hot<D, typename detail::EmbOf<M>::Type> hot;  // never leaves this block: its fields stay in registers
    hot.init(m);
    hot.count = s.count;
    detail::hot_sums(hot, s.acc, dim);
    if (tokenizer_word_byte(m.tokenizer, s.tok, byte, hot)) {
      s.count = hot.count;
      detail::hot_store(hot, s.acc);
      return;
    }
  }
  detail::Hot<D, typename detail::EmbOf<M>::Type> sink;
  sink.init(m);
  sink.count = s.count;
  detail::hot_sums(sink, s.acc, dim);
  detail::other_byte(m.tokenizer, s.tok, byte, sink);  // inline: its calls sit one frame above model_push
  s.count = sink.count;
  detail::hot_store(sink, s.acc);
#endif
}

namespace detail {

// TT_M0_ASM: model_push_text's runs in hand-written Thumb-1 (m0_push_run, below) for the one
// configuration it covers (M0Asm). 1 by default when compiling for a little-endian ARMv6-M core
// (Cortex-M0/M0+) with GCC or Clang and pgm.h's own TT_READ_BYTE (the loop reads the image with
// plain loads, so a project's own accessor, e.g. for external flash, keeps the C++ loop); define
// it 0 for push_run's C++ everywhere.
#ifndef TT_M0_ASM
#if defined(__GNUC__) && defined(__ARM_ARCH_6M__) && !defined(__ARMEB__) && !TT_SMALL && \
    defined(TT_READ_BYTE_IS_DEFAULT)
#define TT_M0_ASM 1
#else
#define TT_M0_ASM 0
#endif
#endif

// Whether model_push_text takes the assembly path: a StaticModel with D == 1, character 3-5
// grams, word bigrams, digits folded and no exact table (the exported 32 KB default for one
// output). Everything else runs push_run.
template <class M, uint16_t D>
struct M0Asm {
  static const bool value = false;
};
template <class S>
struct M0Asm<StaticModel<S>, 1> {
  static const bool value = S::char_min == 3 && S::char_max == 5 && S::word_ngrams == 2 &&
                            !(S::flags & kModelExactTable) &&  // its loop adds bucket rows only
                            (S::flags & kModelFoldDigits);     // and hashes every digit as '0'
};

#if TT_M0_ASM
// push_run for M0Asm in Thumb-1: the same state afterwards, bit for bit (w, old, len, h, prev,
// has_prev, count, acc[0]; the board digests and the bulk_edge workload compare it with the C++
// code). Why: GCC's Thumb-1 code for push_run keeps 9-10 live values in 8 low registers and
// spills; here every value stays in a register. sms32k_bulk: 88.9 -> 59.8 M0 instructions per
// byte, +124 B of code (docs/boards.md).
//
// Arguments: r0 p, r1 end, r2 the ModelState (offsets: push_bytes' static_assert), r3 the image
// (buckets from header bytes 12-14, the embedding at +40). Registers in the loop:
//   r0 idx = p - end, < 0     r4 buckets      r8  w of the last round (w at len = 4k)
//   r1 w                      r5 embedding    r9  acc[0]
//   r2 end                    r6, r7 scratch  r10 h (the word hash)
//   r3 len                                    r11 prev
//   [sp] the state                            r12 old of the last round
//                                             lr  count | has_prev << 31
// Invariants and the ways they differ from the C++ code:
// - old is not kept per byte: it is 0 below len 4, and changes only with bytes w shifts out;
//   the 5-gram reads that byte (w's low byte) before the shift. At a round (len % 4 == 0) r12
//   takes r8 (the open mark at a word's first round) and r8 takes w; at the run's end old =
//   (r12 >> 8 j) | (r8 << (32 - 8 j)), j = len % 4 (a register shift by 32 gives 0).
// - After a word ends, w is stale (w' of the '>' n-grams) until the next word byte: len 1
//   builds w from the open mark; the run's end stores kWordOpen for len 0.
// - The count is not incremented per feature: a word adds 3 len - 1 when it ends (its n-grams,
//   the word and the bigram: the C++ code's increments summed), one fewer without has_prev, one
//   more for len 1; a word open at either end of the run is corrected by F(len), the n-grams of
//   its bytes so far (0, 0, 1, then 3 len - 6). count < 2^24, so bit 31 carries has_prev: the
//   add of a word's count sets N = has_prev.
// - A word ends with its hash (sfh_finish_packed), the word and the bigram, then its n-grams
//   with '>' through the word bytes' n-gram code (r1 = (w >> 8) | '>' << 24, r6 = w's low byte),
//   which continues with the next byte. A punctuation byte after a word is read twice: the
//   word ends, then it is a one-byte word of its own.
__attribute__((naked, noinline)) inline void m0_push_run(const uint8_t*, const uint8_t*, void*, const uint8_t*) {
  __asm__ volatile(
      ".syntax unified\n"
      "  push {r4, r5, r6, r7, lr}\n"
      "  mov r4, r8\n"
      "  mov r5, r9\n"
      "  mov r6, r10\n"
      "  mov r7, r11\n"
      "  push {r4, r5, r6, r7}\n"
      "  push {r2}\n"  // [sp] the state
      "  mov r9, r3\n"  // the image, for now
      "  subs r0, r0, r1\n"  // idx = p - end
      "  mov r8, r1\n"
      "  ldr r1, [r2, #8]\n"  // w
      "  ldr r3, [r2, #4]\n"  // len
      "  ldr r7, =0x3C000000\n"  // kWordOpen: the last round's w before a word's 4th byte
      "  cmp r3, #4\n"
      "  blo .Ltt_in_round\n"
      "  ldr r4, [r2, #12]\n"  // old
      "  lsls r6, r3, #30\n"
      "  lsrs r6, r6, #27\n"  // 8 j, j = len & 3
      "  movs r7, r4\n"
      "  lsls r7, r6\n"
      "  mov r12, r7\n"  // the old of the last round: old << 8 j (its low bytes are never read)
      "  negs r6, r6\n"
      "  adds r6, #32\n"
      "  lsrs r4, r6\n"  // old >> (32 - 8 j): 0 for j = 0
      "  lsls r6, r3, #30\n"
      "  lsrs r6, r6, #27\n"
      "  movs r7, r1\n"
      "  lsls r7, r6\n"
      "  orrs r7, r4\n"  // the w of the last round: (w << 8 j) | (old >> (32 - 8 j))
      ".Ltt_in_round:\n"
      "  mov r6, r8\n"
      "  mov r8, r7\n"
      "  mov r7, r2\n"
      "  mov r2, r6\n"  // end
      "  mov r6, r9\n"
      "  ldrb r4, [r6, #12]\n"  // buckets: header bytes 12-14, little-endian (<= 65536)
      "  ldrb r5, [r6, #13]\n"
      "  lsls r5, r5, #8\n"
      "  orrs r4, r5\n"
      "  ldrb r5, [r6, #14]\n"
      "  lsls r5, r5, #16\n"
      "  orrs r4, r5\n"
      "  adds r6, #40\n"
      "  mov r5, r6\n"  // the embedding
      "  ldr r6, [r7, #0]\n"
      "  mov r10, r6\n"
      "  ldr r6, [r7, #16]\n"
      "  mov r11, r6\n"
      "  ldr r6, [r7, #32]\n"
      "  mov r9, r6\n"
      "  ldr r6, [r7, #24]\n"
      "  ldrb r7, [r7, #20]\n"  // has_prev: 0 or 1
      "  lsls r7, r7, #31\n"
      "  orrs r6, r7\n"
      // count -= F(len)
      "  cmp r3, #2\n"
      "  blo .Ltt_in_f\n"
      "  beq .Ltt_in_f1\n"
      "  lsls r7, r3, #1\n"
      "  adds r7, r7, r3\n"
      "  subs r7, #6\n"
      "  subs r6, r6, r7\n"
      "  b .Ltt_in_f\n"
      ".Ltt_in_f1:\n"
      "  subs r6, #1\n"
      ".Ltt_in_f:\n"
      "  mov lr, r6\n"
      "  cmp r0, #0\n"
      "  bne .Ltt_loop\n"
      "  b .Ltt_done\n"
      // A byte; the steady path: a lower-case byte, len >= 4 after it: three n-grams.
      ".Ltt_loop:\n"
      "  ldrb r6, [r2, r0]\n"
      "  lsls r7, r6, #24\n"
      "  subs r6, #97\n"
      "  cmp r6, #25\n"
      "  bhi .Ltt_notlower\n"
      ".Ltt_word:\n"  // r7 = the (lower-cased) byte << 24
      "  adds r3, #1\n"
      "  cmp r3, #3\n"
      "  bls .Ltt_short\n"
      "  uxtb r6, r1\n"  // the byte shifted out of w (old's top byte, after)
      "  lsrs r1, r1, #8\n"
      "  orrs r1, r7\n"  // w = (w >> 8) | (b << 24)
      "  lsls r7, r3, #30\n"
      "  beq .Ltt_round\n"
      ".Ltt_f5:\n"  // fold(w + (old >> 24) kCharMix) kCharMul5
      "  ldr r7, =0x9E3779B1\n"
      "  muls r6, r7\n"
      "  adds r6, r6, r1\n"
      "  lsrs r7, r6, #16\n"
      "  eors r6, r7\n"
      "  ldr r7, =0x165667B1\n"
      "  muls r6, r7\n"
      "  lsrs r6, r6, #16\n"
      "  muls r6, r4\n"
      "  lsrs r6, r6, #16\n"
      "  ldrsb r6, [r5, r6]\n"
      "  add r9, r6\n"
      ".Ltt_f4:\n"  // fold(w) kCharMul4
      "  lsrs r6, r1, #16\n"
      "  eors r6, r1\n"
      "  ldr r7, =0x27D4EB2F\n"
      "  muls r6, r7\n"
      "  lsrs r6, r6, #16\n"
      "  muls r6, r4\n"
      "  lsrs r6, r6, #16\n"
      "  ldrsb r6, [r5, r6]\n"
      "  add r9, r6\n"
      ".Ltt_f3:\n"  // fold(w >> 8) kCharMul3
      "  lsrs r6, r1, #8\n"
      "  lsrs r7, r1, #24\n"
      "  eors r6, r7\n"
      "  ldr r7, =0xC2B2AE3D\n"
      "  muls r6, r7\n"
      "  lsrs r6, r6, #16\n"
      "  muls r6, r4\n"
      "  lsrs r6, r6, #16\n"
      "  ldrsb r6, [r5, r6]\n"
      "  add r9, r6\n"
      ".Ltt_next:\n"
      "  adds r0, #1\n"
      "  bne .Ltt_loop\n"
      "  b .Ltt_done\n"
      ".Ltt_short:\n"  // len 1..3 (the flags of cmp r3, #3)
      "  beq .Ltt_s3\n"
      "  cmp r3, #2\n"
      "  beq .Ltt_s2\n"
      "  ldr r1, =0x003C0000\n"  // len 1: w from the open mark (w is stale after a word end)
      "  orrs r1, r7\n"
      "  adds r0, #1\n"
      "  bne .Ltt_loop\n"
      "  b .Ltt_done\n"
      ".Ltt_s3:\n"
      "  lsrs r1, r1, #8\n"
      "  orrs r1, r7\n"
      "  b .Ltt_f4\n"
      ".Ltt_s2:\n"
      "  lsrs r1, r1, #8\n"
      "  orrs r1, r7\n"
      "  b .Ltt_f3\n"
      ".Ltt_round:\n"  // StreamHash::word_round(h, w); r6 (the 5-gram's first byte) kept
      "  cmp r3, #4\n"
      "  bne .Ltt_round_n\n"
      "  ldr r7, =0x3C000000\n"  // a word's first round: the last round's w is the open mark
      "  mov r8, r7\n"
      ".Ltt_round_n:\n"
      "  mov r12, r8\n"
      "  mov r8, r1\n"
      "  push {r6}\n"
      "  mov r7, r10\n"
      "  uxth r6, r1\n"
      "  adds r7, r7, r6\n"
      "  lsrs r6, r1, #16\n"
      "  lsls r6, r6, #11\n"
      "  eors r6, r7\n"
      "  lsls r7, r7, #16\n"
      "  eors r7, r6\n"
      "  lsrs r6, r7, #11\n"
      "  adds r7, r7, r6\n"
      "  mov r10, r7\n"
      "  pop {r6}\n"
      "  b .Ltt_f5\n"
      ".Ltt_notlower:\n"  // byte_class on r6 = b - 'a', most frequent first
      "  adds r6, #97\n"
      "  cmp r6, #32\n"
      "  bls .Ltt_sep\n"
      "  subs r6, #65\n"
      "  cmp r6, #25\n"
      "  bls .Ltt_upper\n"
      "  adds r6, #17\n"
      "  cmp r6, #9\n"
      "  bls .Ltt_digit\n"
      "  adds r6, #48\n"
      "  cmp r6, #127\n"
      "  bhi .Ltt_word\n"  // >= 0x80
      "  beq .Ltt_sep\n"  // DEL
      "  cmp r3, #0\n"  // punctuation
      "  beq .Ltt_punct_word\n"
      "  subs r0, #1\n"  // end the pending word, then see this byte again
      "  b .Ltt_end\n"
      ".Ltt_punct_word:\n"  // a one-byte word of a reset state
      "  lsls r6, r6, #24\n"
      "  ldr r1, =0x003C0000\n"
      "  orrs r1, r6\n"
      "  movs r3, #1\n"
      "  b .Ltt_end\n"
      ".Ltt_upper:\n"
      "  adds r6, #97\n"
      "  lsls r7, r6, #24\n"
      "  b .Ltt_word\n"
      ".Ltt_digit:\n"  // folded (M0Asm: kModelFoldDigits): hashed as '0'
      "  movs r7, #3\n"
      "  lsls r7, r7, #28\n"
      "  b .Ltt_word\n"
      ".Ltt_sep:\n"
      "  cmp r3, #0\n"
      "  beq .Ltt_next\n"
      // The end of a word (len >= 1): its hash, the word, the bigram, word_reset, then the
      // n-grams with '>' through .Ltt_f5/f4/f3 (w' = (w >> 8) | '>' << 24 and r6 = w's low
      // byte, the old of w' on top), which continue with the next byte.
      ".Ltt_end:\n"  // sfh_finish_packed(h ^ len, w, len & 3) into r6
      "  mov r6, r10\n"
      "  eors r6, r3\n"
      "  lsls r7, r3, #31\n"  // N: bit 0 of len, C: bit 1
      "  bcs .Ltt_rem23\n"
      "  bpl .Ltt_avalanche\n"
      "  lsrs r7, r1, #24\n"
      "  adds r6, r6, r7\n"
      "  lsls r7, r6, #10\n"
      "  eors r6, r7\n"
      "  lsrs r7, r6, #1\n"
      "  adds r6, r6, r7\n"
      "  b .Ltt_avalanche\n"
      ".Ltt_rem23:\n"
      "  bmi .Ltt_rem3\n"
      "  lsrs r7, r1, #16\n"
      "  adds r6, r6, r7\n"
      "  lsls r7, r6, #11\n"
      "  eors r6, r7\n"
      "  lsrs r7, r6, #17\n"
      "  adds r6, r6, r7\n"
      "  b .Ltt_avalanche\n"
      ".Ltt_rem3:\n"
      "  lsrs r7, r1, #8\n"
      "  uxth r7, r7\n"
      "  adds r6, r6, r7\n"
      "  lsls r7, r6, #16\n"
      "  eors r6, r7\n"
      "  lsrs r7, r1, #24\n"
      "  lsls r7, r7, #18\n"
      "  eors r6, r7\n"
      "  lsrs r7, r6, #11\n"
      "  adds r6, r6, r7\n"
      ".Ltt_avalanche:\n"
      "  lsls r7, r6, #3\n"
      "  eors r6, r7\n"
      "  lsrs r7, r6, #5\n"
      "  adds r6, r6, r7\n"
      "  lsls r7, r6, #4\n"
      "  eors r6, r7\n"
      "  lsrs r7, r6, #17\n"
      "  adds r6, r6, r7\n"
      "  lsls r7, r6, #25\n"
      "  eors r6, r7\n"
      "  lsrs r7, r6, #6\n"
      "  adds r6, r6, r7\n"
      // the word
      "  lsrs r7, r6, #16\n"
      "  muls r7, r4\n"
      "  lsrs r7, r7, #16\n"
      "  ldrsb r7, [r5, r7]\n"
      "  add r9, r7\n"
      // count += 3 len - 1 (as if has_prev); N = has_prev
      "  lsls r7, r3, #1\n"
      "  adds r7, r7, r3\n"
      "  add r7, lr\n"
      "  subs r7, #1\n"
      "  mov lr, r7\n"
      "  bpl .Ltt_first\n"
      // the bigram; prev = h
      "  mov r7, r11\n"
      "  mov r11, r6\n"
      "  ldr r6, =0x9E3779B1\n"
      "  muls r7, r6\n"
      "  add r7, r11\n"
      "  lsrs r6, r7, #16\n"
      "  eors r7, r6\n"
      "  ldr r6, =0x85EBCA6B\n"
      "  muls r7, r6\n"
      "  lsrs r6, r7, #13\n"
      "  eors r7, r6\n"
      "  lsrs r7, r7, #16\n"
      "  muls r7, r4\n"
      "  lsrs r7, r7, #16\n"
      "  ldrsb r7, [r5, r7]\n"
      "  add r9, r7\n"
      ".Ltt_reset:\n"  // h; len below; w stays stale until the next word
      "  ldr r7, =0x2F0B3A49\n"  // kWordSeed
      "  mov r10, r7\n"
      "  uxtb r6, r1\n"
      "  lsrs r1, r1, #8\n"
      "  ldr r7, =0x3E000000\n"
      "  orrs r1, r7\n"
      "  cmp r3, #2\n"
      "  bls .Ltt_end_short\n"
      "  movs r3, #0\n"
      "  b .Ltt_f5\n"
      ".Ltt_end_short:\n"
      "  beq .Ltt_end2\n"
      "  movs r3, #0\n"  // len 1: one feature more than 3 len - 1
      "  mov r7, lr\n"
      "  adds r7, #1\n"
      "  mov lr, r7\n"
      "  b .Ltt_f3\n"
      ".Ltt_end2:\n"
      "  movs r3, #0\n"
      "  b .Ltt_f4\n"
      ".Ltt_first:\n"  // no bigram: one feature fewer; has_prev = 1
      "  mov r11, r6\n"
      "  subs r7, #1\n"
      "  movs r6, #1\n"
      "  lsls r6, r6, #31\n"
      "  orrs r7, r6\n"
      "  mov lr, r7\n"
      "  b .Ltt_reset\n"
      ".Ltt_done:\n"
      "  ldr r6, [sp]\n"
      "  cmp r3, #0\n"
      "  bne .Ltt_out_w\n"
      "  ldr r1, =0x3C000000\n"
      ".Ltt_out_w:\n"
      "  str r1, [r6, #8]\n"
      "  str r3, [r6, #4]\n"
      // old: 0 before a word's 4th byte, else from the last round's w and old
      "  movs r0, #0\n"
      "  cmp r3, #4\n"
      "  blo .Ltt_out_old\n"
      "  lsls r2, r3, #30\n"
      "  lsrs r2, r2, #27\n"
      "  mov r0, r12\n"
      "  lsrs r0, r2\n"
      "  negs r2, r2\n"
      "  adds r2, #32\n"
      "  mov r7, r8\n"
      "  lsls r7, r2\n"
      "  orrs r0, r7\n"
      ".Ltt_out_old:\n"
      "  str r0, [r6, #12]\n"
      "  mov r7, r10\n"
      "  str r7, [r6, #0]\n"
      "  mov r7, r11\n"
      "  str r7, [r6, #16]\n"
      "  mov r7, r9\n"
      "  str r7, [r6, #32]\n"
      "  mov r7, lr\n"
      "  lsrs r0, r7, #31\n"
      "  strb r0, [r6, #20]\n"
      "  lsls r7, r7, #1\n"
      "  lsrs r7, r7, #1\n"  // count += F(len)
      "  cmp r3, #2\n"
      "  blo .Ltt_out_f\n"
      "  beq .Ltt_out_f1\n"
      "  lsls r0, r3, #1\n"
      "  adds r0, r0, r3\n"
      "  subs r0, #6\n"
      "  adds r7, r7, r0\n"
      "  b .Ltt_out_f\n"
      ".Ltt_out_f1:\n"
      "  adds r7, #1\n"
      ".Ltt_out_f:\n"
      "  str r7, [r6, #24]\n"
      "  add sp, #4\n"
      "  pop {r4, r5, r6, r7}\n"
      "  mov r8, r4\n"
      "  mov r9, r5\n"
      "  mov r10, r6\n"
      "  mov r11, r7\n"
      "  pop {r4, r5, r6, r7, pc}\n"
      "  .ltorg\n");
}
#endif

// push_run's word byte on its locals: word_byte_value, then shift_in / StreamHash::push on w, old
// and len; the hash itself (every 4th byte) stays in the state.
template <class Cfg>
TT_INLINE void word_byte_on_locals(const Cfg& c, uint32_t& h, uint8_t b, uint32_t& w, uint32_t& old, uint32_t& len) {
  b = word_byte_value(c, b);
  old = (old >> 8) | (w << 24);
  w = (w >> 8) | ((uint32_t)b << 24);
  if ((++len & 3u) == 0) StreamHash::word_round(h, w);
}

// push_run's path for any other byte through the state: stores the locals, runs other_byte
// (inline, as model_push does) on a copy of the sink, and reloads them.
template <class Cfg, class Sink>
TT_INLINE void other_byte_via_state(const Cfg& c, TokenizerState& t, uint8_t b, uint32_t& w, uint32_t& old,
                                    uint32_t& len, Sink& hot) {
  t.word.w = w;
  t.word.len = len;
  t.old = old;
  Sink sink = hot;  // the out-of-line parts take it by reference
  other_byte(c, t, b, sink);
  hot = sink;
  w = t.word.w;
  len = t.word.len;
  old = t.old;
}

// The body of model_push_text: n bytes, none of which can reach the saturation limit (the caller
// checked). The word's packed registers, its hash, the count and (D == 1) the sum live in locals
// for the whole run, not in the state: a word byte loads and stores nothing but its n-grams' rows.
// Any other byte ends the word on the locals (EndOnLocals) or goes through the state.
template <class M, uint16_t D, uint16_t H, uint16_t K>
TT_NOINLINE void push_run(const M& m, ModelState<D, H, K>& s, const uint8_t* p, const uint8_t* end) {
  typedef Hot<D, typename EmbOf<M>::Type> Sink;
  const uint16_t dim = D == 1 ? 1 : m.dim < D ? m.dim : D;
  Sink hot;  // never address-taken: its fields stay in registers
  hot.init(m);
  hot.count = s.count;
  hot_sums(hot, s.acc, dim);
  uint32_t w = s.tok.word.w, old = s.tok.old, len = s.tok.word.len;
  for (; p != end; ++p) {
    const uint8_t b = *p;
    const uint8_t k = byte_class(b);
    if (k == kWordByte) {
      word_byte_on_locals(m.tokenizer, s.tok.word.h, b, w, old, len);
#if TT_SMALL
      if (m.tokenizer.char_min)
        emit_char_ngrams_cold<typename M::Tokenizer>(m.tokenizer, w, pack_old_len(old, len + 1u), hot);
#else
      if (m.tokenizer.char_min) emit_char_ngrams_unordered(m.tokenizer, w, old, len + 1u, hot);
#endif
#if !TT_SMALL
    } else if (EndOnLocals<M, D>::value) {
      other_on_locals(m.tokenizer, s.tok, b, k, w, old, len, hot);
#endif
    } else {
      other_byte_via_state(m.tokenizer, s.tok, b, w, old, len, hot);
    }
  }
  s.tok.word.w = w;
  s.tok.word.len = len;
  s.tok.old = old;
  s.count = hot.count;
  hot_store(hot, s.acc);
}

// One run of model_push_text: m0_push_run where it applies (called from here: no push_run frame
// around it), else push_run.
template <class M, uint16_t D, uint16_t H, uint16_t K>
TT_INLINE void push_bytes(const M& m, ModelState<D, H, K>& s, const uint8_t* p, const uint8_t* end) {
#if TT_M0_ASM
  if (M0Asm<M, D>::value) {
    typedef ModelState<D, H, K> St;
    static_assert(offsetof(St, tok) == 0 && offsetof(TokenizerState, word) == 0 && offsetof(StreamHash, h) == 0 &&
                      offsetof(StreamHash, len) == 4 && offsetof(StreamHash, w) == 8 &&
                      offsetof(TokenizerState, old) == 12 && offsetof(TokenizerState, prev) == 16 &&
                      offsetof(TokenizerState, has_prev) == 20 && offsetof(St, count) == 24 &&
                      offsetof(St, acc) == 32,
                  "m0_push_run reads and writes the state at these offsets");
    m0_push_run(p, end, &s, image_of(m));
    return;
  }
#endif
  push_run(m, s, p, end);
}

}  // namespace detail

// Pushes n bytes of text: the same as model_push for each, in one call (a bulk API for a text
// that is in memory: a received line, a buffer; not PROGMEM on an AVR). Cheaper per byte: the
// tokenizer state and the sums stay in registers across the bytes of a word. The saturation rule
// is model_push's (a byte is taken while count < kSaturateAt): runs of bytes that cannot reach
// the limit (at most kMaxPerByte features each), the last few before it one at a time.
template <class M, uint16_t D, uint16_t H, uint16_t K>
inline void model_push_text(const M& m, ModelState<D, H, K>& s, const uint8_t* p, size_t n) {
  while (n) {
    if (s.count >= s.limit) return;  // not reset, or saturated
    // Bytes of at most 15 features each that stay below the limit; at least one (count < limit:
    // model_push would take this byte too).
    const uint32_t room = (s.limit - s.count) >> 4;
    const size_t run = !room ? 1u : room < n ? (size_t)room : n;
    detail::push_bytes(m, s, p, p + run);
    p += run;
    n -= run;
  }
}

namespace detail {

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
    const uint16_t g = rd_u16(ModelTables<void>::sigmoid_q17 + 2u * i);                // Q17
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

// model_read's stages after the pending word. Each is out of line and called from model_read
// itself, one after the other, so their frames (the layout, the hidden activations) never sit
// on top of the finish-a-word chain or of each other.
// With TT_SMALL (AVR), the pooling and the head are inline in model_read instead: fewer
// prologues (about 190 bytes of AVR flash) for a few bytes more of model_read's frame.
#if TT_SMALL
#define TT_READ_STAGE TT_INLINE
#else
#define TT_READ_STAGE TT_COLD_CALL
#endif

// Pooling and its requantisation of out.features features: x[d] (or, for a linear model, the
// logits).
template <uint16_t D, uint16_t K, class M>
TT_READ_STAGE void read_pool(typename ModelArg<M>::Type m, const int32_t* sums, int16_t* x, ModelScores<K>& out) {
  const uint32_t count = out.features;
  uint32_t den;
  uint8_t p;
  pool_divisor(m.pool, count, &den, &p);
  const bool linear = (m.flags & kModelLinear) != 0;
  const uint16_t dim = m.dim < D ? m.dim : D;
  for (uint16_t d = 0; d < D; ++d) x[d] = 0;  // (keeps gcc's -Wmaybe-uninitialized quiet; D stores)
  for (uint16_t d = 0; d < dim; ++d) {
    // Pooled, in embedding units with 8 fractional bits.
    const int32_t t = count ? pool_q8(sums[d], den, p) : 0;
    const uint8_t* image = image_of(m);
    const int32_t r = rescale_at(t, image + m.off_mpool + (uint32_t)d * kRescaleBytes);
    if (linear) {
      out.logit[d < K ? d : 0] = add_sat32(r, rd_i32(image + m.off_b2 + 4u * (uint32_t)d));
    } else {
      const int32_t ap = (int32_t)rd_u16(image + 28);
      x[d] = (int16_t)clamp32(r, -ap, ap);
    }
  }
}

// The hidden layer (if any) and the output layer of a non-linear model: the logits. Walks the
// image's sections in order (the same offsets as Layout, which would cost 32 bytes of stack).
template <uint16_t D, uint16_t H, uint16_t K, class M>
TT_COLD_CALL void read_dense(typename ModelArg<M>::Type m, const int16_t* x, ModelScores<K>& out) {
  const uint16_t dim = m.dim < D ? m.dim : D;  // (model_read checked m.dim <= D, and so on)
  const uint16_t hidden = m.hidden < H ? m.hidden : H;
  const uint16_t outputs = m.outputs < K ? m.outputs : K;
  int16_t a[H ? H : 1];
  for (uint16_t j = 0; j < (H ? H : 1); ++j) a[j] = 0;
  const int16_t* in = x;
  uint16_t fan_in = dim;
  const uint8_t* w = image_of(m) + m.off_mpool + (uint32_t)dim * kRescaleBytes;  // w1, or w2 if H = 0
  if (hidden) {
    const int32_t ah = (int32_t)rd_u16(image_of(m) + 30);
    const uint8_t* b = w + (uint32_t)hidden * dim;  // b1
    const uint8_t* q = b + 4u * (uint32_t)hidden;   // m1
    for (uint16_t j = 0; j < hidden; ++j, b += 4, q += kRescaleBytes) {
      int32_t sum = rd_i32(b);
      for (uint16_t d = 0; d < dim; ++d) sum += rd_i8(w++) * (int32_t)x[d];
      a[j] = (int16_t)clamp32(rescale_at(sum, q), 0, ah);  // ReLU and saturation
    }
    w = q;  // w2
    in = a;
    fan_in = hidden;
  }
  const uint8_t* b = image_of(m) + m.off_b2;
  const uint8_t* q = b + 4u * (uint32_t)outputs;  // m2
  for (uint16_t k = 0; k < outputs; ++k, b += 4, q += kRescaleBytes) {
    int32_t sum = rd_i32(b);
    for (uint16_t j = 0; j < fan_in; ++j) sum += rd_i8(w++) * (int32_t)in[j];
    out.logit[k] = rescale_at(sum, q);
  }
}

// The head: argmax, probabilities (sigmoid per output or softmax) and ranking scores.
template <uint16_t K, class M>
TT_READ_STAGE void read_head(typename ModelArg<M>::Type m, ModelScores<K>& out) {
  const uint16_t outputs = m.outputs < K ? m.outputs : K;
  for (uint16_t k = 1; k < outputs; ++k)
    if (out.logit[k] > out.logit[out.best]) out.best = k;

  if (K >= 2 && (m.flags & kModelSoftmax)) {  // (K = 1 cannot be softmax: compiled out)
    // e_k = e^-(top - z_k) in Q31, scaled down by 2^sh so that the sum of K of them fits 31 bits.
    const uint32_t top = (uint32_t)out.logit[out.best];
    uint8_t sh = 1;
    while (((uint32_t)1 << sh) < outputs) ++sh;
    uint32_t sum = 0;
    for (uint16_t k = 0; k < outputs; ++k) sum += exp_neg_q31(top - (uint32_t)out.logit[k]) >> sh;
    for (uint16_t k = 0; k < outputs; ++k) {
      const uint32_t e = exp_neg_q31(top - (uint32_t)out.logit[k]) >> sh;
      const uint32_t r = div_round(e, sum, 30);  // Q30, <= 2^30
      out.rank[k] = (int32_t)r;
      out.prob[k] = (uint16_t)((r + ((uint32_t)1 << 14)) >> 15);  // Q15, <= 32768
    }
  } else {
    for (uint16_t k = 0; k < outputs; ++k) {
      out.prob[k] = sigmoid_q15(out.logit[k]);
      out.rank[k] = out.logit[k];
    }
  }
}

// The sums model_read pools. D == 1: the one sum travels in the sink (no copy of s.acc);
// otherwise s.acc is copied into `copy` and the sink adds into that.
template <uint16_t D, class E>
TT_INLINE void read_sums(Hot<D, E>& h, const int32_t* acc, int32_t* copy, uint16_t dim) {
  for (uint16_t d = 0; d < D; ++d) copy[d] = acc[d];
  hot_sums(h, copy, dim);
}
template <class E>
TT_INLINE void read_sums(Hot<1, E>& h, const int32_t* acc, int32_t*, uint16_t) { h.acc0 = acc[0]; }

// The body of model_read (out of line; the model by value if static).
template <class M, uint16_t D, uint16_t H, uint16_t K>
TT_COLD_CALL void read(typename ModelArg<M>::Type m, const ModelState<D, H, K>& s, ModelScores<K>& out) {
  out.outputs = m.outputs;
  out.best = 0;
  out.features = 0;
  for (uint16_t k = 0; k < K; ++k) {
    out.logit[k] = 0;
    out.rank[k] = 0;
    out.prob[k] = 0;
  }
  if (!s.limit || m.dim > D || m.hidden > H || m.outputs > K) {  // a caller bug; stay in bounds
    TT_ASSERT(s.limit);
    return;
  }
  int32_t sums[D];
  uint32_t count;
  {
    detail::Hot<D, typename detail::EmbOf<M>::Type> sink;
    sink.init(m);
    sink.count = s.count;
    detail::read_sums(sink, s.acc, sums, m.dim);
    tokenizer_pending(m.tokenizer, s.tok, sink);
    // The text row: c times per text, as if it were the last c features (model_push never adds it).
    if (m.flags & kModelTextRow) sink.add_rows(m.tokenizer.buckets, text_row_count(m));
    detail::hot_store(sink, sums);
    count = sink.count;
  }
  out.features = count;
  int16_t x[D];
  detail::read_pool<D, K, M>(m, sums, x, out);
  if (!(m.flags & kModelLinear)) detail::read_dense<D, H, K, M>(m, x, out);
  detail::read_head<K, M>(m, out);
}

}  // namespace detail

// The scores as if the text ended now. `s` is not changed: its pending word's features are
// added into a copy of the sums (D == 1: a register), the tokenizer state is only read.
template <class M, uint16_t D, uint16_t H, uint16_t K>
TT_INLINE void model_read(const M& m, const ModelState<D, H, K>& s, ModelScores<K>& out) {
  detail::read<M>(m, s, out);
}

// The decision threshold of output k as a Q16.16 logit (sigmoid heads).
template <class M>
inline int32_t model_threshold(const M& m, uint16_t k) {
  TT_ASSERT(k < m.outputs);
  if (k >= m.outputs) return detail::kInt32Max;
  const bool linear = (m.flags & kModelLinear) != 0;
  const uint32_t K = m.outputs;
  const uint32_t thr = m.off_b2 + 4u * K + (linear ? 0u : K * detail::kRescaleBytes);  // as in Layout
  return detail::rd_i32(detail::image_of(m) + thr + 4u * (uint32_t)k);
}

// The model's verdict for output k: softmax, k is the argmax; sigmoid, logit >= threshold.
template <class M, uint16_t K>
inline bool model_positive(const M& m, const ModelScores<K>& s, uint16_t k) {
  if (k >= m.outputs || k >= K) return false;
  if (m.flags & kModelSoftmax) return s.best == k;
  return s.logit[k] >= model_threshold(m, k);
}

// How many times model_read counts the text row: c (1 .. 255); 0 for a model without the row.
template <class M>
inline uint8_t model_text_row_count(const M& m) {
  return detail::model_ready(m) && (m.flags & kModelTextRow) ? detail::text_row_count(m) : (uint8_t)0;
}

// The CRC-32 of the float model the image was quantised from (header bytes 32..35).
template <class M>
inline uint32_t model_id(const M& m) {
  return detail::model_ready(m) ? detail::rd_u32(detail::image_of(m) + 32) : 0u;
}

// Copies the name of output k (NUL-terminated) into buf[0, cap). kOverflow (and an empty
// string when cap > 0) if it does not fit; kBadArgument for k out of range.
template <class M>
TT_NODISCARD inline Status model_label(const M& m, uint16_t k, uint8_t* buf, uint16_t cap) {
  TT_VERIFY(cap > 0 && buf != 0, kBadArgument);
  buf[0] = 0;
  TT_VERIFY(detail::model_ready(m) && k < m.outputs, kBadArgument);
  detail::Layout l;
  detail::layout_of(m, l);
  const uint8_t* p = detail::image_of(m) + l.labels;
  const uint8_t* end = p + detail::rd_u16(detail::image_of(m) + 26);
  for (uint16_t i = 0; i < k; ++i) {
    while (TT_READ_BYTE(p) != 0) ++p;
    ++p;
  }
  uint16_t n = 0;
  while (p < end) {
    const uint8_t c = TT_READ_BYTE(p++);
    if (n >= cap) {
      buf[0] = 0;
      return kOverflow;
    }
    buf[n++] = c;
    if (c == 0) return kOk;
  }
  buf[0] = 0;
  return kBadSize;
}

}  // namespace tt

#endif  // TINYTEXT_MODEL_H
