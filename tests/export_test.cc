// Export: deterministic generated sources; host/device parity (the exported header compiled
// into a plain program gives the host's int8 outputs bit for bit, on every shared task); cross
// builds for cortex-m0plus and atmega328p with a link check (no heap, float, exceptions) and the
// code-size table of `tinytext size` as a budget.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "data/dataset.h"
#include "export/export.h"
#include "export/boards.h"
#include "export/size.h"
#include "quant/quantize.h"
#include "test_util.h"
#include "train/trainer.h"

namespace {

using tt::quant::QuantModel;

std::string tmpdir() {
  char t[] = "/tmp/tt_export_test.XXXXXX";
  const char* d = mkdtemp(t);
  return d ? d : "/tmp";
}

int sh(const std::string& cmd, std::string* out = nullptr) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  std::string o;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) o.append(buf, n);
  const int rc = pclose(p);
  if (out) *out = o;
  return rc;
}

// Whether a tool is on PATH. With the board tests on (TT_REQUIRE_BOARD_TOOLS, tests/boards.cmake)
// a missing one is a failure, not a skip: a check that vanishes with its tool looks like a pass.
bool have(const std::string& tool) {
  const bool found = sh("command -v " + tool + " >/dev/null") == 0;
#ifdef TT_REQUIRE_BOARD_TOOLS
  if (!found) ADD_FAILURE() << tool << " not found: run scripts/boards-deps.sh (or configure with -DTT_BOARD_TESTS=OFF)";
#endif
  return found;
}

// row_count: 0 no text row, else the text row counted that many times.
QuantModel train_small(const tt::data::Dataset& d, bool hidden, uint32_t row_count = 0, int64_t table = -1) {
  tt::train::TrainRequest o;
  o.quiet = true;
  if (table >= 0) o.exact_table = static_cast<uint32_t>(table);  // -1: the default (600 entries at 4K, one output)
  o.text_row = row_count != 0;
  if (row_count) o.text_row_count = row_count;
  o.epochs = 3;
  if (hidden) {
    o.buckets = 512;
    o.dim = 8;
    o.hidden = 8;
  } else {
    o.max_flash = 4096;
  }
  const tt::FloatModel m = tt::train::train(d, o);
  return tt::quant::quantize(m, tt::quant::calibrate(m, d.texts, {}));
}

