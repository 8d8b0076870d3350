// The float model and its file: forward pass, round trip, byte-identical re-save, corruption.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <dirent.h>
#include <string>

#include "common/error.h"
#include "model/float_model.h"
#include "model/model_io.h"

namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/tt_model_test.XXXXXX";
  const char* d = mkdtemp(tmpl);
  EXPECT_NE(d, nullptr);
  return d ? d : "/tmp";
}

size_t count_files(const std::string& dir) {
  size_t n = 0;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.' || std::string(e->d_name).find(".tmp.") != std::string::npos) ++n;
    closedir(d);
  }
  return n;
}

tt::FloatModel small_model(uint32_t hidden, bool linear, tt::Head head, uint32_t outputs) {
  tt::ModelShape s;
  s.tokenizer = {37, 2, 3, 4, 0};
  s.outputs = outputs;
  s.hidden = hidden;
  s.linear = linear;
  s.dim = linear ? outputs : 3;
  s.head = head;
  s.pool = tt::Pool::kSqrt;
  std::vector<std::string> labels;
  for (uint32_t k = 0; k < outputs; ++k) labels.push_back("label" + std::to_string(k));
  tt::FloatModel m;
  m.init(s, labels);
  float v = 0.01f;
  for (auto* t : {&m.emb, &m.w1, &m.b1, &m.w2, &m.b2})
    for (auto& x : *t) x = (v = std::fmod(v * 7.3f + 0.11f, 2.0f)) - 1.0f;
  for (uint32_t k = 0; k < outputs; ++k) m.threshold[k] = 0.25f + 0.1f * static_cast<float>(k);
  m.info = "test model";
  return m;
}

TEST(Model, ParameterCount) {
  tt::ModelShape s;
  s.tokenizer.buckets = 100;
  s.dim = 8;
  s.hidden = 4;
  s.outputs = 3;
  EXPECT_EQ(s.parameter_count(), 100u * 8 + 4 * 8 + 4 + 3 * 4 + 3);
  s.hidden = 0;
  EXPECT_EQ(s.parameter_count(), 100u * 8 + 3 * 8 + 3);
  s.linear = true;
  s.dim = 3;
  EXPECT_EQ(s.parameter_count(), 100u * 3 + 3);
}

TEST(Model, ShapeChecks) {
  tt::ModelShape s;
  s.tokenizer.buckets = 0;
  EXPECT_THROW(s.check(), tt::UsageError);
  s.tokenizer.buckets = 10;
  s.linear = true;
  s.dim = 2;
  EXPECT_THROW(s.check(), tt::UsageError);  // dim != outputs
  s.dim = 1;
  s.check();
  s.hidden = 2;
  EXPECT_THROW(s.check(), tt::UsageError);
  s.hidden = 0;
  s.head = tt::Head::kSoftmax;
  EXPECT_THROW(s.check(), tt::UsageError);  // softmax with one output
  s.tokenizer.char_min = 1;
  s.tokenizer.char_max = 3;
  s.head = tt::Head::kSigmoid;
  EXPECT_THROW(s.check(), tt::UsageError);
}

TEST(Model, ForwardMatchesHandComputation) {
  tt::FloatModel m = small_model(2, false, tt::Head::kSigmoid, 1);
  const uint16_t f[] = {1, 5, 1};
  const float sc = 1.0f / std::sqrt(3.0f);
  std::vector<float> p(3);
  for (int d = 0; d < 3; ++d) p[size_t(d)] = (2 * m.emb[3 + size_t(d)] + m.emb[15 + size_t(d)]) * sc;
  float z = m.b2[0];
  for (int h = 0; h < 2; ++h) {
    float a = m.b1[size_t(h)];
    for (int d = 0; d < 3; ++d) a += m.w1[size_t(h) * 3 + size_t(d)] * p[size_t(d)];
    z += m.w2[size_t(h)] * (a > 0 ? a : 0);
  }
  auto s = m.scores_from_features(f, 3);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_NEAR(s[0], 1.0f / (1.0f + std::exp(-z)), 1e-6);
  // Softmax sums to one; an empty text gives the biases.
  tt::FloatModel k = small_model(0, false, tt::Head::kSoftmax, 3);
  auto sk = k.scores("Hello, world! hello");
  EXPECT_NEAR(sk[0] + sk[1] + sk[2], 1.0f, 1e-5);
  EXPECT_TRUE(k.features("").empty());
}

