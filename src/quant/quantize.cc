#include "quant/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include "common/error.h"
#include "model/forward.h"
#include "model/model_io.h"
#include "quant/image_writer.h"

namespace tt::quant {

double score_of_logit_q16(int32_t logit) {
  const double z = logit / 65536.0;
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

double score_of_rank_q30(int32_t rank) { return rank / 1073741824.0; }

namespace {

constexpr uint32_t kTagImage = section_tag("IMAG");
constexpr uint32_t kTagInfo = section_tag("info");
constexpr uint32_t kTagQinfo = section_tag("qinf");

// The image's flags for a float model of this shape (with or without an exact table).
uint8_t image_flags(const ModelShape& s, bool table) {
  return static_cast<uint8_t>((s.linear ? kModelLinear : 0) | (s.head == Head::kSoftmax ? kModelSoftmax : 0) |
                              (s.text_row ? kModelTextRow : 0) | (table ? kModelExactTable : 0) |
                              (s.tokenizer.fold_digits ? kModelFoldDigits : 0));
}

std::vector<Requant> requants(const std::vector<double>& real) {
  std::vector<Requant> r(real.size());
  for (size_t i = 0; i < real.size(); ++i) quantize_multiplier(real[i], &r[i].mult, &r[i].shift);
  return r;
}

}  // namespace

const char* status_name(tt::Status s) {
  switch (s) {
    case kOk:
      return "ok";
    case kBadMagic:
      return "bad magic (not a tinytext int8 device image)";
    case kBadVersion:
      return "another device image format, tokenizer scheme or flags (re-run tinytext quantize and export with "
             "this version)";
    case kBadSize:
      return "sizes or parameters out of range / inconsistent with the image length";
    case kBadChecksum:
      return "checksum mismatch (the image is truncated or corrupted)";
    case kBadArgument:
      return "bad argument";
    case kOverflow:
      return "buffer too small";
  }
  return "unknown status";
}

void quantize_multiplier(double real, int32_t* mult, uint8_t* shift) {
  if (!std::isfinite(real) || real < 0) throw Error("internal error: requantisation factor is not finite/positive");
  if (real == 0) {
    *mult = 0;
    *shift = 31;
    return;
  }
  int e = 0;
  const double f = std::frexp(real, &e);  // real = f * 2^e, f in [0.5, 1)
  int64_t q = static_cast<int64_t>(std::round(f * 2147483648.0));
  if (q == (int64_t{1} << 31)) {
    q >>= 1;
    ++e;
  }
  int s = 31 - e;
  if (s < 1)
    throw Error("a requantisation factor (" + std::to_string(real) +
                ") is too large for the device; the model's weights or ranges are extreme");
  if (s > 62) {  // smaller than 2^-32: contributes nothing
    *mult = 0;
    *shift = 31;
    return;
  }
  *mult = static_cast<int32_t>(q);
  *shift = static_cast<uint8_t>(s);
}

numerics::Ranges calibrate(const FloatModel& m, const std::vector<std::string>& texts,
                           const numerics::QuantOptions& opt) {
  const ModelShape& s = m.shape;
  const uint32_t B = s.rows(), D = s.dim, H = s.hidden;  // B: embedding rows
  numerics::Ranges r;
  r.pooled.assign(s.linear ? 0 : D, 0.0);
  r.hidden.assign(H, 0.0);
  if (s.linear) return r;  // the linear model has no activation to range
  if (!texts.empty()) {
    // The float model's forward pass, in double from the bag's sum on.
    Activations<double> a;
    a.resize(s);
    const Weights<float> w = weights_of(m);
    std::vector<uint16_t> f;
    const FeatureMap map = m.feature_map();
    for (const auto& t : texts) {
      f.clear();
      append_text_features(s.tokenizer, map, t, f);
      append_text_row(s, f);
      forward(s, w, f.data(), f.size(), a);
      for (uint32_t d = 0; d < D; ++d) r.pooled[d] = std::max(r.pooled[d], std::fabs(a.p[d]));
      for (uint32_t h = 0; h < H; ++h) r.hidden[h] = std::max(r.hidden[h], a.a1[h]);
    }
    for (auto& v : r.pooled) v *= opt.margin;
    for (auto& v : r.hidden) v *= opt.margin;
    r.examples = texts.size();
    return r;
  }
  // From the weights: |pooled[d]| <= max_b |emb[b][d]| x (1, sqrt(n), n) for mean, sqrt, sum.
  const double n = opt.assumed_features;
  const double grow = s.pool == Pool::kMean ? 1.0 : s.pool == Pool::kSqrt ? std::sqrt(n) : n;
  for (uint32_t d = 0; d < D; ++d) {
    double mx = 0;
    for (uint32_t b = 0; b < B; ++b) mx = std::max(mx, std::fabs(double{m.emb[size_t{b} * D + d]}));
    r.pooled[d] = mx * grow;
  }
  for (uint32_t h = 0; h < H; ++h) {
    double z = std::max(0.0, double{m.b1[h]});
    for (uint32_t d = 0; d < D; ++d) z += std::fabs(m.w1[size_t{h} * D + d]) * r.pooled[d];
    r.hidden[h] = z;
  }
  return r;
}

QuantModel quantize(const FloatModel& m, const numerics::Ranges& ranges, const std::string& qinfo) {
  const ModelShape& s = m.shape;
  s.check();
  if (m.table.size() != size_t{kTableWays} * s.table_groups)
    throw Error("internal error: the exact table's fingerprints do not match its groups");
  const numerics::Int8Plan p = numerics::make_plan(m, ranges);
  ImageContent c;
  c.flags = image_flags(s, s.table_groups != 0);
  c.pool = static_cast<uint8_t>(s.pool);
  c.text_row_count = s.text_row ? s.text_row_count : 1;
  c.tokenizer = s.tokenizer;
  c.dim = static_cast<uint16_t>(s.dim);
  c.hidden = static_cast<uint16_t>(s.hidden);
  c.outputs = static_cast<uint16_t>(s.outputs);
  c.pool_limit = p.ap;
  c.hidden_limit = p.ah;
  const std::string parent = serialize_model(m);
  c.parent_crc = crc32(parent.data(), parent.size() - 4);  // the parent's CRC-32 (without its trailer)
  c.groups = static_cast<uint16_t>(s.table_groups);
  c.emb = p.emb;  // B + text row + 4G rows
  c.fingerprints = m.table;
  c.mpool = requants(p.mpool);
  c.w1 = p.w1;
  c.b1 = p.b1;
  c.m1 = requants(p.m1);
  c.w2 = p.w2;
  c.b2 = p.b2;
  c.m2 = requants(p.m2);
  c.thresholds = p.thr;
  c.labels = m.labels;

  QuantModel q;
  q.shape = s;
  q.labels = m.labels;
  q.float_threshold = m.threshold;
  q.info = m.info;
  q.data = m.data;
  q.qinfo = qinfo;
  q.image = write_image(c);
  q.view();  // the device runtime must accept what we wrote
  return q;
}

tt::Model QuantModel::view() const {
  tt::Model m{};
  const tt::Status st =
      tt::model_open(m, reinterpret_cast<const uint8_t*>(image.data()), static_cast<uint32_t>(image.size()));
  if (st != kOk) throw Error(std::string("the device image is refused: ") + status_name(st));
  return m;
}

void set_thresholds(QuantModel& q, const std::vector<int32_t>& q16) {
  const tt::Model m = q.view();
  if (q16.size() != m.outputs)
    throw Error(std::to_string(q16.size()) + " thresholds for a model of " + std::to_string(m.outputs) + " outputs");
  const uint32_t at = detail::section_of(m, kSecThresholds);
  std::string& img = q.image;
  auto put = [&](size_t pos, uint32_t v) {
    for (int i = 0; i < 4; ++i) img[pos + size_t(i)] = static_cast<char>((v >> (8 * i)) & 0xFFu);
  };
  for (size_t k = 0; k < q16.size(); ++k) put(at + 4 * k, static_cast<uint32_t>(q16[k]));
  put(img.size() - 4, crc32(img.data(), img.size() - 4));
  q.float_threshold.resize(q16.size());
  for (size_t k = 0; k < q16.size(); ++k) q.float_threshold[k] = static_cast<float>(score_of_logit_q16(q16[k]));
  q.view();
}

// ---- The kind-1 file ----------------------------------------------------------------------------

std::string serialize_quant(const QuantModel& q) {
  const ModelShape& s = q.shape;
  ModelContainer c;
  c.kind = ModelKind::kInt8;
  write_shared_sections(c, s, q.labels, q.float_threshold);
  c.sections.push_back({kTagImage, q.image});
  if (!q.info.empty()) c.sections.push_back({kTagInfo, q.info});
  if (!q.qinfo.empty()) c.sections.push_back({kTagQinfo, q.qinfo});
  if (!q.data.empty()) c.sections.push_back({kTagData, q.data});
  return write_container(c);
}

QuantModel parse_quant(const std::string& bytes, const std::string& name) {
  ModelContainer c = read_container(bytes, name);
  auto fail = [&](const std::string& msg) -> Error { return Error(name + ": " + msg); };
  if (c.kind != ModelKind::kInt8)
    throw fail("this is a float model; quantize it first ('tinytext quantize " + name + " -o MODEL.q8')");
  QuantModel q;
  SharedSections shared;
  bool have_image = false;
  for (const Section& sec : c.sections) {
    if (read_shared_section(sec, name, shared)) {
      continue;
    } else if (sec.tag == kTagImage) {
      if (have_image) throw fail("duplicate section IMAG");
      have_image = true;
      q.image = sec.payload;
    } else if (sec.tag == kTagInfo) {
      q.info = sec.payload;
    } else if (sec.tag == kTagQinfo) {
      q.qinfo = sec.payload;
    } else if (tag_is_critical(sec.tag)) {
      throw fail("unknown critical section " + tag_name(sec.tag) + " (written by a newer tinytext?)");
    }
  }
  check_shared_sections(shared, name);
  if (!have_image) throw fail("missing section IMAG (the device image)");
  q.shape = shared.shape;
  q.labels = std::move(shared.labels);
  q.float_threshold = std::move(shared.thresholds);
  q.data = std::move(shared.data);
  tt::Model m{};
  const tt::Status st =
      tt::model_open(m, reinterpret_cast<const uint8_t*>(q.image.data()), static_cast<uint32_t>(q.image.size()));
  if (st == tt::kBadVersion && q.image.size() > kHdrScheme) {
    const unsigned format = static_cast<unsigned char>(q.image[kHdrVersion]);
    const unsigned scheme = static_cast<unsigned char>(q.image[kHdrScheme]);
    if (format != TT_MODEL_FORMAT_VERSION)
      throw fail("model image format " + std::to_string(format) + "; this tinytext reads format " +
                 std::to_string(TT_MODEL_FORMAT_VERSION) + ": re-run 'tinytext quantize' on its float model and "
                 "'tinytext export' with this version");
    if (scheme != tt::kTokenizerScheme)
      throw fail("model image of tokenizer scheme " + std::to_string(scheme) + "; this tinytext hashes with scheme " +
                 std::to_string(tt::kTokenizerScheme) + ": retrain the model (its character n-gram hashes changed), "
                 "then quantize and export it");
  }
  if (st != kOk) throw fail(std::string("the device image is refused: ") + status_name(st));
  const ModelShape& s = q.shape;
  const bool same = m.tokenizer.buckets == s.tokenizer.buckets && m.tokenizer.word_ngrams == s.tokenizer.word_ngrams &&
                    m.tokenizer.char_min == s.tokenizer.char_min && m.tokenizer.char_max == s.tokenizer.char_max &&
                    m.dim == s.dim && m.hidden == s.hidden && m.outputs == s.outputs &&
                    m.flags == image_flags(s, shared.table_flag) &&
                    model_text_row_count(m) == (s.text_row ? s.text_row_count : 0) &&
                    m.pool == static_cast<uint8_t>(s.pool);
  if (!same) throw fail("the device image disagrees with section SHAP");
  q.shape.table_groups = m.groups;  // the table lives in the image only
  if (q.labels.size() != s.outputs || q.float_threshold.size() != s.outputs)
    throw fail("labels/thresholds do not match the number of outputs");
  for (uint16_t k = 0; k < m.outputs; ++k) {
    std::vector<uint8_t> buf(4097);
    if (tt::model_label(m, k, buf.data(), static_cast<uint16_t>(buf.size())) != kOk ||
        std::string(reinterpret_cast<const char*>(buf.data())) != q.labels[k])
      throw fail("the device image's label " + std::to_string(k) + " disagrees with section LABL");
  }
  return q;
}

void save_quant(const std::string& path, const QuantModel& q) { write_file_atomic(path, serialize_quant(q)); }

QuantModel load_quant(const std::string& path) { return parse_quant(read_file_bytes(path), path); }

// ---- Runner -------------------------------------------------------------------------------------

struct Runner::State {
  tt::ModelState<kModelMaxDim, kModelMaxDim, kModelMaxDim> st;
  tt::ModelScores<kModelMaxDim> sc;
};

Runner::Runner(const QuantModel& q) : image_(q.image), state_(std::make_unique<State>()) {
  const tt::Status st =
      tt::model_open(model_, reinterpret_cast<const uint8_t*>(image_.data()), static_cast<uint32_t>(image_.size()));
  if (st != kOk) throw Error(std::string("the device image is refused: ") + status_name(st));
}
Runner::~Runner() = default;
Runner::Runner(Runner&& o) noexcept
    : image_(std::move(o.image_)), model_(o.model_), state_(std::move(o.state_)) {
  // std::string's move may or may not keep the buffer (SSO); re-point the view.
  model_.image = reinterpret_cast<const uint8_t*>(image_.data());
}

IntScores Runner::score(const std::string& text) {
  if (tt::model_reset(model_, state_->st) != kOk) throw Error("internal error: model_reset refused the model");
  for (char c : text) tt::model_push(model_, state_->st, static_cast<uint8_t>(c));
  tt::model_read(model_, state_->st, state_->sc);
  IntScores r;
  const uint16_t K = model_.outputs;
  r.logit.assign(state_->sc.logit, state_->sc.logit + K);
  r.rank.assign(state_->sc.rank, state_->sc.rank + K);
  r.prob.assign(state_->sc.prob, state_->sc.prob + K);
  r.best = state_->sc.best;
  r.features = state_->sc.features;
  r.positive.resize(K);
  for (uint16_t k = 0; k < K; ++k) r.positive[k] = tt::model_positive(model_, state_->sc, k) ? 1 : 0;
  return r;
}

}  // namespace tt::quant
