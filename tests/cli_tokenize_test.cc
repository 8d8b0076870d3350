// `tinytext tokenize` and `tinytext hash` end to end through the binary.
#include <gtest/gtest.h>

#include "test_util.h"

namespace tt {
namespace {

TEST(CliTokenize, SeedNotebookIdsMatchTheVectorFile) {
  auto r = test::run(test::cli() + " tokenize --scheme seed-notebook 'Amazing film, loved seeing this'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // ids_nb8 of this sentence in ../shared/vectors/seed_encoder.tsv
  EXPECT_EQ(r.out,
            "word\tamazing\t397877679\t397877680\nword\tfilm,\t3548185009\t3548185010\n"
            "word\tloved\t2054611461\t2054611462\nword\tseeing\t3496550181\t3496550182\n"
            "word\tthis\t95458131\t95458132\n");
}

TEST(CliTokenize, DefaultSchemeReadsStdinLinesAndSeparatesTexts) {
  auto r = test::run(test::cli() + " tokenize --word-ngrams 1 --buckets 16", "Hi there\nok\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = test::split(r.out, '\n');
  ASSERT_EQ(lines.size(), 5u) << r.out;  // hi, there, blank, ok, trailing ""
  EXPECT_EQ(lines[0].rfind("word\thi\t", 0), 0u);
  EXPECT_EQ(lines[1].rfind("word\tthere\t", 0), 0u);
  EXPECT_EQ(lines[2], "");
  EXPECT_EQ(lines[3].rfind("word\tok\t", 0), 0u);
}

TEST(CliTokenize, DigitsFoldOrKeep) {
  auto kept = test::run(test::cli() + " tokenize --word-ngrams 1 'Tel 0871'");
  auto folded = test::run(test::cli() + " tokenize --word-ngrams 1 --digits fold 'Tel 0871'");
  auto zeros = test::run(test::cli() + " tokenize --word-ngrams 1 'tel 0000'");
  ASSERT_EQ(folded.exit_code, 0) << folded.err;
  EXPECT_NE(folded.out, kept.out);
  EXPECT_EQ(folded.out, zeros.out);  // hashed as '0', and printed as it was hashed
  EXPECT_NE(folded.out.find("word\t0000\t"), std::string::npos) << folded.out;
  auto bad = test::run(test::cli() + " tokenize --digits zero x");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--digits must be fold or keep"), std::string::npos) << bad.err;
}

TEST(CliTokenize, DoubleDashLetsWordsStartWithADash) {
  auto r = test::run(test::cli() + " hash --variant hsieh32 -- -v --help");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(test::split(r.out, '\n').size(), 3u);
  EXPECT_EQ(r.out.rfind("-v\t", 0), 0u);
}

TEST(CliTokenize, HashVariantsMatchTheVectors) {
  // "hello": hsieh32 and seed_py from ../shared/vectors/superfasthash.tsv
  auto a = test::run(test::cli() + " hash hello");
  auto b = test::run(test::cli() + " hash --variant seed-py hello");
  ASSERT_EQ(a.exit_code, 0);
  ASSERT_EQ(b.exit_code, 0);
  EXPECT_EQ(b.out, "hello\t2963130491\n");
  EXPECT_EQ(a.out, "hello\t2963130491\n");
}

TEST(CliTokenize, HelpAndUsageErrors) {
  EXPECT_EQ(test::run(test::cli() + " tokenize --help").exit_code, 0);
  EXPECT_EQ(test::run(test::cli() + " --help").exit_code, 0);
  EXPECT_EQ(test::run(test::cli()).exit_code, 2);
  EXPECT_EQ(test::run(test::cli() + " nosuchcommand").exit_code, 2);
  EXPECT_EQ(test::run(test::cli() + " tokenize --nope x").exit_code, 2);
  EXPECT_EQ(test::run(test::cli() + " tokenize --scheme bad x").exit_code, 2);
  EXPECT_EQ(test::run(test::cli() + " tokenize --char-ngrams 1-9 x").exit_code, 2);
  EXPECT_EQ(test::run(test::cli() + " tokenize --buckets").exit_code, 2);
  EXPECT_EQ(test::run(test::cli() + " hash --variant md5 x").exit_code, 2);
}

TEST(CliTokenize, InvalidUtf8IsAnErrorNamingTheLine) {
  auto r = test::run(test::cli() + " tokenize", "fine\nbad \xC3\x28 byte\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("<stdin>:2"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("bad"), std::string::npos);
}

TEST(CliTokenize, EmptyTextIsValid) {
  auto r = test::run(test::cli() + " tokenize ''");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace tt
