// Issue 16, the board table from the command line: train --board trains the largest model that
// fits, size lists every board (or one), export --board refuses with the numbers and writes
// nothing, unknown or incomplete board names are usage errors.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "export/boards.h"
#include "test_util.h"

namespace tt {
namespace {

#define EXPECT_HAS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "in: " << (haystack)

test::RunResult tt_run(const std::string& args) { return test::run(test::cli() + " " + args); }

std::string spam_data(const test::TempDir& dir) {
  std::string csv = "text,spam\n";
  for (int i = 0; i < 30; ++i) {
    csv += "\"WINNER claim your free prize now, call 0800" + std::to_string(i) + "\",1\n";
    csv += "\"hi mum, see you at home at " + std::to_string(i % 12) + " ok\",0\n";
  }
  return dir.write("d.csv", csv);
}

// Trains with `how` and quantises: the int8 model's path.
std::string model(const test::TempDir& dir, const std::string& data, const std::string& name, const std::string& how) {
  const std::string f = dir.path() + "/" + name + ".ttm", q = dir.path() + "/" + name + ".q8";
  EXPECT_EQ(tt_run("train " + data + " " + how + " --quiet -o " + f).exit_code, 0) << how;
  EXPECT_EQ(tt_run("quantize " + f + " --calib " + data + " --quiet -o " + q).exit_code, 0);
  return q;
}

TEST(CliBoards, TrainSizeExport) {
  test::TempDir dir;
  const std::string data = spam_data(dir);
  const std::string uno = model(dir, data, "uno", "--board uno");
  const std::string big = model(dir, data, "big", "--max-flash 32K");
  const std::string mega = model(dir, data, "mega", "--board mega2560");

  // size: every board by default, one with --board; the Uno model fits the Uno.
  const auto all = tt_run("size " + uno);
  ASSERT_EQ(all.exit_code, 0) << all.err;
  for (const auto& b : exporter::boards()) EXPECT_HAS(all.out, "(" + b.name + ")");
  const auto one = tt_run("size " + uno + " --board uno --json");
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_HAS(one.out, "\"board\":\"uno\"");
  EXPECT_HAS(one.out, "\"fits\":true");
  EXPECT_EQ(one.out.find("\"board\":\"nano\""), std::string::npos);
  EXPECT_EQ(tt_run("export " + uno + " --board uno -o " + dir.path() + "/u --quiet").exit_code, 0);

  // The 32 KB model: refused for the Uno with the numbers, nothing written; fine for the Mega.
  const auto no = tt_run("export " + big + " --board uno -o " + dir.path() + "/x");
  EXPECT_EQ(no.exit_code, 1);
  EXPECT_HAS(no.err, "does not fit the Arduino Uno (ATmega328P)");
  EXPECT_HAS(no.err, "of 32256");
  EXPECT_HAS(no.err, "--board uno");
  EXPECT_FALSE(std::ifstream(dir.path() + "/x/big_model.h").good());
  EXPECT_EQ(tt_run("export " + big + " --board mega2560 -o " + dir.path() + "/m --quiet").exit_code, 0);
  // The Mega's own model (the largest that fits it: an image over 32,767 B, which the Mega reads
  // with far addresses) fits it; the Uno refuses it with the numbers and the reason.
  const auto mj = tt_run("size " + mega + " --board mega2560 --json");
  EXPECT_HAS(mj.out, "\"fits\":true");
  EXPECT_HAS(mj.out, "\"image_bytes\":65");
  const auto mu = tt_run("export " + mega + " --board uno -o " + dir.path() + "/y");
  EXPECT_EQ(mu.exit_code, 1);
  EXPECT_HAS(mu.err, "does not fit the Arduino Uno (ATmega328P): the image is 65");
  EXPECT_HAS(mu.err, "bytes; the runtime on the ATmega328P reads at most 32767 (one PROGMEM array, 16-bit flash "
                     "addresses: an AVR with 64 KB of flash or less has no far flash)");
  EXPECT_FALSE(std::ifstream(dir.path() + "/y/mega_model.h").good());
  EXPECT_EQ(tt_run("export " + mega + " --board mega2560 -o " + dir.path() + "/z --quiet").exit_code, 0);

  // A generic board takes its flash and RAM; a small one refuses the 32 KB model.
  const auto g = tt_run("export " + big + " --board generic-m0plus:16K:4K -o " + dir.path() + "/g");
  EXPECT_EQ(g.exit_code, 1);
  EXPECT_HAS(g.err, "of 16384");

  // Usage errors: unknown board, a generic one without sizes, --board with --max-flash.
  const auto u = tt_run("train " + data + " --board arduino -o " + dir.path() + "/e.ttm");
  EXPECT_EQ(u.exit_code, 2);
  EXPECT_HAS(u.err, "unknown board 'arduino'; known: uno, nano");
  EXPECT_EQ(tt_run("size " + uno + " --board generic-m4").exit_code, 2);
  EXPECT_EQ(tt_run("size " + uno + " --board generic-m4:lots:4K").exit_code, 2);
  EXPECT_EQ(tt_run("train " + data + " --board uno --max-flash 4K -o " + dir.path() + "/e.ttm").exit_code, 2);
}

}  // namespace
}  // namespace tt
