// The device image: the one definition of its layout (docs/model-format.md), and the checked views
// of an image opened at run time (Model, model_open) and of one compiled in (StaticModel).
//
// An image is a 40-byte header, then its sections in this order (ImageSection), then nothing:
//   fingerprints   4G u8: the exact table's slots (flag), each group's four strictly ascending
//                  (image_row); at offset 40, so 4-byte aligned in an aligned image
//   embedding      rows x D int8: the B bucket rows, the text row (flag), the 4G exact-table rows
//   pool requant   D requantisers (int32 mult, u8 shift: kRescaleBytes each)
//   w1, b1, m1     H x D int8, H int32, H requantisers (the hidden layer; H = 0: none)
//   w2             K x fan-in int8 (fan-in H, or D without a hidden layer; none for a linear model)
//   b2             K int32 (Q16.16 for a linear model)
//   m2             K requantisers (none for a linear model)
//   thresholds     K int32, Q16.16 logits
//   labels         label_bytes: K NUL-terminated names
//   crc            u32 CRC-32 of every byte before it
// Every multi-byte field is little-endian. Every writer (src/quant/image_writer.cc), reader
// (model_open, the kernels, the exporter, the host loader) and test finds a field through the
// names below: kHdr* for the header, section_at for the sections.
//
// model_open() checks an image once; after that the kernels read it without further checks. The
// invariant it establishes is stated above model_open.
#ifndef TINYTEXT_IMAGE_H
#define TINYTEXT_IMAGE_H

#include "config.h"
#include "detail/numerics.h"
#include "pgm.h"
#include "tokenizer.h"

// Version of the device image layout and of its bounds. An image or a generated model header of
// another version is refused (model_open returns kBadVersion; the generated header fails to
// compile): re-run `tinytext quantize` and `tinytext export` to upgrade.
#define TT_MODEL_FORMAT_VERSION 4

