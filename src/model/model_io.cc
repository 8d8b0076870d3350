#include "model/model_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "data/summary.h"

namespace tt {

namespace {

constexpr size_t kHeaderSize = 16;  // magic, version, kind, 3 reserved bytes
constexpr size_t kTrailerSize = 4;  // CRC-32
constexpr uint32_t kMaxLabelLen = 4096;
constexpr uint32_t kMaxRank = 4;

constexpr uint32_t kTagShape = section_tag("SHAP");
// SHAP shape flags: the device image's flags (tinytext/image.h) from the text row up, shifted down.
constexpr uint8_t kShapeTextRow = kModelTextRow >> kShapeFlagsShift;        // 1: the text row
constexpr uint8_t kShapeTable = kModelExactTable >> kShapeFlagsShift;       // 2: the exact table
constexpr uint8_t kShapeFoldDigits = kModelFoldDigits >> kShapeFlagsShift;  // 4: the tokenizer folds digits
constexpr uint32_t kTagTable = section_tag("XTAB");
constexpr uint32_t kTagLabels = section_tag("LABL");
constexpr uint32_t kTagThresholds = section_tag("THRS");
constexpr uint32_t kTagTensor = section_tag("TENS");
constexpr uint32_t kTagInfo = section_tag("info");

constexpr uint8_t kDtypeF32 = 0;

void put_u32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFFu));
}

uint32_t get_u32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(uint8_t(s[at + size_t(i)])) << (8 * i);
  return v;
}

}  // namespace