TEST(ModelIo, RoundTripAndByteIdenticalResave) {
  const std::string dir = temp_dir();
  for (int variant = 0; variant < 4; ++variant) {
    tt::FloatModel m = variant == 0   ? small_model(0, true, tt::Head::kSigmoid, 2)
                       : variant == 1 ? small_model(4, false, tt::Head::kSigmoid, 1)
                       : variant == 2 ? small_model(0, false, tt::Head::kSoftmax, 3)
                                      : small_model(5, false, tt::Head::kSoftmax, 4);
    const std::string a = dir + "/a.ttm", b = dir + "/b.ttm";
    tt::save_model(a, m);
    tt::FloatModel r = tt::load_model(a);
    EXPECT_EQ(r.shape.describe(), m.shape.describe());
    EXPECT_EQ(r.labels, m.labels);
    EXPECT_EQ(r.emb, m.emb);
    EXPECT_EQ(r.w1, m.w1);
    EXPECT_EQ(r.b1, m.b1);
    EXPECT_EQ(r.w2, m.w2);
    EXPECT_EQ(r.b2, m.b2);
    EXPECT_EQ(r.threshold, m.threshold);
    EXPECT_EQ(r.info, m.info);
    tt::save_model(b, r);
    EXPECT_EQ(tt::read_file_bytes(a), tt::read_file_bytes(b));
    EXPECT_EQ(tt::model_file_kind(a), tt::ModelKind::kFloat32);
  }
  EXPECT_EQ(count_files(dir), 2u);  // no temporary files left behind
}

// The text row is a shape flag appended to SHAP (written only when set: a model without it keeps
// its bytes) and one more embedding row; the float model appends index B to every text.
TEST(ModelIo, TextRowShapeFlag) {
  tt::FloatModel m = small_model(0, true, tt::Head::kSigmoid, 2);
  const std::string plain = tt::serialize_model(m);
  tt::ModelShape s = m.shape;
  s.text_row = true;
  tt::FloatModel r;
  r.init(s, m.labels);
  EXPECT_EQ(r.emb.size(), size_t{38} * 2);
  EXPECT_EQ(s.parameter_count(), m.shape.parameter_count() + 2);
  for (size_t i = 0; i < r.emb.size(); ++i) r.emb[i] = static_cast<float>(i % 7) * 0.1f - 0.3f;
  r.b2 = m.b2;
  r.threshold = m.threshold;
  r.info = m.info;
  const std::string bytes = tt::serialize_model(r);
  EXPECT_EQ(bytes.size(), plain.size() + 1 + 2 * 4);  // one SHAP byte, one row of 2 floats
  const tt::FloatModel back = tt::parse_model(bytes, "r.ttm");
  EXPECT_TRUE(back.shape.text_row);
  EXPECT_EQ(back.emb, r.emb);
  EXPECT_EQ(tt::serialize_model(back), bytes);
  EXPECT_FALSE(tt::parse_model(plain, "p.ttm").shape.text_row);
  const std::vector<uint16_t> f = r.features("hi there");
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f.back(), 37u);
  EXPECT_EQ(f.size(), m.features("hi there").size() + 1);
  EXPECT_EQ(r.features("").size(), 1u);  // an empty text is the row alone
  // Counted c = 3 times: one more SHAP byte (written only when c != 1), the row 3 times.
  tt::FloatModel r3 = r;
  r3.shape.text_row_count = 3;
  const std::string bytes3 = tt::serialize_model(r3);
  EXPECT_EQ(bytes3.size(), bytes.size() + 1);
  const tt::FloatModel back3 = tt::parse_model(bytes3, "r3.ttm");
  EXPECT_EQ(back3.shape.text_row_count, 3u);
  EXPECT_EQ(back.shape.text_row_count, 1u);
  EXPECT_EQ(tt::serialize_model(back3), bytes3);
  const std::vector<uint16_t> f3 = r3.features("hi there");
  EXPECT_EQ(f3.size(), f.size() + 2);
  EXPECT_EQ(std::vector<uint16_t>(f3.end() - 3, f3.end()), std::vector<uint16_t>(3, 37));
  EXPECT_EQ(r3.features("").size(), 3u);
  // The count byte: 2 .. 255 and only with the row (1 is written as no byte, 0 is no count).
  auto with_shap_tail = [](const std::string& file, const std::string& tail) {
    tt::ModelContainer c = tt::read_container(file, "m");
    for (auto& sec : c.sections)
      if (sec.tag == tt::section_tag("SHAP")) sec.payload += tail;
    return tt::write_container(c);
  };
  for (char bad : {'\0', '\1'}) {
    std::string e;
    try {
      tt::parse_model(with_shap_tail(bytes, std::string(1, bad)), "m.ttm");
    } catch (const tt::Error& x) {
      e = x.what();
    }
    EXPECT_NE(e.find("bad text row count"), std::string::npos) << int{bad} << ": " << e;
  }
  EXPECT_THROW(tt::parse_model(with_shap_tail(plain, std::string("\0\2", 2)), "m.ttm"), tt::Error);
  // B = 65536 leaves no 16-bit index for the row.
  s.tokenizer.buckets = 65536;
  EXPECT_THROW(s.check(), tt::UsageError);
}