// 80/20 with a fixed seed (splitmix64 shuffle); keeps at most `cap` rows of each part.
void split(const tt::data::Dataset& d, tt::data::Dataset& train, std::vector<std::string>& test, size_t cap) {
  std::vector<size_t> idx(d.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  tt::test::SplitMix64 r{42};
  for (size_t i = idx.size(); i > 1; --i) std::swap(idx[i - 1], idx[r.next() % i]);
  const size_t n_test = d.size() / 5;
  train = d;
  train.texts.clear();
  train.targets.clear();
  train.lines.clear();
  for (size_t j = 0; j < idx.size(); ++j) {
    const size_t i = idx[j];
    if (j < n_test) {
      if (test.size() < cap) test.push_back(d.texts[i]);
    } else if (train.size() < cap * 4) {
      train.texts.push_back(d.texts[i]);
      train.lines.push_back(d.lines[i]);
      for (size_t k = 0; k < d.outputs(); ++k) train.targets.push_back(d.target(i, k));
    }
  }
}

// Reads texts (u32 length + bytes) on stdin; scores each with the generic path (tt::Model,
// parity_open) and the static one (parity_model) and prints the integer outputs of the generic
// path; exits 6 at the first text where the two differ in any output, or where model_push_text
// (the whole text in one call, on either path) leaves another state than model_push per byte.
const char* kParityMain = R"(#include <stdio.h>
#include <string.h>
#include "parity_model.h"
template <class M>
static void line(const M& m, const parity_scores& sc, char* buf, size_t cap) {
  int n = snprintf(buf, cap, "%u %u", (unsigned)sc.best, (unsigned long)sc.features == 0 ? 0u : 1u);
  for (unsigned k = 0; k < PARITY_OUTPUTS; ++k)
    n += snprintf(buf + n, cap - (size_t)n, " %ld %ld %u %d", (long)sc.logit[k], (long)sc.rank[k],
                  (unsigned)sc.prob[k], tt::model_positive(m, sc, (uint16_t)k) ? 1 : 0);
  snprintf(buf + n, cap - (size_t)n, " %lu\n", (unsigned long)sc.features);
}
int main() {
  tt::Model m;
  if (parity_open(m) != tt::kOk) return 3;
  parity_model sm;
  static parity_state st, ss, bg, bs;
  parity_scores sc, sd;
  static char a[1 << 16], b[1 << 16];
  static uint8_t text[1 << 20];
  unsigned char len[4];
  while (fread(len, 1, 4, stdin) == 4) {
    unsigned long n = len[0] | (len[1] << 8) | ((unsigned long)len[2] << 16) | ((unsigned long)len[3] << 24);
    if (n > sizeof text) return 7;
    if (fread(text, 1, n, stdin) != n) return 5;
    if (tt::model_reset(m, st) != tt::kOk || tt::model_reset(sm, ss) != tt::kOk) return 4;
    if (tt::model_reset(m, bg) != tt::kOk || tt::model_reset(sm, bs) != tt::kOk) return 4;
    tt::model_push_text(m, bg, text, n);
    tt::model_push_text(sm, bs, text, n);
    for (unsigned long i = 0; i < n; ++i) {
      tt::model_push(m, st, text[i]);
      tt::model_push(sm, ss, text[i]);
      if (i == n / 2) {  // a read mid-text, which must not disturb either state
        tt::model_read(m, st, sc);
        tt::model_read(sm, ss, sd);
        line(m, sc, a, sizeof a);
        line(sm, sd, b, sizeof b);
        if (strcmp(a, b) != 0) return 6;
      }
    }
    tt::model_read(m, st, sc);
    tt::model_read(sm, ss, sd);
    line(m, sc, a, sizeof a);
    line(sm, sd, b, sizeof b);
    if (strcmp(a, b) != 0 || memcmp(&st, &ss, sizeof st) != 0) {
      fprintf(stderr, "generic: %sstatic:  %s", a, b);
      return 6;
    }
    if (memcmp(&st, &bg, sizeof st) != 0 || memcmp(&st, &bs, sizeof st) != 0) {
      fprintf(stderr, "model_push_text differs from model_push per byte\n");
      return 6;
    }
    *strrchr(a, ' ') = 0;  // (the feature count is compared, not printed)
    printf("%s\n", a);
  }
  return 0;
}
)";

void write(const std::string& path, const std::string& s) {
  std::ofstream o(path, std::ios::binary);
  o << s;
}

struct Task {
  const char* name;
  const char* path;
  tt::data::ReaderOptions opt;
};

std::vector<Task> tasks() {
  std::vector<Task> t;
  tt::data::ReaderOptions sms;
  sms.format = tt::data::Format::kTsv;
  sms.header = false;
  sms.text_column = "2";
  sms.label_columns = {"1"};
  t.push_back({"sms", "data/sms-spam-collection/SMSSpamCollection", sms});
  tt::data::ReaderOptions dav;
  dav.text_column = "tweet";
  dav.label_columns = {"class"};
  t.push_back({"davidson", "data/davidson-hate-offensive/labeled_data.csv", dav});
  t.push_back({"jigsaw", "data/jigsaw-toxic-partial/text_comment_1.csv", {}});
  return t;
}

TEST(Export, DeterministicAndNamed) {
  tt::ModelShape s;
  s.tokenizer = {32, 2, 3, 4, 0};
  s.dim = 2;
  s.outputs = 2;
  s.linear = true;
  tt::FloatModel m;
  m.init(s, {"a", "b"});
  for (size_t i = 0; i < m.emb.size(); ++i) m.emb[i] = static_cast<float>(i % 7) / 7.0f - 0.4f;
  const QuantModel q = tt::quant::quantize(m, tt::quant::calibrate(m, {}, {}));
  const auto a = tt::exporter::export_c(q, "spam"), b = tt::exporter::export_c(q, "spam");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].content, b[0].content);
  EXPECT_EQ(a[1].content, b[1].content);
  EXPECT_NE(a[0].content.find("spam_model_data"), std::string::npos);
  EXPECT_NE(a[0].content.find("typedef tt::ModelState<SPAM_DIM, SPAM_HIDDEN, SPAM_OUTPUTS> spam_state;"),
            std::string::npos);
  EXPECT_NE(a[0].content.find("#error"), std::string::npos);
  // One index constant per output, in the model's order.
  EXPECT_NE(a[0].content.find("#define SPAM_LABEL_A 0  // 'a'\n#define SPAM_LABEL_B 1  // 'b'\n"), std::string::npos);
  tt::FloatModel t = m;
  t.labels = {"severe-toxic", "severe_toxic"};
  const auto c = tt::exporter::export_c(tt::quant::quantize(t, tt::quant::calibrate(t, {}, {})), "tox");
  EXPECT_NE(c[0].content.find("#define TOX_LABEL_SEVERE_TOXIC 0  // 'severe-toxic'\n"
                              "#define TOX_LABEL_SEVERE_TOXIC_1 1  // 'severe_toxic'\n"),
            std::string::npos) << c[0].content;
  EXPECT_THROW(tt::exporter::check_name("Spam"), tt::UsageError);
  EXPECT_THROW(tt::exporter::check_name("1x"), tt::UsageError);
  EXPECT_EQ(tt::exporter::name_from_path("/x/My-Model.q8"), "my_model");
}

