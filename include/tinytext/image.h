// The device image: its layout (a 40-byte header, the int8/int32 tensors and requantisation
// parameters, the labels, a CRC-32; docs/model-format.md and docs/export.md), the checked view of
// one opened at run time (Model, model_open) and of one compiled in (StaticModel). model_open()
// checks the image once; after that the kernels read it without further checks, because every
// offset was derived from sizes that were checked against the image length.
#ifndef TINYTEXT_IMAGE_H
#define TINYTEXT_IMAGE_H

#include "config.h"
#include "detail/numerics.h"
#include "pgm.h"
#include "tokenizer.h"

// Version of the device image layout. An image or a generated model header for another version
// is refused (model_open returns kBadVersion; the generated header fails to compile).
#define TT_MODEL_FORMAT_VERSION 2

namespace tt {

static const uint32_t kModelHeaderBytes = 40;
static const uint16_t kModelMaxDim = 4096;      // D, H and K are each at most this

static const uint8_t kMaxTextRowCount = 255;    // the text row counts c = 1 .. this many times (image byte 7: c - 1)

static const int32_t kAccBound = 1073741824;    // 2^30: |int32 bias| and |fan-in x 127 x act limit| bound

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
}  // namespace tt

#endif  // TINYTEXT_IMAGE_H