// Digit folding: shape flag bit 2, written only when set (a model without it keeps its bytes);
// the model's features follow it.
TEST(ModelIo, FoldDigitsShapeFlag) {
  tt::FloatModel m = small_model(0, true, tt::Head::kSigmoid, 2);
  const std::string plain = tt::serialize_model(m);
  tt::FloatModel f = m;
  f.shape.tokenizer.fold_digits = 1;
  const std::string bytes = tt::serialize_model(f);
  EXPECT_EQ(bytes.size(), plain.size() + 1);  // the shape flags byte
  const tt::FloatModel back = tt::parse_model(bytes, "f.ttm");
  EXPECT_EQ(back.shape.tokenizer.fold_digits, 1u);
  EXPECT_EQ(tt::serialize_model(back), bytes);
  EXPECT_EQ(tt::parse_model(plain, "p.ttm").shape.tokenizer.fold_digits, 0u);
  EXPECT_EQ(f.features("call 0800 123"), m.features("call 0000 000"));
  EXPECT_NE(m.features("call 0800 123"), m.features("call 0000 000"));
  EXPECT_NE(f.shape.describe().find("digits=fold"), std::string::npos);
}

TEST(ModelIo, Crc32KnownValue) {
  EXPECT_EQ(tt::crc32("123456789", 9), 0xCBF43926u);
}

TEST(ModelIo, HeaderLayout) {
  const std::string bytes = tt::serialize_model(small_model(0, true, tt::Head::kSigmoid, 1));
  EXPECT_EQ(bytes.substr(0, 8), "TTXTMODL");
  EXPECT_EQ(bytes[8], 1);  // version 1, little-endian
  EXPECT_EQ(bytes[9] | bytes[10] | bytes[11], 0);
  EXPECT_EQ(bytes[12], 0);  // float32
  EXPECT_EQ(bytes.substr(16, 4), "SHAP");
}

std::string error_of(const std::string& bytes) {
  try {
    tt::parse_model(bytes, "m.ttm");
  } catch (const tt::Error& e) {
    return e.what();
  }
  return "";
}

TEST(ModelIo, EveryTruncationIsRefused) {
  const std::string bytes = tt::serialize_model(small_model(2, false, tt::Head::kSigmoid, 2));
  for (size_t n = 0; n < bytes.size(); ++n) {
    const std::string e = error_of(bytes.substr(0, n));
    EXPECT_FALSE(e.empty()) << "truncated at " << n;
    EXPECT_EQ(e.rfind("m.ttm: ", 0), 0u) << e;
  }
}

TEST(ModelIo, EveryByteFlipIsRefused) {
  const std::string bytes = tt::serialize_model(small_model(2, false, tt::Head::kSoftmax, 2));
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string c = bytes;
    c[i] = static_cast<char>(c[i] ^ 0x5A);
    EXPECT_FALSE(error_of(c).empty()) << "flip at " << i;
  }
}