// The spec carries the text row count c and the table's groups G (0 here); a header of another
// format version does not compile.
TEST(Export, SpecCarriesTextRowCount) {
  if (!have("g++")) GTEST_SKIP() << "g++ not found";
  tt::ModelShape s;
  s.tokenizer = {32, 2, 3, 4, 0};
  s.dim = 2;
  s.outputs = 2;
  s.linear = true;
  s.text_row = true;
  const std::string dir = tmpdir();
  const std::string inc = std::string(TT_SOURCE_DIR) + "/include";
  for (const uint8_t c : {uint8_t{1}, uint8_t{3}}) {
    s.text_row_count = c;
    tt::FloatModel m;
    m.init(s, {"a", "b"});
    for (size_t i = 0; i < m.emb.size(); ++i) m.emb[i] = static_cast<float>(i % 7) / 7.0f - 0.4f;
    const QuantModel q = tt::quant::quantize(m, tt::quant::calibrate(m, {"x"}, {}));
    std::vector<tt::exporter::File> files = tt::exporter::export_c(q, "spam");
    std::string& h = files[0].content;
    const std::string member = "  static const uint8_t text_row_count = " + std::to_string(c) + ";";
    const size_t at = h.find(member);
    ASSERT_NE(at, std::string::npos) << h;
    EXPECT_NE(h.find("  static const uint16_t table_groups = 0;"), std::string::npos) << h;
    const std::string w = dir + "/c" + std::to_string(c);
    tt::exporter::write_files(w, files);
    write(w + "/main.cc", "#include \"spam_model.h\"\nstatic_assert(spam_model::kTextRowCount == " +
                              std::to_string(c) + ", \"c\");\nint main() { return 0; }\n");
    std::string log;
    EXPECT_EQ(sh("g++ -std=c++11 -fsyntax-only -Wall -Wextra -Werror -I" + inc + " -I" + w + " " + w + "/main.cc", &log),
              0)
        << log;
    // Another format version: the header's #error names the upgrade path.
    write(w + "/old.cc", "#include <tinytext/model.h>\n#undef TT_MODEL_FORMAT_VERSION\n#define TT_MODEL_FORMAT_VERSION " +
                             std::to_string(TT_MODEL_FORMAT_VERSION - 1) + "\n#include \"spam_model.h\"\n");
    EXPECT_NE(sh("g++ -std=c++11 -fsyntax-only -I" + inc + " -I" + w + " " + w + "/old.cc", &log), 0);
    EXPECT_NE(log.find("re-run tinytext quantize and export"), std::string::npos) << log;
  }
  sh("rm -rf " + dir);
}