namespace tt {

// The header's fields: byte offsets in the image.
enum ImageHeaderField {
  kHdrMagic = 0,          // u32 kImageMagic
  kHdrVersion = 4,        // u8 TT_MODEL_FORMAT_VERSION
  kHdrFlags = 5,          // u8 ModelFlag bits
  kHdrPool = 6,           // u8 ModelPoolKind
  kHdrTextRowExtra = 7,   // u8 the text row count c less 1 (0 without the text row)
  kHdrSize = 8,           // u32 the image's length, CRC included
  kHdrBuckets = 12,       // u32 B, the hashed rows (TokenizerConfig::buckets)
  kHdrWordNgrams = 16,    // u8 TokenizerConfig::word_ngrams
  kHdrCharMin = 17,       // u8 TokenizerConfig::char_min
  kHdrCharMax = 18,       // u8 TokenizerConfig::char_max
  kHdrScheme = 19,        // u8 kTokenizerScheme
  kHdrDim = 20,           // u16 D, the embedding dims
  kHdrHidden = 22,        // u16 H, the hidden units (0: none)
  kHdrOutputs = 24,       // u16 K, the outputs
  kHdrLabelBytes = 26,    // u16 the labels' length
  kHdrPoolLimit = 28,     // u16 the pooled activations' limit (0 for a linear model)
  kHdrHiddenLimit = 30,   // u16 the hidden activations' limit (0 without a hidden layer)
  kHdrParentCrc = 32,     // u32 the CRC-32 of the float model the image was quantised from
  kHdrTableGroups = 36    // u32 G, the exact table's groups (0 without the table)
};
static const uint32_t kModelHeaderBytes = 40;     // where the first section starts

static const uint32_t kImageMagic = 0x38515454u;  // "TTQ8" read as a little-endian u32

// The alignment of a generated image array (NAME_model_data): 4, so that the fingerprints (offset
// 40) and the embedding (40 + 4G) can be read a word at a time; none on an AVR (byte loads only).
#if defined(__AVR__)
#define TT_IMAGE_ALIGN
#else
#define TT_IMAGE_ALIGN alignas(4)
#endif

// Header byte kHdrFlags. The float model file's SHAP section stores the bits from kModelTextRow
// up (the ones a float model has; linear and softmax are fields of their own there) shifted down
// by kShapeFlagsShift (src/model/model_io.cc).
enum ModelFlag {
  kModelLinear = 1,       // no dense layers: the pooled values, requantised, are the logits (D = K)
  kModelSoftmax = 2,      // a softmax head (K >= 2); else a sigmoid per output
  kModelTextRow = 4,      // the embedding has one more row, index B, that every text contains c times
  kModelExactTable = 8,   // an exact table of G groups of kTableWays slots (feature_row)
  kModelFoldDigits = 16   // the tokenizer hashes every digit as '0' (TokenizerConfig::fold_digits)
};
static const uint8_t kModelFlagsKnown =
    kModelLinear | kModelSoftmax | kModelTextRow | kModelExactTable | kModelFoldDigits;
static const uint8_t kShapeFlagsShift = 2;
// Header byte kHdrPool.
enum ModelPoolKind { kPoolMean = 0, kPoolSqrt = 1, kPoolSum = 2 };

// The sections, in image order.
enum ImageSection {
  kSecFingerprints,
  kSecEmbedding,
  kSecPoolRequant,
  kSecW1,
  kSecB1,
  kSecM1,
  kSecW2,
  kSecB2,
  kSecM2,
  kSecThresholds,
  kSecLabels,
  kSecCrc,
  kSecEnd  // one past the CRC: section_at(kSecEnd, s) is the image's length
};
static const uint16_t kModelMaxDim = 4096;    // D, H and K are each at most this
static const uint8_t kMaxTextRowCount = 255;  // the text row counts c = 1 .. this many times
static const uint8_t kTableWays = 4;          // feature_row's lookup is unrolled for 4
static const uint32_t kMaxTableGroups = 16383;  // 4G slot rows + B + text row stay 16-bit indices

// The bounds model_open checks on the dense layers (see the invariant above model_open): with
// int8 weights in [-128, 127], |bias| <= kAccBound and activations within a limit lim, where
// lim x fan-in <= kMaxLimitFanIn, every partial sum of bias + sum(weight x activation) is within
// 2^30 + 128 (2^23 - 1) < 2^31.
static const int32_t kAccBound = 1073741824;       // 2^30: |int32 bias| of a dense layer
static const uint16_t kMaxActLimit = 32767;        // an activation limit (int16 activations)
static const uint32_t kMaxLimitFanIn = 8388607u;   // 2^23 - 1: activation limit x its layer's fan-in

// The one place a feature hash becomes an embedding row (the host trainer, the float model and
// both device paths call it). Without a table (groups 0): bucket_of(hash, buckets). With one:
// group g = bucket_of(hash, groups), fingerprint f = hash bits 8-15 (bits 16-31 pick the group
// and the bucket; the low byte of a character n-gram's hash depends on two of its bytes only); if
// one of the group's kTableWays fingerprint bytes fp[4g .. 4g + 3] equals f, the row is first +
// 4g + i for the first such i, else bucket_of(hash, buckets). fp is read through TT_READ_BYTE.
TT_INLINE uint8_t table_fingerprint(uint32_t hash) { return (uint8_t)(hash >> 8); }  // bits 8-15
TT_INLINE uint32_t feature_row(uint32_t hash, uint32_t buckets, uint32_t groups, FlashAddr fp, uint32_t first) {
  if (groups) {
    const uint32_t g = (uint32_t)bucket_of(hash, groups) * kTableWays;
    const uint8_t f = table_fingerprint(hash);
    const FlashAddr p = fp + g;
    // Unrolled (kTableWays == 4): -Os keeps a loop's counter otherwise.
    if (TT_READ_BYTE(p) == f) return first + g;
    if (TT_READ_BYTE(p + 1) == f) return first + g + 1u;
    if (TT_READ_BYTE(p + 2) == f) return first + g + 2u;
    if (TT_READ_BYTE(p + 3) == f) return first + g + 3u;
  }
  return bucket_of(hash, buckets);
}

// feature_row in an image, whose groups hold their fingerprints strictly ascending (the writer
// sorts each group with its slot rows; model_open checks the order): the same row, found by a
// search of the sorted group, so a miss compares two or three fingerprints instead of four.
TT_INLINE uint32_t image_row(uint32_t hash, uint32_t buckets, uint32_t groups, FlashAddr fp, uint32_t first) {
  if (groups) {
    const uint32_t g = (uint32_t)bucket_of(hash, groups) * kTableWays;
    const uint8_t f = table_fingerprint(hash);
    const FlashAddr p = fp + g;
    const uint8_t a = TT_READ_BYTE(p + 1);
    if (f <= a) {
      if (f == a) return first + g + 1u;
      if (f == TT_READ_BYTE(p)) return first + g;
    } else {
      const uint8_t b = TT_READ_BYTE(p + 2);
      if (f == b) return first + g + 2u;
      if (f > b && f == TT_READ_BYTE(p + 3)) return first + g + 3u;
    }
  }
  return bucket_of(hash, buckets);
}


// What the layout depends on: the header's shape fields.
struct ImageShape {
  uint32_t buckets;                // B
  uint16_t dim, hidden, outputs;   // D, H, K
  uint16_t groups;                 // G
  uint16_t label_bytes;
  uint8_t flags;                   // ModelFlag bits
};

// The length of section `sec` in an image of shape s: with section_span, the one definition of
// the layout. (Every term is < 2^29 for a shape model_open accepts, so no sum wraps.)
TT_INLINE constexpr uint32_t section_bytes(ImageSection sec, ImageShape s) {
  return sec == kSecFingerprints ? kTableWays * (uint32_t)s.groups
         : sec == kSecEmbedding
             ? (s.buckets + ((s.flags & kModelTextRow) ? 1u : 0u) + kTableWays * (uint32_t)s.groups) * s.dim
         : sec == kSecPoolRequant ? (uint32_t)s.dim * detail::kRescaleBytes
         : sec == kSecW1          ? (uint32_t)s.hidden * s.dim
         : sec == kSecB1          ? 4u * s.hidden  // < 2^16 (H <= 4096): a 16-bit product on an AVR
         : sec == kSecM1          ? (uint32_t)s.hidden * detail::kRescaleBytes
         : sec == kSecW2 ? ((s.flags & kModelLinear) ? 0u : (uint32_t)s.outputs * (s.hidden ? s.hidden : s.dim))
         : sec == kSecB2 ? 4u * s.outputs  // < 2^16, as 4H
         : sec == kSecM2 ? ((s.flags & kModelLinear) ? 0u : (uint32_t)s.outputs * detail::kRescaleBytes)
         : sec == kSecThresholds ? 4u * s.outputs
         : sec == kSecLabels     ? s.label_bytes
         : sec == kSecCrc        ? 4u
                                 : 0u;
}

namespace detail {
TT_INLINE constexpr uint32_t span_term(ImageSection sec, ImageSection from, ImageSection to, ImageShape s) {
  return from <= sec && sec < to ? section_bytes(sec, s) : 0u;
}
}  // namespace detail

// The bytes of the sections [from, to). Not recursive: with constant from and to (every caller)
// it folds to the few products it needs.
TT_INLINE constexpr uint32_t section_span(ImageSection from, ImageSection to, ImageShape s) {
  return detail::span_term(kSecFingerprints, from, to, s) + detail::span_term(kSecEmbedding, from, to, s) +
         detail::span_term(kSecPoolRequant, from, to, s) + detail::span_term(kSecW1, from, to, s) +
         detail::span_term(kSecB1, from, to, s) + detail::span_term(kSecM1, from, to, s) +
         detail::span_term(kSecW2, from, to, s) + detail::span_term(kSecB2, from, to, s) +
         detail::span_term(kSecM2, from, to, s) + detail::span_term(kSecThresholds, from, to, s) +
         detail::span_term(kSecLabels, from, to, s) + detail::span_term(kSecCrc, from, to, s);
}

// Where section `sec` starts in an image of shape s (kSecEnd: the image's length).
TT_INLINE constexpr uint32_t section_at(ImageSection sec, ImageShape s) {
  return kModelHeaderBytes + section_span(kSecFingerprints, sec, s);
}
// A checked view of a device image. Filled by model_open; plain data, no pointers into RAM
// other than `image`. Kept small (28 bytes on a Cortex-M0, 24 on an AVR): whatever can be read
// from the checked header or derived from the sizes is not stored (detail::section_of).
struct Model {
  typedef TokenizerConfig Tokenizer;
  FlashAddr image;  // the image (flash); 0 until model_open succeeds
  TokenizerConfig tokenizer;
  uint16_t dim, hidden, outputs;  // D, H (0: none), K
  uint8_t flags;                  // ModelFlag bits
  uint8_t pool;                   // ModelPoolKind
  uint16_t groups;                // G: the exact table's groups (0: none)
  uint32_t off_mpool;             // section_at(kSecPoolRequant)
  uint32_t off_b2;                // section_at(kSecB2)
};

namespace detail {
// The shape of a spec's image (StaticModel's constants).
template <class S>
constexpr ImageShape spec_shape() {
  return ImageShape{S::buckets, S::dim, S::hidden, S::outputs, S::table_groups, S::label_bytes, S::flags};
}
}  // namespace detail

// A model whose shape is known at compile time: the generated model header (tinytext export)
// defines a spec S and `typedef tt::StaticModel<S> NAME_model`. S holds the image and its header
// fields as constants:
//   static FlashAddr image();  (the image array's address)   static const uint32_t bytes;  (its size)
//   static const uint8_t format, scheme;  (TT_MODEL_FORMAT_VERSION, kTokenizerScheme)
//   static const uint32_t buckets;  static const uint8_t word_ngrams, char_min, char_max;
//   static const uint16_t dim, hidden, outputs, label_bytes;  static const uint8_t flags, pool;
//   static const uint8_t text_row_count;  (c, 1 .. 255; 1 without the text row)
//   static const uint16_t table_groups;   (G, 0 without the exact table)
// The members below have the names of Model's fields, so model_reset/push/read (templates on the
// model type) read both alike, and with a StaticModel every shape test and offset folds: no
// dense layers for a linear model, no softmax for K = 1, no bigram or n-gram code the model does
// not use, constant addresses. model_open's checks of the header's version and shape fields are
// static_asserts here (a mismatch does not compile); the rest (magic, activation limits,
// parameter ranges, labels, CRC: read from the image, not from S) the exporter checked with
// model_open when it wrote the image. An empty object: `NAME_model m;` costs no RAM and
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
  static const uint8_t kTextRowCount = S::text_row_count;  // c
  static const uint16_t groups = S::table_groups;          // G
  // The first slot row of the exact table (B, plus the text row), where its fingerprints are, and
  // where the embedding is.
  static const uint32_t kTableFirst = S::buckets + ((S::flags & kModelTextRow) ? 1u : 0u);
  static const uint32_t kTableAt = section_at(kSecFingerprints, detail::spec_shape<S>());
  static const uint32_t kEmbAt = section_at(kSecEmbedding, detail::spec_shape<S>());
  // The offsets a Model keeps.
  static const uint32_t off_mpool = section_at(kSecPoolRequant, detail::spec_shape<S>());
  static const uint32_t off_b2 = section_at(kSecB2, detail::spec_shape<S>());