// Re-seals a container after editing it, so the checks behind the CRC are exercised.
std::string reseal(std::string body_with_old_crc) {
  body_with_old_crc.resize(body_with_old_crc.size() - 4);
  const uint32_t crc = tt::crc32(body_with_old_crc.data(), body_with_old_crc.size());
  for (int i = 0; i < 4; ++i) body_with_old_crc.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  return body_with_old_crc;
}

TEST(ModelIo, SpecificErrors) {
  const tt::FloatModel m = small_model(0, false, tt::Head::kSigmoid, 1);
  const std::string bytes = tt::serialize_model(m);
  std::string bad = bytes;
  bad[0] = 'X';
  EXPECT_NE(error_of(bad).find("bad magic"), std::string::npos);
  bad = bytes;
  bad[8] = 2;
  EXPECT_NE(error_of(reseal(bad)).find("version 2"), std::string::npos);
  bad = bytes;
  bad[bad.size() - 1] ^= 1;
  EXPECT_NE(error_of(bad).find("checksum"), std::string::npos);
  EXPECT_NE(error_of(bytes.substr(0, bytes.size() - 7)).find("checksum"), std::string::npos);
  bad = bytes;
  bad[12] = 1;
  EXPECT_NE(error_of(reseal(bad)).find("int8"), std::string::npos);
  // Inconsistent sizes behind a valid CRC: more buckets than the emb tensor holds.
  bad = bytes;
  bad[24] = static_cast<char>(bad[24] + 1);  // SHAP payload starts at 24: buckets
  EXPECT_NE(error_of(reseal(bad)).find("tensor 'emb'"), std::string::npos);
  // Unknown critical section refused, unknown ancillary section skipped.
  tt::ModelContainer c = tt::read_container(bytes, "m");
  c.sections.push_back({tt::section_tag("ZZZZ"), "x"});
  EXPECT_NE(error_of(tt::write_container(c)).find("unknown critical section ZZZZ"), std::string::npos);
  c.sections.back().tag = tt::section_tag("zzzz");
  EXPECT_EQ(error_of(tt::write_container(c)), "");
  // Missing file.
  EXPECT_THROW(tt::load_model("/nonexistent/dir/m.ttm"), tt::Error);
}