// Exports q into w, builds the parity program (generic and static path, see kParityMain) twice,
// as for the M0 and with TT_SMALL=1 (the AVR's code paths: the hash's table-driven finish, the
// n-gram loop, the one-loop reset, ...), and checks both programs' integers on `texts` against
// the host runner's (what predict prints). The boards run TT_SMALL only on the 4 KB shape.
void check_parity(const QuantModel& q, const std::string& w, const std::vector<std::string>& texts) {
  tt::exporter::write_files(w, tt::exporter::export_c(q, "parity"));
  write(w + "/main.cc", kParityMain);
  const std::string inc = std::string(TT_SOURCE_DIR) + "/include";
  std::string log;
  ASSERT_EQ(sh("g++ -std=c++11 -O2 -Wall -Wextra -Wconversion -Werror -ffreestanding -fno-exceptions -fno-rtti -I" +
                   inc + " -I" + w + " -c " + w + "/parity_model.cc -o " + w + "/model.o",
               &log),
            0)
      << log;
  for (const char* small : {"0", "1"}) {
    ASSERT_EQ(sh("g++ -std=c++11 -O2 -Wall -Wextra -Werror -fno-exceptions -fno-rtti -DTT_SMALL=" + std::string(small) +
                     " -I" + inc + " -I" + w + " " + w + "/main.cc " + w + "/model.o -o " + w + "/parity" + small,
                 &log),
              0)
        << log;
  }
  std::string in, expect;
  tt::quant::Runner run(q);
  for (const auto& text : texts) {
    const uint32_t n = static_cast<uint32_t>(text.size());
    for (int i = 0; i < 4; ++i) in.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
    in += text;
    const tt::quant::IntScores r = run.score(text);
    std::ostringstream os;
    os << r.best << " " << (r.features ? 1 : 0);
    for (size_t k = 0; k < r.logit.size(); ++k)
      os << " " << r.logit[k] << " " << r.rank[k] << " " << r.prob[k] << " " << int{r.positive[k]};
    expect += os.str() + "\n";
  }
  write(w + "/in.bin", in);
  for (const char* small : {"0", "1"}) {
    std::string got;
    ASSERT_EQ(sh(w + "/parity" + small + " < " + w + "/in.bin", &got), 0)
        << "TT_SMALL=" << small << ": the paths differ (static, generic, model_push_text)\n" << got;
    EXPECT_EQ(got, expect) << "TT_SMALL=" << small << " " << q.shape.describe();
  }
}

// Parity on every shared task: g++ builds the exported sources (the model .cc freestanding), the
// program scores held-out texts on both paths, and its integers equal the host runner's.
TEST(Export, HostDeviceParityOnEveryTask) {
  if (!have("g++")) GTEST_SKIP() << "g++ not found";
  const std::string dir = tmpdir();
  for (const Task& t : tasks()) {
    SCOPED_TRACE(t.name);
    const tt::data::Dataset d = tt::data::read_dataset(tt::test::shared_path(t.path), t.opt);
    tt::data::Dataset train;
    std::vector<std::string> test;
    split(d, train, test, 400);
    for (bool hidden : {false, true})
      for (uint32_t row : {0u, 1u, 3u}) {
        if (hidden && row == 1) continue;  // the row's code is the same; c = 3 covers it
        const QuantModel q = train_small(train, hidden, row);
        ASSERT_EQ(q.shape.text_row, row != 0);
        ASSERT_EQ(q.shape.text_row_count, row ? row : 1);
        check_parity(q, dir + "/" + t.name + (hidden ? "_h" : "_l") + (row ? "r" + std::to_string(row) : ""), test);
      }
    // An exact table on every task: the linear 4K model (also with several outputs, where it is
    // not the default) and an embedding model with a hidden layer.
    for (bool hidden : {false, true}) {
      const QuantModel q = train_small(train, hidden, hidden ? 0 : 2, hidden ? 100 : 200);
      ASSERT_GT(q.shape.table_groups, 0u);
      check_parity(q, dir + "/" + t.name + (hidden ? "_ht" : "_lt"), test);
    }
  }
  sh("rm -rf " + dir);
}

// The static path (the generated NAME_model type) against the generic one (tt::Model,
// model_open) and the host runner on every text of the SMS test split (every fifth row), with the
// board models' shapes: 4 KB (words, char 3-4) and 32 KB (words, bigrams, char 3-5).
TEST(Export, StaticEqualsGenericOnSmsTestSplit) {
  if (!have("g++")) GTEST_SKIP() << "g++ not found";
  const std::string dir = tmpdir();
  tt::data::Dataset train, test;
  tt::test::split_every_fifth(tt::test::read_sms(), train, test);
  for (int run = 0; run < 5; ++run) {
    const uint64_t flash = run == 1 ? 32768u : 4096u;
    tt::train::TrainRequest o;
    o.quiet = true;
    if (run == 4) o.exact_table = 0;  // the 4 KB shape without its default exact table
    o.text_row = run == 2 || run == 3;  // the 4 KB shape with the text row, counted once and 3 times
    if (run == 2 || run == 3) o.text_row_count = run == 3 ? 3 : 1;
    o.epochs = 2;
    o.max_flash = flash;  // the budget rule picks char 3-4 at 4 KB, keeps 3-5 and bigrams at 32 KB
    const tt::FloatModel m = tt::train::train(train, o);
    const QuantModel q = tt::quant::quantize(m, tt::quant::calibrate(m, train.texts, {}));
    SCOPED_TRACE(q.shape.describe());
    ASSERT_EQ(q.shape.text_row, run == 2 || run == 3);
    ASSERT_EQ(q.shape.text_row_count, run == 3 ? 3 : 1);
    ASSERT_EQ(q.shape.table_groups > 0, flash == 4096u && run != 4);  // the default at 4 KB
    check_parity(q, dir + "/sms" + std::to_string(flash) + (run >= 2 ? "r" + std::to_string(run - 1) : ""),
                 test.texts);  // run 4: "r3", no row and no table
  }
  sh("rm -rf " + dir);
}