  static_assert(S::format == TT_MODEL_FORMAT_VERSION,
                "the model header holds an image of another format version: re-run tinytext quantize and export");
  static_assert(S::scheme == kTokenizerScheme, "the model was trained with another tokenizer scheme");
  static_assert(S::dim >= 1 && S::dim <= kModelMaxDim && S::hidden <= kModelMaxDim && S::outputs >= 1 &&
                    S::outputs <= kModelMaxDim,
                "D, K in [1, 4096], H in [0, 4096]");
  static_assert((S::flags & ~kModelFlagsKnown) == 0 && S::pool <= kPoolSum, "unknown flags or pooling");
  static_assert(!kLinear || (S::hidden == 0 && S::dim == S::outputs), "a linear model has H = 0 and D = K");
  static_assert(!(S::flags & kModelSoftmax) || S::outputs >= 2, "a softmax head has K >= 2");
  static_assert(S::label_bytes >= S::outputs, "K NUL-terminated labels");
  static_assert(S::text_row_count >= 1 && S::text_row_count <= kMaxTextRowCount &&
                    (S::text_row_count == 1 || (S::flags & kModelTextRow)),
                "the text row count is 1 .. 255, and 1 without the text row");
  static_assert(S::table_groups <= kMaxTableGroups && ((S::flags & kModelExactTable) != 0) == (S::table_groups != 0) &&
                    kTableFirst + kTableWays * (uint32_t)S::table_groups <= kMaxBuckets,
                "the exact table has 1 .. 16383 groups with its flag, none without, and at most 65536 rows in all");
  static_assert(section_at(kSecEnd, detail::spec_shape<S>()) == S::bytes, "the image size does not match its shape");
};

