// The tinytext model file (docs/model-format.md): a versioned, little-endian container of tagged
// sections closed by a CRC-32. The float model is kind 0; the int8 model (kind 1) reuses the
// container and the shared sections and adds its own (int8 tensors, scales) without a version
// bump.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/file.h"
#include "model/float_model.h"

namespace tt {

constexpr char kModelMagic[8] = {'T', 'T', 'X', 'T', 'M', 'O', 'D', 'L'};
constexpr uint32_t kModelFormatVersion = 1;

enum class ModelKind : uint8_t { kFloat32 = 0, kInt8 = 1 };

// Writes a float model to `path` atomically: a temporary file in the same directory, fsync,
// rename. On any failure the temporary file is removed and tt::Error is thrown.
void save_model(const std::string& path, const FloatModel& model);
// Reads a float model. Throws tt::Error naming the file on: a missing/unreadable file, a
// truncated file, a bad magic, another format version, another model kind, a bad CRC, unknown
// critical sections, missing/duplicate sections, sizes inconsistent with the shape, non-finite
// weights.
FloatModel load_model(const std::string& path);

// The kind recorded in a model file's header (checks magic, version and CRC first).
ModelKind model_file_kind(const std::string& path);

// The same, in memory. `name` is used in error messages (usually the path).
std::string serialize_model(const FloatModel& model);
FloatModel parse_model(const std::string& bytes, const std::string& name);

// ---- The container, for other model kinds --------------------------------------------------

// A section tag: four ASCII bytes, stored in file order. An upper-case first byte marks a
// critical section (a reader that does not know it refuses the file); a lower-case first byte
// marks an ancillary one (skipped when unknown), as in PNG.
constexpr uint32_t section_tag(const char (&s)[5]) {
  return uint32_t(uint8_t(s[0])) | uint32_t(uint8_t(s[1])) << 8 | uint32_t(uint8_t(s[2])) << 16 |
         uint32_t(uint8_t(s[3])) << 24;
}
std::string tag_name(uint32_t tag);
// The ancillary section every model kind may carry: the training data's summary (JSON, as
// data::summary_json writes it; FloatModel::data, QuantModel::data).
constexpr uint32_t kTagData = section_tag("data");
inline bool tag_is_critical(uint32_t tag) { return (tag & 0xFFu) >= 'A' && (tag & 0xFFu) <= 'Z'; }

struct Section {
  uint32_t tag = 0;
  std::string payload;
};

struct ModelContainer {
  ModelKind kind = ModelKind::kFloat32;
  std::vector<Section> sections;  // in file order
};

std::string write_container(const ModelContainer& c);

// The sections every model kind carries: SHAP (shape, tokenizer config and scheme), LABL (label
// names) and THRS (one float threshold per output).
struct SharedSections {
  ModelShape shape;
  std::vector<std::string> labels;
  std::vector<float> thresholds;
  bool have_shape = false, have_labels = false, have_thresholds = false;
  // SHAP shape flag bit 1: the model has an exact table (shape.table_groups and the fingerprints
  // come from the float file's XTAB section or the int8 file's image).
  bool table_flag = false;
  // data: the training data's summary (JSON that data::summary_from_json reads), or empty.
  std::string data;
};
void write_shared_sections(ModelContainer& c, const ModelShape& shape, const std::vector<std::string>& labels,
                           const std::vector<float>& thresholds);
// Reads `sec` into `out` when it is one of the shared sections (or the data summary) (returns false otherwise). Throws
// tt::Error naming `name` on a duplicate or malformed section.
bool read_shared_section(const Section& sec, const std::string& name, SharedSections& out);
// Throws unless all three were present and agree with the shape's number of outputs.
void check_shared_sections(const SharedSections& s, const std::string& name);
// Checks length, magic, version, kind (0 or 1), CRC and section framing.
ModelContainer read_container(const std::string& bytes, const std::string& name);

// A whole model file (tt::Error naming the file on failure). Written with write_file_atomic
// (common/file.h).
std::string read_file_bytes(const std::string& path);

// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320, as zlib's crc32()).
uint32_t crc32(const void* data, size_t n, uint32_t crc = 0);

// Little-endian field writer / bounds-checked reader for section payloads.
class ByteWriter {
 public:
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v);
  void f32(float v);
  void bytes(const std::string& s) { out_ += s; }
  void str(const std::string& s);  // u32 length + bytes
  std::string& data() { return out_; }

 private:
  std::string out_;
};

class ByteReader {
 public:
  // `what` names the file and section for errors.
  ByteReader(const std::string& data, std::string what) : data_(data), what_(std::move(what)) {}
  uint8_t u8();
  uint32_t u32();
  float f32();
  std::string str(uint32_t max_len);
  std::string bytes(size_t n);
  size_t remaining() const { return data_.size() - pos_; }
  void expect_end() const;
  [[noreturn]] void fail(const std::string& msg) const;

 private:
  void need(size_t n) const;
  const std::string& data_;
  size_t pos_ = 0;
  std::string what_;
};

}  // namespace tt