const char* kProbe = R"(#include "a_model.h"
#include "b_model.h"
volatile uint8_t in_byte;
volatile int32_t out_v;
template <class M, class S, class C>
static void drive(const M& m) {
  S st;
  if (tt::model_reset(m, st) != tt::kOk) { out_v = -2; return; }
  for (uint8_t i = 0; i < 64; ++i) tt::model_push(m, st, in_byte);
  C sc;
  tt::model_read(m, st, sc);
  out_v = sc.logit[0] + sc.prob[0] + (tt::model_positive(m, sc, 0) ? 1 : 0);
}
template <class S, class C>
static void run(tt::Status (*open)(tt::Model&)) {
  tt::Model m;
  if (open(m) != tt::kOk) { out_v = -1; return; }
  drive<tt::Model, S, C>(m);
}
template <class M, class S, class C>
static void run_static() {
  M m;
  drive<M, S, C>(m);
}
int main() {
#if defined(STATIC)  // the static path: a, b or both
#if !defined(ONLY_B)
  run_static<a_model, a_state, a_scores>();
#endif
#if defined(BOTH) || defined(ONLY_B)
  run_static<b_model, b_state, b_scores>();
#endif
#else
  run<a_state, a_scores>(a_open);
#ifdef BOTH
  run<b_state, b_scores>(b_open);
#endif
#endif
  return 0;
}
)";

// The int8 model of shape s with float weights uniform in [-1, 1] from r, calibrated on nothing.
QuantModel random_model(const tt::ModelShape& s, const std::vector<std::string>& labels, tt::test::SplitMix64& r) {
  tt::FloatModel m;
  m.init(s, labels);
  for (auto* t : {&m.emb, &m.w1, &m.b1, &m.w2, &m.b2})
    for (auto& v : *t) v = static_cast<float>(static_cast<double>(r.next() % 2001) / 1000.0 - 1.0);
  return tt::quant::quantize(m, tt::quant::calibrate(m, {}, {}));
}

// A linear model with one output and B buckets (bigrams, char 3-5).
tt::ModelShape linear_shape(uint32_t buckets) {
  tt::ModelShape s;
  s.tokenizer = {buckets, 2, 3, 5, 0};
  s.dim = 1;
  s.outputs = 1;
  s.linear = true;
  return s;
}