uint32_t crc32(const void* data, size_t n, uint32_t crc) {
  static uint32_t table[256];
  static const bool init = [] {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    return true;
  }();
  (void)init;
  const auto* p = static_cast<const uint8_t*>(data);
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

std::string tag_name(uint32_t tag) {
  std::string s;
  for (int i = 0; i < 4; ++i) {
    const auto c = static_cast<unsigned char>((tag >> (8 * i)) & 0xFFu);
    if (c >= 0x20 && c < 0x7F) {
      s.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      s += buf;
    }
  }
  return s;
}

// ---- ByteWriter / ByteReader ------------------------------------------------------------------

void ByteWriter::u32(uint32_t v) { put_u32(out_, v); }

void ByteWriter::f32(float v) {
  uint32_t bits;
  static_assert(sizeof bits == sizeof v, "float is 32-bit");
  std::memcpy(&bits, &v, sizeof bits);
  u32(bits);
}

void ByteWriter::str(const std::string& s) {
  u32(static_cast<uint32_t>(s.size()));
  out_ += s;
}

void ByteReader::fail(const std::string& msg) const { throw Error(what_ + ": " + msg); }

void ByteReader::need(size_t n) const {
  if (remaining() < n)
    fail("section ends early (needs " + std::to_string(n) + " more bytes at offset " + std::to_string(pos_) +
         ", has " + std::to_string(remaining()) + ")");
}

uint8_t ByteReader::u8() {
  need(1);
  return static_cast<uint8_t>(data_[pos_++]);
}

uint32_t ByteReader::u32() {
  need(4);
  const uint32_t v = get_u32(data_, pos_);
  pos_ += 4;
  return v;
}

float ByteReader::f32() {
  const uint32_t bits = u32();
  float v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

std::string ByteReader::bytes(size_t n) {
  need(n);
  std::string s = data_.substr(pos_, n);
  pos_ += n;
  return s;
}

std::string ByteReader::str(uint32_t max_len) {
  const uint32_t n = u32();
  if (n > max_len) fail("string of " + std::to_string(n) + " bytes (at most " + std::to_string(max_len) + ")");
  return bytes(n);
}

void ByteReader::expect_end() const {
  if (remaining() != 0) fail(std::to_string(remaining()) + " unexpected bytes at the end of the section");
}

// ---- Container ------------------------------------------------------------------------------

std::string write_container(const ModelContainer& c) {
  std::string out(kModelMagic, sizeof kModelMagic);
  put_u32(out, kModelFormatVersion);
  out.push_back(static_cast<char>(c.kind));
  out.append(3, '\0');
  for (const Section& s : c.sections) {
    if (s.payload.size() > 0xFFFFFFFFull) throw Error("model section " + tag_name(s.tag) + " is too large");
    put_u32(out, s.tag);
    put_u32(out, static_cast<uint32_t>(s.payload.size()));
    out += s.payload;
  }
  put_u32(out, crc32(out.data(), out.size()));
  return out;
}

ModelContainer read_container(const std::string& bytes, const std::string& name) {
  auto fail = [&](const std::string& msg) -> Error { return Error(name + ": " + msg); };
  if (bytes.size() < sizeof kModelMagic || std::memcmp(bytes.data(), kModelMagic, sizeof kModelMagic) != 0)
    throw fail("not a tinytext model file (bad magic; expected \"TTXTMODL\")");
  if (bytes.size() < kHeaderSize + kTrailerSize)
    throw fail("truncated model file (" + std::to_string(bytes.size()) + " bytes, the header alone needs " +
               std::to_string(kHeaderSize + kTrailerSize) + ")");
  const uint32_t version = get_u32(bytes, 8);
  if (version != kModelFormatVersion)
    throw fail("model format version " + std::to_string(version) + ", this tinytext reads version " +
               std::to_string(kModelFormatVersion) + " (retrain or use a matching tinytext)");
  const size_t body = bytes.size() - kTrailerSize;
  const uint32_t stored = get_u32(bytes, body);
  const uint32_t actual = crc32(bytes.data(), body);
  if (stored != actual)
    throw fail("checksum mismatch (the file is truncated or corrupted; stored CRC-32 " + std::to_string(stored) +
               ", computed " + std::to_string(actual) + ")");
  ModelContainer c;
  const auto kind = static_cast<uint8_t>(bytes[12]);
  if (kind > 1) throw fail("unknown model kind " + std::to_string(kind));
  c.kind = static_cast<ModelKind>(kind);
  if (bytes[13] || bytes[14] || bytes[15]) throw fail("reserved header bytes are not zero");
  size_t pos = kHeaderSize;
  while (pos < body) {
    if (body - pos < 8) throw fail("truncated section header at offset " + std::to_string(pos));
    Section s;
    s.tag = get_u32(bytes, pos);
    const uint32_t len = get_u32(bytes, pos + 4);
    pos += 8;
    if (len > body - pos)
      throw fail("section " + tag_name(s.tag) + " at offset " + std::to_string(pos - 8) + " claims " +
                 std::to_string(len) + " bytes, only " + std::to_string(body - pos) + " remain");
    s.payload = bytes.substr(pos, len);
    pos += len;
    c.sections.push_back(std::move(s));
  }
  return c;
}

// ---- Files ----------------------------------------------------------------------------------

std::string read_file_bytes(const std::string& path) {
  return read_file(path, "a model file (from 'tinytext train' or 'tinytext quantize')");
}

// ---- The float model ------------------------------------------------------------------------

namespace {

void write_tensor(ModelContainer& c, const std::string& name, const std::vector<uint32_t>& dims,
                  const std::vector<float>& data) {
  ByteWriter w;
  w.str(name);
  w.u8(kDtypeF32);
  w.u8(static_cast<uint8_t>(dims.size()));
  for (uint32_t d : dims) w.u32(d);
  for (float v : data) w.f32(v);
  c.sections.push_back({kTagTensor, std::move(w.data())});
}

}  // namespace

void write_shared_sections(ModelContainer& c, const ModelShape& s, const std::vector<std::string>& labels,
                           const std::vector<float>& thresholds) {
  {
    ByteWriter w;
    w.u32(s.tokenizer.buckets);
    w.u8(s.tokenizer.word_ngrams);
    w.u8(s.tokenizer.char_min);
    w.u8(s.tokenizer.char_max);
    w.u32(s.dim);
    w.u32(s.hidden);
    w.u32(s.outputs);
    w.u8(s.linear ? 1 : 0);
    w.u8(static_cast<uint8_t>(s.head));
    w.u8(static_cast<uint8_t>(s.pool));
    w.u8(kTokenizerScheme);  // appended with scheme 2; a file without it hashed with scheme 1
    // Appended with the text row: shape flags, bit 0 the text row. Written only when non-zero, so
    // a model without one keeps its bytes (and older readers, which refuse the longer section).
    // Bit 1, the exact table, and bit 2, digit folding, came later the same way.
    const uint8_t shape_flags = (s.text_row ? kShapeTextRow : 0) | (s.table_groups ? kShapeTable : 0) |
                                (s.tokenizer.fold_digits ? kShapeFoldDigits : 0);
    if (shape_flags) w.u8(shape_flags);
    // Appended with the text row count c: written only when c != 1 (so after the flags byte, which
    // a text row makes non-zero), so a model counting the row once keeps its bytes.
    if (s.text_row && s.text_row_count != 1) w.u8(s.text_row_count);
    c.sections.push_back({kTagShape, std::move(w.data())});
  }
  {
    ByteWriter w;
    w.u32(static_cast<uint32_t>(labels.size()));
    for (const auto& l : labels) w.str(l);
    c.sections.push_back({kTagLabels, std::move(w.data())});
  }
  {
    ByteWriter w;
    w.u32(static_cast<uint32_t>(thresholds.size()));
    for (float t : thresholds) w.f32(t);
    c.sections.push_back({kTagThresholds, std::move(w.data())});
  }
}

bool read_shared_section(const Section& sec, const std::string& name, SharedSections& out) {
  auto fail = [&](const std::string& msg) -> Error { return Error(name + ": " + msg); };
  ByteReader r(sec.payload, name + ": section " + tag_name(sec.tag));
  ModelShape& shape = out.shape;
  std::vector<std::string>& labels = out.labels;
  std::vector<float>& thr = out.thresholds;
  bool& have_shape = out.have_shape;
  bool& have_labels = out.have_labels;
  bool& have_thr = out.have_thresholds;
  if (sec.tag == kTagShape) {
    if (have_shape) throw fail("duplicate section SHAP");
    have_shape = true;
    shape.tokenizer.buckets = r.u32();
    shape.tokenizer.word_ngrams = r.u8();
    shape.tokenizer.char_min = r.u8();
    shape.tokenizer.char_max = r.u8();
    shape.dim = r.u32();
    shape.hidden = r.u32();
    shape.outputs = r.u32();
    const uint8_t linear = r.u8(), head = r.u8(), pool = r.u8();
    const uint8_t scheme = r.remaining() ? r.u8() : 1;
    const uint8_t shape_flags = r.remaining() ? r.u8() : 0;
    const bool has_count = r.remaining() != 0;
    const uint8_t row_count = has_count ? r.u8() : 1;
    r.expect_end();
    if (shape_flags & ~(kShapeTextRow | kShapeTable | kShapeFoldDigits))
      r.fail("unknown shape flags " + std::to_string(shape_flags));
    shape.text_row = (shape_flags & kShapeTextRow) != 0;
    shape.tokenizer.fold_digits = (shape_flags & kShapeFoldDigits) ? 1 : 0;
    out.table_flag = (shape_flags & kShapeTable) != 0;
    if (has_count && (!shape.text_row || row_count < 2))
      r.fail("bad text row count " + std::to_string(row_count) + " (present only with the text row, 2 .. " +
             std::to_string(kMaxTextRowCount) + ")");
    shape.text_row_count = row_count;
    if (scheme != kTokenizerScheme && shape.tokenizer.char_min)
      r.fail("trained with tokenizer scheme " + std::to_string(scheme) + ", whose character n-gram hashes " +
             "this tinytext (scheme " + std::to_string(kTokenizerScheme) + ") no longer computes: retrain the model");
    if (linear > 1) r.fail("bad linear flag " + std::to_string(linear));
    if (head > 1) r.fail("unknown head " + std::to_string(head));
    if (pool > 2) r.fail("unknown pooling " + std::to_string(pool));
    shape.linear = linear != 0;
    shape.head = static_cast<Head>(head);
    shape.pool = static_cast<Pool>(pool);
    try {
      shape.check();
    } catch (const UsageError& e) {
      r.fail(std::string("inconsistent shape: ") + e.what());
    }
  } else if (sec.tag == kTagLabels) {
    if (have_labels) throw fail("duplicate section LABL");
    have_labels = true;
    const uint32_t n = r.u32();
    if (n > kMaxOutputs) r.fail(std::to_string(n) + " labels (at most " + std::to_string(kMaxOutputs) + ")");
    for (uint32_t i = 0; i < n; ++i) labels.push_back(r.str(kMaxLabelLen));
    r.expect_end();
  } else if (sec.tag == kTagThresholds) {
    if (have_thr) throw fail("duplicate section THRS");
    have_thr = true;
    const uint32_t n = r.u32();
    if (n > kMaxOutputs) r.fail(std::to_string(n) + " thresholds (at most " + std::to_string(kMaxOutputs) + ")");
    for (uint32_t i = 0; i < n; ++i) {
      const float t = r.f32();
      if (!std::isfinite(t)) r.fail("threshold " + std::to_string(i) + " is not finite");
      thr.push_back(t);
    }
    r.expect_end();
  } else if (sec.tag == kTagData) {
    if (!out.data.empty() || sec.payload.empty()) throw fail("duplicate or empty section data");
    try {
      data::summary_from_json(sec.payload);  // inspect prints it and --json embeds it: it must be valid
    } catch (const Error& e) {
      throw fail(std::string("section data: ") + e.what());
    }
    out.data = sec.payload;
  } else {
    return false;
  }
  return true;
}

void check_shared_sections(const SharedSections& s, const std::string& name) {
  if (!s.have_shape) throw Error(name + ": missing section SHAP");
  if (!s.have_labels) throw Error(name + ": missing section LABL");
  if (!s.have_thresholds) throw Error(name + ": missing section THRS");
  if (s.labels.size() != s.shape.outputs)
    throw Error(name + ": " + std::to_string(s.labels.size()) + " labels for " + std::to_string(s.shape.outputs) +
                " outputs");
  if (s.thresholds.size() != s.shape.outputs)
    throw Error(name + ": " + std::to_string(s.thresholds.size()) + " thresholds for " +
                std::to_string(s.shape.outputs) + " outputs");
}

std::string serialize_model(const FloatModel& m) {
  const ModelShape& s = m.shape;
  ModelContainer c;
  c.kind = ModelKind::kFloat32;
  write_shared_sections(c, s, m.labels, m.threshold);
  if (s.table_groups) {
    ByteWriter w;
    w.u32(s.table_groups);
    for (uint8_t b : m.table) w.u8(b);
    c.sections.push_back({kTagTable, std::move(w.data())});
  }
  write_tensor(c, "emb", {s.rows(), s.dim}, m.emb);
  if (s.hidden) {
    write_tensor(c, "w1", {s.hidden, s.dim}, m.w1);
    write_tensor(c, "b1", {s.hidden}, m.b1);
  }
  if (!s.linear) write_tensor(c, "w2", {s.outputs, s.out_in()}, m.w2);
  write_tensor(c, "b2", {s.outputs}, m.b2);
  if (!m.info.empty()) c.sections.push_back({kTagInfo, m.info});
  if (!m.data.empty()) c.sections.push_back({kTagData, m.data});
  return write_container(c);
}

FloatModel parse_model(const std::string& bytes, const std::string& name) {
  ModelContainer c = read_container(bytes, name);
  if (c.kind != ModelKind::kFloat32)
    throw Error(name + ": this is an int8 model; this command needs the float model written by 'tinytext train'");
  auto fail = [&](const std::string& msg) -> Error { return Error(name + ": " + msg); };

  SharedSections shared;
  std::string info;
  struct RawTensor {
    std::vector<uint32_t> dims;
    std::vector<float> data;
    bool present = false;
  };
  RawTensor emb, w1, b1, w2, b2;
  bool have_table = false;
  uint32_t table_groups = 0;
  std::vector<uint8_t> table;

  for (const Section& sec : c.sections) {
    const std::string what = name + ": section " + tag_name(sec.tag);
    ByteReader r(sec.payload, what);
    if (read_shared_section(sec, name, shared)) {
      continue;
    } else if (sec.tag == kTagTensor) {
      const std::string tname = r.str(64);
      RawTensor* t = tname == "emb" ? &emb
                     : tname == "w1" ? &w1
                     : tname == "b1" ? &b1
                     : tname == "w2" ? &w2
                     : tname == "b2" ? &b2
                                     : nullptr;
      if (!t) r.fail("unknown tensor '" + tname + "'");
      if (t->present) r.fail("duplicate tensor '" + tname + "'");
      t->present = true;
      const uint8_t dtype = r.u8();
      if (dtype != kDtypeF32) r.fail("tensor '" + tname + "' has dtype " + std::to_string(dtype) + ", expected f32 (0)");
      const uint8_t rank = r.u8();
      if (rank == 0 || rank > kMaxRank) r.fail("tensor '" + tname + "' has rank " + std::to_string(rank));
      uint64_t count = 1;
      for (uint8_t i = 0; i < rank; ++i) {
        const uint32_t d = r.u32();
        t->dims.push_back(d);
        count *= d;
        if (count > (uint64_t{1} << 32)) r.fail("tensor '" + tname + "' is too large");
      }
      if (r.remaining() != count * 4)
        r.fail("tensor '" + tname + "' holds " + std::to_string(r.remaining()) + " bytes, its dimensions need " +
               std::to_string(count * 4));
      t->data.resize(count);
      for (uint64_t i = 0; i < count; ++i) {
        const float v = r.f32();
        if (!std::isfinite(v)) r.fail("tensor '" + tname + "' holds a non-finite value at index " + std::to_string(i));
        t->data[i] = v;
      }
    } else if (sec.tag == kTagTable) {
      if (have_table) throw fail("duplicate section XTAB");
      have_table = true;
      table_groups = r.u32();
      if (table_groups == 0 || table_groups > kMaxTableGroups)
        r.fail("bad exact-table group count " + std::to_string(table_groups) + " (1 .. " +
               std::to_string(kMaxTableGroups) + ")");
      if (r.remaining() != uint64_t{kTableWays} * table_groups)
        r.fail("holds " + std::to_string(r.remaining()) + " fingerprint bytes for " + std::to_string(table_groups) +
               " groups of " + std::to_string(kTableWays));
      table.resize(size_t{kTableWays} * table_groups);
      for (auto& b : table) b = r.u8();
    } else if (sec.tag == kTagInfo) {
      info = sec.payload;
    } else if (tag_is_critical(sec.tag)) {
      throw fail("unknown critical section " + tag_name(sec.tag) + " (written by a newer tinytext?)");
    }
  }
  check_shared_sections(shared, name);
  if (have_table != shared.table_flag)
    throw fail(have_table ? "section XTAB without the exact-table shape flag" : "missing section XTAB");
  shared.shape.table_groups = table_groups;
  try {
    shared.shape.check();
  } catch (const UsageError& e) {
    throw fail(std::string("inconsistent shape: ") + e.what());
  }
  const ModelShape& shape = shared.shape;

  // Each tensor's dimensions against the shape first: its payload already matched its dimensions,
  // so nothing below is sized by the header beyond what the file's length holds.
  auto check = [&](const RawTensor& t, const char* tname, bool wanted, const std::vector<uint32_t>& dims) {
    if (!wanted) {
      if (t.present) throw fail(std::string("unexpected tensor '") + tname + "' for this shape");
      return;
    }
    if (!t.present) throw fail(std::string("missing tensor '") + tname + "'");
    if (t.dims != dims) {
      std::string want, got;
      for (auto d : dims) want += (want.empty() ? "" : "x") + std::to_string(d);
      for (auto d : t.dims) got += (got.empty() ? "" : "x") + std::to_string(d);
      throw fail(std::string("tensor '") + tname + "' is " + got + ", the shape needs " + want);
    }
  };
  check(emb, "emb", true, {shape.rows(), shape.dim});
  check(w1, "w1", shape.hidden != 0, {shape.hidden, shape.dim});
  check(b1, "b1", shape.hidden != 0, {shape.hidden});
  check(w2, "w2", !shape.linear, {shape.outputs, shape.out_in()});
  check(b2, "b2", true, {shape.outputs});

  FloatModel m;
  m.init(shape, shared.labels);
  m.emb = std::move(emb.data);
  m.w1 = std::move(w1.data);
  m.b1 = std::move(b1.data);
  m.w2 = std::move(w2.data);
  m.b2 = std::move(b2.data);
  m.threshold = std::move(shared.thresholds);
  m.info = std::move(info);
  m.data = std::move(shared.data);
  m.table = std::move(table);
  return m;
}

void save_model(const std::string& path, const FloatModel& model) {
  model.shape.check();
  const ModelShape& s = model.shape;
  const bool ok = model.labels.size() == s.outputs && model.threshold.size() == s.outputs &&
                  model.emb.size() == size_t{s.rows()} * s.dim &&
                  model.w1.size() == size_t{s.hidden} * s.dim && model.b1.size() == s.hidden &&
                  model.w2.size() == (s.linear ? 0 : size_t{s.outputs} * s.out_in()) && model.b2.size() == s.outputs &&
                  model.table.size() == size_t{kTableWays} * s.table_groups;
  if (!ok) throw Error(path + ": internal error: the model's tensors do not match its shape");
  write_file_atomic(path, serialize_model(model));
}

FloatModel load_model(const std::string& path) { return parse_model(read_file_bytes(path), path); }

ModelKind model_file_kind(const std::string& path) { return read_container(read_file_bytes(path), path).kind; }

}  // namespace tt