namespace detail {

// The image of either kind of model, and whether it can be used (a Model: model_open succeeded).
TT_INLINE FlashAddr image_of(const Model& m) { return m.image; }
template <class S>
TT_INLINE FlashAddr image_of(const StaticModel<S>&) { return S::image(); }
TT_INLINE bool model_ready(const Model& m) { return m.image != 0; }
template <class S>
TT_INLINE bool model_ready(const StaticModel<S>&) { return true; }
// c, the times model_read adds the text row (if the model has it): image byte 7 plus 1 (checked by
// model_open; not kept in Model, which stays small), or the spec's constant.
TT_INLINE uint8_t text_row_count(const Model& m) { return (uint8_t)(TT_READ_BYTE(m.image + kHdrTextRowExtra) + 1u); }
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

// A model's shape, but for the labels' length (0: section_at is right up to kSecLabels), and
// where section `sec` (kSecPoolRequant .. kSecLabels) of its image starts: from the offset the
// model keeps that precedes it (off_mpool, off_b2) and D, H, K (a constant for a StaticModel).
template <class M>
TT_INLINE ImageShape model_shape(const M& m) {
  const ImageShape s = {m.tokenizer.buckets, m.dim, m.hidden, m.outputs, m.groups, 0u, m.flags};  // (labels: not kept)
  return s;
}
template <class M>
TT_INLINE uint32_t section_of(const M& m, ImageSection sec) {
  return sec >= kSecB2 ? m.off_b2 + section_span(kSecB2, sec, model_shape(m))
                       : m.off_mpool + section_span(kSecPoolRequant, sec, model_shape(m));
}

// nb int32 biases (within 2^30), then nq stored requantisers (mult >= 0, shift in [1, 62]), from
// p on: a layer's biases and its requantisers are adjacent in the image.
TT_NOINLINE inline bool params_ok(FlashAddr p, uint16_t nb, uint16_t nq) {
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

// An activation limit against the fan-in (<= 4096) of the layer it feeds: 0 when that layer is
// absent (fan_in 0), else 1 .. kMaxActLimit with lim x fan_in <= kMaxLimitFanIn (< 2^15 x 2^13:
// the product cannot wrap).
TT_NOINLINE inline bool limit_ok(FlashAddr p, uint32_t fan_in) {
  const uint16_t lim = rd_u16(p);
  if (!fan_in) return lim == 0;
  return lim >= 1 && lim <= kMaxActLimit && (uint32_t)lim * fan_in <= kMaxLimitFanIn;
}
}  // namespace detail

// What an accepted image guarantees: model_open checks every bound below, and from them no
// arithmetic of model_push, model_push_text or model_read on the image leaves its type's range
// (no signed overflow, no read outside the image), whatever the text.
// - Sizes: D, K in [1, 4096], H in [0, 4096], G <= kMaxTableGroups, rows (B + text row + 4G) <=
//   65536, label_bytes < 2^16: every section's length (section_bytes) is < 2^28 and their sum
//   < 2^29, so offsets cannot wrap; every row index (bucket_of, feature_row, the text row B) is <
//   rows; the image is exactly section_at(kSecEnd) bytes.
// - Sums: at most kMaxFeatureCount - 1 < 2^24 features reach a read (kSaturateAt), each adding
//   an int8 weight in [-128, 127] per dim: |acc| <= 128 (2^24 - 1) < 2^31. The text row adds
//   c <= 255 times a weight as one int16 product (|w c| <= 32640).
// - Requantisers (pooled, m1, m2): mult in [0, 2^31), shift in [1, 62]; rescale is defined and
//   saturating for every int32 input with those. Pooling's own factor (pool_divisor) likewise.
// - Dense layers: the pooled activations are clamped to [-lim, lim] (header kHdrPoolLimit), the
//   hidden ones to [0, lim] (kHdrHiddenLimit), lim in [1, kMaxActLimit] with lim x fan-in <=
//   kMaxLimitFanIn = 2^23 - 1 (the fan-in of the layer they feed: D for the hidden or output
//   layer after pooling, H for the output layer after a hidden one); weights in [-128, 127];
//   |bias| <= kAccBound = 2^30. Every partial sum of bias + sum(weight x activation) is then
//   within 2^30 + 128 (2^23 - 1) < 2^31.
// - A linear model's biases (any int32) are added with saturation (add_sat32).
// - The head: softmax sums K <= 4096 values of at most 2^31 / 2^ceil(log2 K) (no wrap); the
//   sigmoid and the thresholds take any int32.
// - Labels: K NUL-terminated names, the last byte a NUL: model_label stays inside them.
//
// Checks a device image and fills `m`. Refuses (and leaves m unusable) on: a null image or one
// shorter than the header (kBadSize), a bad magic (kBadMagic), another format version, another
// tokenizer scheme, unknown flags or pooling, or a table size G without the table flag
// (kBadVersion), a CRC mismatch (kBadChecksum), any bound above not met or a table group whose
// fingerprints do not ascend (kBadSize). Reads nothing
// outside image[0, size). Define TT_MODEL_NO_CHECKSUM to skip the CRC (saves about 0.3 s per
// 32 KB at 16 MHz on an AVR); the structural checks stay.
TT_NODISCARD TT_NOINLINE inline Status model_open(Model& m, FlashAddr image, uint32_t size) {
  m.image = 0;
  TT_VERIFY(image != 0 && size >= kModelHeaderBytes + 4u, kBadSize);
  TT_VERIFY(detail::rd_u32(image + kHdrMagic) == kImageMagic, kBadMagic);
  const uint8_t flags = TT_READ_BYTE(image + kHdrFlags);
  const uint8_t pool = TT_READ_BYTE(image + kHdrPool);
  const uint32_t groups = detail::rd_u32(image + kHdrTableGroups);
  TT_VERIFY(TT_READ_BYTE(image + kHdrVersion) == TT_MODEL_FORMAT_VERSION &&
                TT_READ_BYTE(image + kHdrScheme) == kTokenizerScheme && ((flags & kModelExactTable) || groups == 0) &&
                (flags & ~kModelFlagsKnown) == 0 && pool <= kPoolSum,
            kBadVersion);
  TT_VERIFY(!(flags & kModelExactTable) || (groups >= 1 && groups <= kMaxTableGroups), kBadSize);
  TT_VERIFY(detail::rd_u32(image + kHdrSize) == size, kBadSize);
  // The text row count less 1: 0 without the row, at most kMaxTextRowCount - 1 with it.
  const uint8_t extra = TT_READ_BYTE(image + kHdrTextRowExtra);
  TT_VERIFY(extra == 0 || ((flags & kModelTextRow) && extra < kMaxTextRowCount), kBadSize);
  // Filled in place (no struct copy: no memcpy on a bare board); image set last.
  m.flags = flags;
  m.pool = pool;
  m.tokenizer.buckets = detail::rd_u32(image + kHdrBuckets);
  m.tokenizer.word_ngrams = TT_READ_BYTE(image + kHdrWordNgrams);
  m.tokenizer.char_min = TT_READ_BYTE(image + kHdrCharMin);
  m.tokenizer.char_max = TT_READ_BYTE(image + kHdrCharMax);
  m.tokenizer.fold_digits = (flags & kModelFoldDigits) ? 1 : 0;
  const uint32_t D = m.dim = detail::rd_u16(image + kHdrDim);
  const uint32_t H = m.hidden = detail::rd_u16(image + kHdrHidden);
  const uint32_t K = m.outputs = detail::rd_u16(image + kHdrOutputs);
  const uint16_t label_bytes = detail::rd_u16(image + kHdrLabelBytes);
  TT_VERIFY(check_config(m.tokenizer) == kOk, kBadSize);
  // The embedding's rows: the buckets, the text row, the table's slots (at most 65536 in all).
  TT_VERIFY(m.tokenizer.buckets + ((flags & kModelTextRow) ? 1u : 0u) + kTableWays * groups <= kMaxBuckets, kBadSize);
  m.groups = (uint16_t)groups;
  TT_VERIFY(D >= 1 && D <= kModelMaxDim && H <= kModelMaxDim && K >= 1 && K <= kModelMaxDim, kBadSize);
  const bool linear = (flags & kModelLinear) != 0;
  TT_VERIFY(!linear || (H == 0 && D == K), kBadSize);
  TT_VERIFY(!(flags & kModelSoftmax) || K >= 2, kBadSize);
  // The activation limits against the fan-in of the layer each feeds (0: no such layer).
  TT_VERIFY(detail::limit_ok(image + kHdrPoolLimit, linear ? 0u : D) && detail::limit_ok(image + kHdrHiddenLimit, H),
            kBadSize);
  // section_at, each section from the one before (the same sums, once each).
  const ImageShape s = {m.tokenizer.buckets, m.dim, m.hidden, m.outputs, m.groups, label_bytes, flags};
  m.off_mpool = section_at(kSecPoolRequant, s);
  const uint32_t b1 = m.off_mpool + section_span(kSecPoolRequant, kSecB1, s);
  m.off_b2 = b1 + section_span(kSecB1, kSecB2, s);
  const uint32_t crc = m.off_b2 + section_span(kSecB2, kSecCrc, s);
  TT_VERIFY(crc + 4u == size, kBadSize);
#if !defined(TT_MODEL_NO_CHECKSUM)
  TT_VERIFY(detail::crc32_image(image, crc) == detail::rd_u32(image + crc), kBadChecksum);
#endif
  TT_VERIFY(detail::params_ok(image + m.off_mpool, 0, m.dim) && detail::params_ok(image + b1, m.hidden, m.hidden),
            kBadSize);
  TT_VERIFY(linear || detail::params_ok(image + m.off_b2, m.outputs, m.outputs), kBadSize);
  // The exact table: each group's fingerprints strictly ascending (image_row's search).
  const FlashAddr fp = image + section_at(kSecFingerprints, s);
  for (uint32_t i = 1; i < kTableWays * groups; ++i)
    TT_VERIFY(i % kTableWays == 0 || TT_READ_BYTE(fp + i - 1u) < TT_READ_BYTE(fp + i), kBadSize);
  // Labels: exactly K NUL-terminated strings: K NULs, the last byte one of them (K >= 1 NULs
  // make label_bytes >= 1, so crc - 1 is a label byte).
  uint32_t nuls = 0;
  for (uint32_t i = crc - label_bytes; i < crc; ++i) nuls += TT_READ_BYTE(image + i) == 0 ? 1u : 0u;
  TT_VERIFY(nuls == K && TT_READ_BYTE(image + crc - 1u) == 0, kBadSize);
  m.image = image;
  return kOk;
}

}  // namespace tt

#endif  // TINYTEXT_IMAGE_H