// Two models linked into one freestanding image for each target: compiles warning-free, links
// with no heap/float/exception symbols, and the runtime's code stays within `tinytext size`'s table.
TEST(Export, CrossBuildLinkCheckAndCodeBudget) {
  const std::string dir = tmpdir();
  tt::ModelShape s = linear_shape(1024);
  tt::test::SplitMix64 r{5};
  const QuantModel qa = random_model(s, {"spam"}, r);
  s.tokenizer.buckets = 256;
  s.dim = 16;
  s.hidden = 16;
  s.outputs = 3;
  s.linear = false;
  s.head = tt::Head::kSoftmax;
  const QuantModel qb = random_model(s, {"x", "y", "z"}, r);
  tt::exporter::write_files(dir, tt::exporter::export_c(qa, "a"));
  tt::exporter::write_files(dir, tt::exporter::export_c(qb, "b"));
  write(dir + "/probe.cc", kProbe);
  write(dir + "/empty.cc", "int main() { return 0; }\n");
  const std::string flags = "-std=c++11 -Os -Wall -Wextra -Wconversion -Werror -ffreestanding -fno-exceptions -fno-rtti "
                            "-ffunction-sections -fdata-sections -I" + std::string(TT_SOURCE_DIR) + "/include -I" + dir;
  const std::string srcs = dir + "/probe.cc " + dir + "/a_model.cc " + dir + "/b_model.cc";
  struct Target {
    const char* cc;
    const char* nm;
    const char* size;
    const char* arch;
    const char* link;
    const char* name;
  } targets[] = {{"arm-none-eabi-g++", "arm-none-eabi-nm", "arm-none-eabi-size", "-mcpu=cortex-m0plus -mthumb",
                  "-Wl,--gc-sections --specs=nano.specs --specs=nosys.specs", "cortex-m0plus"},
                 {"arm-none-eabi-g++", "arm-none-eabi-nm", "arm-none-eabi-size", "-mcpu=cortex-m4 -mthumb",
                  "-Wl,--gc-sections --specs=nano.specs --specs=nosys.specs", "cortex-m4"},
                 // gcc, not g++: it compiles .cc as C++ and links no libstdc++ (Debian ships none for it).
                 {"riscv64-unknown-elf-gcc", "riscv64-unknown-elf-nm", "riscv64-unknown-elf-size",
                  "-march=rv32imc -mabi=ilp32", "-Wl,--gc-sections --specs=picolibc.specs", "rv32imc"},
                 {"avr-g++", "avr-nm", "avr-size", "-mmcu=atmega328p", "-Wl,--gc-sections", "atmega328p"},
                 {"avr-g++", "avr-nm", "avr-size", "-mmcu=atmega2560", "-Wl,--gc-sections", "atmega2560"}};
  size_t built = 0;
  for (const Target& t : targets) {
    if (!have(t.cc)) continue;
    SCOPED_TRACE(t.name);
    ++built;
    auto text_of = [&](const std::string& elf) {
      std::string out;
      sh(std::string(t.size) + " " + elf + " | tail -1 | awk '{print $1 + $2}'", &out);  // flash: text + data
      return std::strtoul(out.c_str(), nullptr, 10);
    };
    std::string log;
    const std::string one = dir + "/one_" + t.name + ".elf", two = dir + "/two_" + t.name + ".elf",
                      empty = dir + "/empty_" + t.name + ".elf";
    ASSERT_EQ(sh(std::string(t.cc) + " " + flags + " " + t.arch + " " + srcs + " " + t.link + " -o " + one, &log), 0) << log;
    ASSERT_EQ(sh(std::string(t.cc) + " " + flags + " -DBOTH " + t.arch + " " + srcs + " " + t.link + " -o " + two, &log), 0)
        << log;
    ASSERT_EQ(sh(std::string(t.cc) + " -Os " + t.arch + " " + dir + "/empty.cc " + t.link + " -o " + empty, &log), 0) << log;
    EXPECT_EQ(sh("bash " + std::string(TT_SOURCE_DIR) + "/targets/link_check.sh " + t.nm + " " + one + " " + two, &log), 0)
        << log;
    std::string syms;
    sh(std::string(t.nm) + " " + two, &syms);
    EXPECT_NE(syms.find("a_model_data"), std::string::npos);
    EXPECT_NE(syms.find("b_model_data"), std::string::npos);
    const unsigned long code1 = text_of(one) - text_of(empty) - qa.image.size();
    const unsigned long code2 = text_of(two) - text_of(empty) - qa.image.size() - qb.image.size();
    // The static path, each model alone (a: linear with bigrams and char 3-5; b: hidden layer and
    // softmax) and both.
    unsigned long sa = 0, sb = 0, s2 = 0;
    for (const char* which : {"", " -DONLY_B", " -DBOTH"}) {
      const std::string elf = dir + "/static_" + t.name + ".elf";
      ASSERT_EQ(sh(std::string(t.cc) + " " + flags + " -DSTATIC" + which + " " + t.arch + " " + srcs + " " + t.link +
                       " -o " + elf,
                   &log),
                0)
          << log;
      EXPECT_EQ(sh("bash " + std::string(TT_SOURCE_DIR) + "/targets/link_check.sh " + t.nm + " " + elf, &log), 0) << log;
      const unsigned long c = text_of(elf) - text_of(empty);
      if (*which == 0) sa = c - qa.image.size();
      else if (which[3] == 'O') sb = c - qb.image.size();
      else s2 = c - qa.image.size() - qb.image.size();
    }
    for (const auto& c : tt::exporter::target_costs()) {
      if (c.name != t.name) continue;
      std::printf("[ size     ] %s: runtime code %lu bytes with one model (table %u), %lu with two (table %u)\n",
                  t.name, code1, c.code_first, code2, c.code_first + c.code_more);
      std::printf("[ size     ] %s: static path %lu (linear, table %u) / %lu (hidden, softmax) bytes with one model "
                  "(table %u), %lu with both (table %u)\n",
                  t.name, sa, c.code_static_linear, sb, c.code_static, s2, c.code_static + c.code_more);
      EXPECT_LE(sa, c.code_static_linear);
      EXPECT_LE(code1, c.code_first) << "the runtime outgrew the table in src/export/size.cc";
      EXPECT_LE(code2, c.code_first + c.code_more);
      EXPECT_LE(std::max(sa, sb), c.code_static);
      EXPECT_LE(s2, c.code_static + c.code_more);
      // ...and does not overstate it by more than 15% (a stale table misleads `tinytext size`).
      EXPECT_LE(c.code_first, code1 * 115 / 100) << "re-measure the table in src/export/size.cc";
      EXPECT_LE(c.code_static_linear, sa * 115 / 100) << "re-measure the table in src/export/size.cc";
      EXPECT_LE(c.code_static, std::max(sa, sb) * 115 / 100) << "re-measure the table in src/export/size.cc";
    }
  }
  if (!built) GTEST_SKIP() << "no cross compiler";
  sh("rm -rf " + dir);
}

}  // namespace

