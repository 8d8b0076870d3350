// Issue 14, the command line: --version, "did you mean", --json on every command that prints
// results, one plain score format, sizes with units, train --help's order, inspect, size on a
// float model. Each test makes its own data and model.
#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace tt {
namespace {

#define EXPECT_HAS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "in: " << (haystack)

test::RunResult tt_run(const std::string& args, const std::string& input = "") {
  return test::run(test::cli() + " " + args, input);
}

// A small spam model in `dir` (float m.ttm and int8 m.q8), from generated rows.
void small_model(const test::TempDir& dir) {
  std::string csv = "text,spam\n";
  for (int i = 0; i < 30; ++i) {
    csv += "\"WINNER claim your free prize now, call 0800" + std::to_string(i) + "\",1\n";
    csv += "\"hi mum, see you at home at " + std::to_string(i % 12) + " ok\",0\n";
  }
  const std::string data = dir.write("d.csv", csv);
  ASSERT_EQ(tt_run("train " + data + " --max-flash 4KB --quiet -o " + dir.path() + "/m.ttm").exit_code, 0);
  ASSERT_EQ(tt_run("quantize " + dir.path() + "/m.ttm --calib " + data + " --quiet -o " + dir.path() + "/m.q8").exit_code,
            0);
}

TEST(CliPolish, VersionAndDidYouMean) {
  const auto v = tt_run("--version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out.rfind("tinytext ", 0), 0u) << v.out;
  EXPECT_HAS(v.out, "model file format 1");
  EXPECT_HAS(v.out, "device runtime ");
  const auto c = tt_run("trian x");
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_HAS(c.err, "unknown command 'trian'; did you mean 'train'?");
  const auto o = tt_run("train x --max-flsh 4K -o y");
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_HAS(o.err, "unknown option '--max-flsh'; did you mean --max-flash?");
  EXPECT_EQ(tt_run("train x --zzzzzzzz -o y").err.find("did you mean"), std::string::npos);
}

TEST(CliPolish, SizesWithUnits) {
  test::TempDir dir;
  const std::string data = dir.write("d.csv", "text,label\nwin cash,1\nhi mum,0\nfree prize,1\nsee you,0\n");
  for (const char* size : {"4096", "4K", "4KB", "4kb", "'4 KiB'"}) {
    const auto r = tt_run("train " + data + " --max-flash " + size + " --quiet --json -o " + dir.path() + "/m.ttm");
    ASSERT_EQ(r.exit_code, 0) << size << ": " << r.err;
    EXPECT_HAS(r.out, "\"parameters\":4066");
  }
  const auto bad = tt_run("train " + data + " --max-flash 4KX -o " + dir.path() + "/m.ttm");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_HAS(bad.err, "--max-flash must be a size such as 4096, 4K, 4KB, 4 KiB or 1M, got '4KX'");
}

TEST(CliPolish, TrainHelpLeadsWithWhatUsersNeed) {
  const auto h = tt_run("train --help");
  ASSERT_EQ(h.exit_code, 0);
  const size_t data = h.out.find("\ndata and labels:\n"), out = h.out.find("\noutput and budget:\n"),
               shape = h.out.find("\nmodel shape"), training = h.out.find("\ntraining:\n"),
               advanced = h.out.find("\nadvanced (research knobs");
  ASSERT_NE(data, std::string::npos) << h.out;
  EXPECT_LT(data, out);
  EXPECT_LT(out, shape);
  EXPECT_LT(shape, training);
  EXPECT_LT(training, advanced);
  EXPECT_GT(h.out.find("--kind-scale"), advanced);
  EXPECT_GT(h.out.find("--nb-beta"), advanced);
  EXPECT_LT(h.out.find("--positive"), out);
}

TEST(CliPolish, JsonOnEveryCommandThatPrintsResults) {
  test::TempDir dir;
  small_model(dir);
  const std::string d = dir.path();
  const auto s = tt_run("split " + d + "/d.csv --json -o " + d + "/s");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_HAS(s.out, "\"rows\":60,\"train\":{\"path\":\"" + d + "/s.train.csv\",\"rows\":48},\"test\":{\"path\":\"" + d +
                        "/s.test.csv\",\"rows\":12},\"seed\":1,\"data_summary\":{\"file\":\"d.csv\"");
  const auto e = tt_run("export " + d + "/m.q8 --format c --name spam --quiet --json -o " + d + "/c");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_EQ(e.out.rfind("{\"model\":\"" + d + "/m.q8\",\"format\":\"c\",\"name\":\"spam\",\"labels\":[\"spam\"],\"files\":[\"" + d +
                       "/c/spam_model.h\",\"" + d + "/c/spam_model.cc\",\"" + d + "/c/tinytext/config.h\",\"" + d +
                       "/c/tinytext/pgm.h\"", 0),
            0u)
      << e.out;  // ... then the other runtime headers (docs/export.md)
  EXPECT_HAS(e.out, "/c/tinytext/model.h\"");
  const auto t = tt_run("tokenize --json 'Hi mum'");
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_EQ(t.out.rfind("{\"text\":\"Hi mum\",\"tokens\":[{\"kind\":\"word\",\"token\":\"hi\",\"hash\":", 0), 0u) << t.out;
  const auto h = tt_run("hash --json hello");
  EXPECT_EQ(h.out.rfind("{\"word\":\"hello\",\"hash\":", 0), 0u) << h.out;
  const auto k = tt_run("hid-type --json hi");
  ASSERT_EQ(k.exit_code, 0) << k.err;
  EXPECT_EQ(k.out.rfind("{\"layout\":\"us\",\"format\":\"hex\",\"messages\":1,\"reports\":6,\"hex\":[\"", 0), 0u) << k.out;
  const auto f = tt_run("hid-type --json --format pcap -o " + d + "/k.pcap hi");
  ASSERT_EQ(f.exit_code, 0) << f.err;
  EXPECT_HAS(f.out, "\"output\":\"" + d + "/k.pcap\"}");
}

TEST(CliPolish, OneScoreFormatForFloatAndInt8) {
  test::TempDir dir;
  small_model(dir);
  for (const char* m : {"/m.ttm", "/m.q8"}) {
    const auto p = tt_run("predict " + dir.path() + m + " 'WINNER claim your free prize now'");
    ASSERT_EQ(p.exit_code, 0) << p.err;
    // PREDICTED<TAB>spam=0.dddd: four decimals for both kinds.
    const size_t eq = p.out.find("spam=");
    ASSERT_NE(eq, std::string::npos) << p.out;
    EXPECT_EQ(p.out.size() - (eq + 5), 7u) << m << ": " << p.out;
  }
}

TEST(CliPolish, InspectAndSizeSayWhatAModelIs) {
  test::TempDir dir;
  small_model(dir);
  const std::string d = dir.path();
  const auto f = tt_run("inspect " + d + "/m.ttm");
  ASSERT_EQ(f.exit_code, 0) << f.err;
  EXPECT_HAS(f.out, "m.ttm: float model");
  EXPECT_HAS(f.out, "  0 spam ");
  EXPECT_HAS(f.out, "data: d.csv: csv (the file name ends in .csv)");
  EXPECT_HAS(f.out, "data: positive label: spam");
  EXPECT_HAS(f.out, "cortex-m0plus");
  const auto q = tt_run("inspect " + d + "/m.q8 --json");
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.out.rfind("{\"model\":\"" + d + "/m.q8\",\"kind\":\"int8\"", 0), 0u) << q.out;
  EXPECT_HAS(q.out, "\"data_summary\":{\"file\":\"d.csv\"");
  EXPECT_HAS(q.out, "\"parent_model\":\"0x");
  EXPECT_HAS(q.out, "\"targets\":[{\"target\":\"cortex-m0plus\"");
  const auto s = tt_run("size " + d + "/m.ttm");
  EXPECT_HAS(s.out, "m.ttm: a float model, measured as the int8 model 'tinytext quantize' would make of it");
  EXPECT_HAS(tt_run("size " + d + "/m.ttm --json").out, "\"kind\":\"float32\"");
  // A model given as data is named as one.
  const auto e = tt_run("train " + d + "/m.ttm -o " + d + "/x.ttm");
  EXPECT_EQ(e.exit_code, 1);
  EXPECT_HAS(e.err, "m.ttm: this is a tinytext model file, not data");
}

}  // namespace
}  // namespace tt