// The exact table: the feature map sends the hashes whose fingerprint is in their group to the
// slot rows (after the buckets and the text row), the rest to the buckets; the file carries G
// and the fingerprints (SHAP flag bit 1 and section XTAB; each without the other is refused).
TEST(ModelIo, ExactTable) {
  tt::FloatModel m = small_model(0, true, tt::Head::kSigmoid, 1);
  tt::ModelShape s = m.shape;
  s.text_row = true;
  s.table_groups = 3;
  EXPECT_EQ(s.table_first(), 38u);
  EXPECT_EQ(s.rows(), 38u + 12u);
  EXPECT_EQ(s.parameter_count(), (37u + 1u + 12u) + 12u + 1u);  // rows, fingerprints, bias
  tt::FloatModel r;
  r.init(s, m.labels);
  for (size_t i = 0; i < r.emb.size(); ++i) r.emb[i] = static_cast<float>(i % 5) * 0.1f - 0.2f;
  // Put two of the text's features into the table: their groups and fingerprints.
  std::vector<uint32_t> h;
  tt::append_text_hashes(s.tokenizer, "hello there", h);
  ASSERT_GE(h.size(), 4u);
  std::vector<uint8_t> used(3, 0);
  for (uint32_t g = 0; g < 3; ++g)
    for (uint32_t i = 0; i < 4; ++i) r.table[g * 4 + i] = static_cast<uint8_t>(200 + g * 4 + i);
  for (uint32_t x : {h[0], h[3]}) {
    const uint32_t g = tt::bucket_of(x, 3);
    r.table[g * 4 + used[g]++] = tt::table_fingerprint(x);
  }
  const std::vector<uint16_t> f = r.features("hello there");
  ASSERT_EQ(f.size(), h.size() + 1);
  size_t hits = 0;
  for (size_t i = 0; i < h.size(); ++i) {
    const uint32_t g = tt::bucket_of(h[i], 3);
    uint32_t want = tt::bucket_of(h[i], 37);
    for (uint32_t j = 0; j < 4; ++j)
      if (r.table[g * 4 + j] == tt::table_fingerprint(h[i])) {
        want = 38 + g * 4 + j;
        break;
      }
    EXPECT_EQ(f[i], want) << i;
    hits += f[i] >= 38;
  }
  EXPECT_GE(hits, 2u);
  EXPECT_EQ(f.back(), 37u);  // the text row
  tt::FloatModel plain = r;
  plain.shape.table_groups = 0;
  plain.table.clear();
  EXPECT_NE(plain.features("hello there"), f);
  // The file.
  const std::string bytes = tt::serialize_model(r);
  const tt::FloatModel back = tt::parse_model(bytes, "t.ttm");
  EXPECT_EQ(back.shape.table_groups, 3u);
  EXPECT_EQ(back.table, r.table);
  EXPECT_EQ(back.emb, r.emb);
  EXPECT_EQ(back.features("hello there"), f);
  EXPECT_EQ(tt::serialize_model(back), bytes);
  tt::ModelContainer c = tt::read_container(bytes, "t");
  tt::ModelContainer no_xtab = c, no_flag = c;
  no_xtab.sections.clear();
  for (const auto& sec : c.sections)
    if (sec.tag != tt::section_tag("XTAB")) no_xtab.sections.push_back(sec);
  for (auto& sec : no_flag.sections)
    if (sec.tag == tt::section_tag("SHAP")) sec.payload[23] = 1;  // the flags byte: text row only
  EXPECT_NE(error_of(tt::write_container(no_xtab)).find("missing section XTAB"), std::string::npos);
  EXPECT_NE(error_of(tt::write_container(no_flag)).find("XTAB without"), std::string::npos);
  // A reader from before the table refuses the file by its SHAP flags (bit 1), as an unknown flag.
  for (auto& sec : c.sections) {
    if (sec.tag == tt::section_tag("SHAP")) {
      EXPECT_EQ(static_cast<uint8_t>(sec.payload[23]), 3u);
    }
  }
  // XTAB's payload: G 0, G beyond the limit, a byte too many or too few; every truncation.
  auto with_xtab = [&](const std::string& payload) {
    tt::ModelContainer x = tt::read_container(bytes, "t");
    for (auto& sec : x.sections)
      if (sec.tag == tt::section_tag("XTAB")) sec.payload = payload;
    return tt::write_container(x);
  };
  std::string xtab;
  for (const auto& sec : tt::read_container(bytes, "t").sections)
    if (sec.tag == tt::section_tag("XTAB")) xtab = sec.payload;
  ASSERT_EQ(xtab.size(), 4u + 12u);
  EXPECT_EQ(error_of(with_xtab(xtab)), "");
  EXPECT_NE(error_of(with_xtab(std::string("\0\0\0\0", 4))).find("group count 0"), std::string::npos);
  EXPECT_NE(error_of(with_xtab(std::string("\xff\xff\0\0", 4) + xtab.substr(4))).find("group count"),
            std::string::npos);
  EXPECT_NE(error_of(with_xtab(xtab + "x")).find("fingerprint bytes"), std::string::npos);
  EXPECT_NE(error_of(with_xtab(xtab.substr(0, xtab.size() - 1))).find("fingerprint bytes"), std::string::npos);
  for (size_t n = 0; n < bytes.size(); ++n) EXPECT_FALSE(error_of(bytes.substr(0, n)).empty()) << n;
  // Too many rows for 16-bit features.
  s.table_groups = 16383;
  EXPECT_THROW(s.check(), tt::UsageError);
}

TEST(ModelIo, FailedSaveLeavesNothing) {
  const std::string dir = temp_dir();
  EXPECT_THROW(tt::save_model(dir + "/no/such/dir/m.ttm", small_model(0, true, tt::Head::kSigmoid, 1)), tt::Error);
  // Renaming over a directory fails after the temporary file was written: it is removed.
  const std::string sub = dir + "/target";
  ASSERT_EQ(mkdir(sub.c_str(), 0755), 0);
  std::FILE* f = std::fopen((sub + "/keep").c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  EXPECT_THROW(tt::save_model(sub, small_model(0, true, tt::Head::kSigmoid, 1)), tt::Error);
  EXPECT_EQ(count_files(dir), 1u);
}

}  // namespace