// The board table (export/boards.h): a 4 KB linear model fits every board; a 32 KB one (the
// default export: 32,767 B) every board but the 328P ones (the Uno has 32,256 bytes for a
// sketch); 32,768 B exceeds what the AVR runtime reads as one array; every board's own flash is
// too much (the runtime and the sketch count too); train --board's budget fits.
TEST(Export, SizeSaysWhatFitsTheBoards) {
  tt::Model m{};
  m.flags = tt::kModelLinear;
  m.dim = 1;
  m.outputs = 1;
  using tt::exporter::fit_on;
  for (const auto& b : tt::exporter::boards()) {
    SCOPED_TRACE(b.name);
    (void)tt::exporter::costs_of(b);  // every board has a cost entry
    EXPECT_FALSE(b.source.empty());
    EXPECT_TRUE(fit_on(b, m, 4094).fits);
    EXPECT_EQ(fit_on(b, m, 32767).fits, b.mcu != "ATmega328P") << fit_on(b, m, 32767).why;
    EXPECT_FALSE(fit_on(b, m, b.flash).fits);
    if (b.max_image) {
      EXPECT_NE(fit_on(b, m, b.max_image + 1).why.find("PROGMEM"), std::string::npos);
    }
    const uint64_t w = tt::exporter::weights_budget(b);
    EXPECT_TRUE(fit_on(b, m, static_cast<uint32_t>(w + tt::exporter::kImageOverhead)).fits) << w;
    EXPECT_FALSE(fit_on(b, m, static_cast<uint32_t>(w + tt::exporter::kImageOverhead + 2048)).fits) << w;
  }
  // The Mega has far flash: its budget is its flash less the runtime and the sketch, past 32,767 B
  // (the trainer's shape rules cap a model below it); so has a generic AVR with more than 64 KB.
  const auto& mega = tt::exporter::find_board("mega2560");
  EXPECT_EQ(tt::exporter::weights_budget(mega), mega.flash - mega.sketch_flash - tt::exporter::kImageOverhead -
                                                    tt::exporter::costs_of(mega).code_static -
                                                    tt::exporter::costs_of(mega).code_far_static);
  EXPECT_TRUE(fit_on(mega, m, 196737).fits);
  EXPECT_EQ(tt::exporter::find_board("generic-avr", 128 * 1024, 16 * 1024).max_image, 0u);
  EXPECT_EQ(tt::exporter::find_board("generic-avr", 64 * 1024, 4 * 1024).max_image, 32767u);
  const auto g = tt::exporter::find_board("generic-m4", 64 * 1024, 16 * 1024);
  EXPECT_EQ(g.target, "cortex-m4");
  EXPECT_TRUE(fit_on(g, m, 32767).fits);
  EXPECT_FALSE(fit_on(tt::exporter::find_board("generic-avr", 16 * 1024, 1024), m, 16 * 1024).fits);
  EXPECT_THROW(tt::exporter::find_board("generic-m4"), tt::UsageError);
  EXPECT_THROW(tt::exporter::find_board("arduino"), tt::UsageError);
}

namespace {

// An image over 32,767 bytes on an AVR (issue 16): the ATmega2560 build compiles warning-free,
// links with no forbidden symbol, and places the image after every function (far flash, read
// with ELPM; the workload sms64k_mega runs one in simavr); the runtime's code on the static path
// stays within `tinytext size`'s figure for a far image; a near model (b, 1 KB) links beside it;
// the ATmega328P build stops at the header's #error, which names the numbers and the fix.
TEST(Export, FarImageOnTheMega) {
  if (!have("avr-g++") || !have("avr-nm") || !have("avr-size")) return;
  const std::string dir = tmpdir();
  tt::test::SplitMix64 r{7};
  const QuantModel q = random_model(linear_shape(40000), {"spam"}, r);
  ASSERT_GT(q.image.size(), 32767u);
  tt::exporter::write_files(dir, tt::exporter::export_c(q, "a"));
  tt::exporter::write_files(dir, tt::exporter::export_c(random_model(linear_shape(1024), {"spam"}, r), "b"));
  write(dir + "/probe.cc", kProbe);
  write(dir + "/empty.cc", "int main() { return 0; }\n");
  const std::string cc = "avr-g++ -std=c++11 -Os -Wall -Wextra -Wconversion -Werror -ffreestanding -fno-exceptions "
                         "-fno-rtti -ffunction-sections -fdata-sections -I" + std::string(TT_SOURCE_DIR) + "/include -I" +
                         dir + " ";
  const std::string srcs = dir + "/probe.cc " + dir + "/a_model.cc " + dir + "/b_model.cc -Wl,--gc-sections";
  std::string log;
  ASSERT_NE(sh(cc + "-mmcu=atmega328p -DSTATIC " + srcs + " -o " + dir + "/uno.elf", &log), 0);
  EXPECT_NE(log.find("a_model.h: the image is " + std::to_string(q.image.size()) +
                     " bytes; on an AVR with 64 KB of flash or less (the ATmega328P of the Uno and Nano) the runtime "
                     "reads at most 32,767. Train a model for the board: tinytext train --board uno"),
            std::string::npos)
      << log;
  auto flash_of = [&](const std::string& elf) {
    std::string out;
    sh("avr-size " + elf + " | tail -1 | awk '{print $1 + $2}'", &out);
    return std::strtoul(out.c_str(), nullptr, 10);
  };
  ASSERT_EQ(sh("avr-g++ -Os -mmcu=atmega2560 " + dir + "/empty.cc -o " + dir + "/empty.elf", &log), 0) << log;
  for (const char* path : {"-DSTATIC", "", "-DSTATIC -DBOTH"}) {
    SCOPED_TRACE(path);
    const std::string elf = dir + "/mega.elf";
    ASSERT_EQ(sh(cc + "-mmcu=atmega2560 " + path + " " + srcs + " -o " + elf, &log), 0) << log;
    EXPECT_EQ(sh("bash " + std::string(TT_SOURCE_DIR) + "/targets/link_check.sh avr-nm " + elf, &log), 0) << log;
    // The image is the last thing before _exit's stop loop: above every function.
    std::string syms;
    sh("avr-nm -n -S " + elf + " | awk '$4 == \"a_model_data\" || ($3 ~ /[Tt]/ && NF == 4) {print $1, $2, $4}'",
       &syms);
    std::istringstream in(syms);
    unsigned long at = 0, bytes = 0, last_fn = 0;
    std::string a, b, name;
    while (in >> a >> b >> name) {
      const unsigned long v = std::strtoul(a.c_str(), nullptr, 16);
      if (name == "a_model_data") {
        at = v;
        bytes = std::strtoul(b.c_str(), nullptr, 16);
      } else if (v > last_fn) {
        last_fn = v;
      }
    }
    EXPECT_EQ(bytes, q.image.size()) << syms;
    EXPECT_GT(at, last_fn) << syms;
    const unsigned long code = flash_of(elf) - flash_of(dir + "/empty.elf") - q.image.size();
    for (const auto& c : tt::exporter::target_costs()) {
      if (c.name != "atmega2560" || std::string(path) == "-DSTATIC -DBOTH") continue;
      const bool fixed = *path != 0;
      const uint32_t far = fixed ? c.code_far_static : c.code_far_first;
      const uint32_t table = (fixed ? c.code_static_linear : c.code_first) + far;
      std::printf("[ size     ] atmega2560, far image: %s path %lu bytes (table %u with far %u)\n",
                  fixed ? "static" : "generic", code, table, far);
      EXPECT_LE(code, table) << "the far reads outgrew the table in src/export/size.cc";
      EXPECT_LE(table, code * 115 / 100) << "re-measure code_far_* in src/export/size.cc";
    }
  }
  sh("rm -rf " + dir);
}

}  // namespace
