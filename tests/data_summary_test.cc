// Issue 14: what the reader takes from a user's file, and says it took. Each test writes its own
// file in the shape users bring (Kaggle's spam.csv, semicolon CSV, yes/no labels, a headerless
// TSV, float labels, fastText labels at the end of the line) and checks the data, the summary,
// the error or, through the CLI, the result.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.h"
#include "data/dataset.h"
#include "data/summary.h"
#include "model/model_io.h"
#include "test_util.h"

namespace tt {
namespace {

using data::Dataset;
using data::LabelKind;
using data::read_dataset;
using data::ReaderOptions;
using test::TempDir;

#define EXPECT_HAS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "in: " << (haystack)

std::string error_of(const std::string& path, const ReaderOptions& o = ReaderOptions()) {
  try {
    read_dataset(path, o);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error reading " << path;
  return "";
}

bool warned(const Dataset& d, const std::string& needle) {
  for (const auto& w : d.summary.warnings)
    if (w.find(needle) != std::string::npos) return true;
  return false;
}

// Messages a spam filter must tell apart, `n` of each, in a fixed order.
const char* const kSpam[] = {"WINNER!! Claim your prize now, call 09061701461", "Free entry: win cash, text WIN to 80086",
                             "URGENT! You have won a 1000 prize. Claim now", "Congratulations, you won a free prize"};
const char* const kHam[] = {"hi mum, see you at home later", "Ok lar, I will call you tonight",
                            "Are we meeting for lunch tomorrow?", "Sorry, I am running late, home soon"};

// Kaggle's spam.csv: v1 (ham/spam), v2 (the text), three unnamed and mostly empty columns.
std::string kaggle_spam_csv(int copies) {
  std::string s = "v1,v2,,,\n";
  for (int c = 0; c < copies; ++c)
    for (int i = 0; i < 4; ++i) {
      s += std::string("ham,\"") + kHam[i] + " " + std::to_string(c) + "\",,,\n";
      if (i % 2 == 0) s += std::string("spam,\"") + kSpam[i] + " " + std::to_string(c) + "\",,,\n";
    }
  s += "ham,\"the end of this one\",\" was cut here\",,\n";
  return s;
}

TEST(DataSummary, KaggleSpamCsvNeverTakesAnEmptyColumnAsText) {
  TempDir dir;
  const std::string p = dir.write("spam.csv", kaggle_spam_csv(10));
  const Dataset d = read_dataset(p, ReaderOptions());
  ASSERT_EQ(d.size(), 61u);
  EXPECT_EQ(d.texts[0], std::string(kHam[0]) + " 0");
  EXPECT_EQ(d.label_names, std::vector<std::string>{"spam"});
  EXPECT_EQ(d.summary.text_column, "'v2' (column 2)");
  EXPECT_HAS(d.summary.text_rule, "the last column that is not mostly empty; after it 3 mostly empty columns");
  EXPECT_EQ(d.summary.label_columns, std::vector<std::string>{"'v1' (column 1)"});
  EXPECT_EQ(d.summary.positive, "spam");
  EXPECT_HAS(d.summary.positive_rule, "the rarer of the two values");
  EXPECT_EQ(d.summary.delimiter, ",");
  EXPECT_TRUE(warned(d, "column 3 (unnamed) is mostly empty and not used, but 1 row has a value there (first on "
                        "line 62)"));
  const std::string text = data::summary_text(d.summary);
  EXPECT_HAS(text, "data: spam.csv: csv (the file name ends in .csv)");
  EXPECT_HAS(text, "data: 61 examples; binary: spam 20, ham 41");

  // End to end: the model says "hi mum" is not spam and a prize claim is.
  const std::string model = dir.path() + "/spam.ttm";
  const test::RunResult t = test::run(test::cli() + " train " + p + " --max-flash 4K -o " + model);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_HAS(t.err, "data: text: 'v2' (column 2)");
  const test::RunResult q = test::run(test::cli() + " predict " + model + " 'hi mum' 'WINNER claim your prize'");
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.out.rfind("-\tspam=", 0), 0u) << q.out;
  EXPECT_NE(q.out.find("\nspam\tspam="), std::string::npos) << q.out;
}

TEST(DataSummary, SemicolonCsvIsSniffedOrGiven) {
  TempDir dir;
  const std::string p = dir.write("semi.csv",
                                  "label;text\nspam;Win a prize, now\nham;see you at 5, ok\nham;fine, thanks\n"
                                  "spam;\"cash; free\"\n");
  const Dataset d = read_dataset(p, ReaderOptions());
  EXPECT_EQ(d.texts, (std::vector<std::string>{"Win a prize, now", "see you at 5, ok", "fine, thanks", "cash; free"}));
  EXPECT_EQ(d.summary.delimiter, ";");
  EXPECT_EQ(d.summary.delimiter_rule, "sniffed: ';' splits each of the 5 records into 2 fields");
  ReaderOptions comma;
  comma.delimiter = ',';
  EXPECT_HAS(error_of(p, comma), "semi.csv:2: 2 fields, expected 1 as on line 1");
  ReaderOptions semi;
  semi.delimiter = ';';
  EXPECT_EQ(read_dataset(p, semi).summary.delimiter_rule, "--delimiter");
  // Pipes, and a file where two delimiters would fit: a guess, and said to be one.
  EXPECT_EQ(read_dataset(dir.write("pipe.csv", "text|label\na, b|1\nc|0\n"), ReaderOptions()).summary.delimiter, "|");
  const Dataset both = read_dataset(dir.write("both.csv", "text;label,x\na;1,2\nb;0,3\n"), ReaderOptions());
  EXPECT_TRUE(warned(both, "the delimiter is a guess")) << data::summary_text(both.summary);
  // An uneven line is named with the delimiter that fits the others.
  EXPECT_HAS(error_of(dir.write("bad.csv", "label;text\nham;a\nham;b; c\nspam;d\n")),
             "bad.csv:3: 3 fields, expected 2 as on line 1 (the first record); quote a field that contains the "
             "delimiter ';'");
  // The CLI: --delimiter values.
  const test::RunResult r = test::run(test::cli() + " split " + p + " --delimiter ':' -o " + dir.path() + "/x");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_HAS(r.err, "--delimiter must be ',', ';', tab or '|'");
}

TEST(DataSummary, YesNoLabelsWithMajoritySpam) {
  TempDir dir;
  std::string csv = "text,spam\n";
  for (int i = 0; i < 6; ++i) csv += std::string("\"") + kSpam[i % 4] + "\",yes\n";
  for (int i = 0; i < 3; ++i) csv += std::string("\"") + kHam[i] + "\",no\n";
  const std::string p = dir.write("yes.csv", csv);
  const Dataset d = read_dataset(p, ReaderOptions());
  EXPECT_EQ(d.kind, LabelKind::kBinary);
  EXPECT_EQ(d.label_names, std::vector<std::string>{"spam"});  // the true side, though it is the majority
  EXPECT_EQ(d.target(0, 0), 1);
  EXPECT_EQ(d.target(8, 0), 0);
  EXPECT_HAS(d.summary.positive_rule, "the true one is positive");
  // --positive picks the other side; a value the column does not hold is refused.
  ReaderOptions o;
  o.positive = "no";
  const Dataset n = read_dataset(p, o);
  EXPECT_EQ(n.label_names, std::vector<std::string>{"no"});
  EXPECT_EQ(n.target(0, 0), 0);
  o.positive = "maybe";
  EXPECT_HAS(error_of(p, o), "--positive 'maybe' is not a value of label column 'spam' (column 2); it holds 'no', 'yes'");
  // Class names: the rarer is positive unless --positive names one.
  std::string names = "text,label\n";
  for (int i = 0; i < 6; ++i) names += std::string("\"") + kSpam[i % 4] + "\",spam\n";
  for (int i = 0; i < 3; ++i) names += std::string("\"") + kHam[i] + "\",ham\n";
  const std::string q = dir.write("names.csv", names);
  EXPECT_EQ(read_dataset(q, ReaderOptions()).label_names, std::vector<std::string>{"ham"});
  o.positive = "spam";
  const Dataset s = read_dataset(q, o);
  EXPECT_EQ(s.label_names, std::vector<std::string>{"spam"});
  EXPECT_EQ(s.summary.positive_rule, "--positive");
  EXPECT_EQ(s.summary.classes, (std::vector<std::pair<std::string, uint64_t>>{{"spam", 6}, {"ham", 3}}));
  // --positive on multi-class data is an error.
  o.positive = "a";
  EXPECT_HAS(error_of(dir.write("mc.csv", "text,label\nx,a\ny,b\nz,c\n"), o), "--positive applies to binary data");
}

TEST(DataSummary, HeaderlessTsvAndHeaderThatLooksLikeData) {
  TempDir dir;
  std::string tsv;
  for (int i = 0; i < 8; ++i) tsv += std::string(i % 3 ? "ham\t" : "spam\t") + (i % 3 ? kHam[i % 4] : kSpam[i % 4]) + "\n";
  const std::string p = dir.write("SMSSpamCollection", tsv);
  // Without --no-header: the first message is taken as the header, and that is said loudly.
  const Dataset h = read_dataset(p, ReaderOptions());
  EXPECT_EQ(h.size(), 7u);
  EXPECT_TRUE(warned(h, "the first line looks like data, not column names: its label 'spam' is a value of"))
      << data::summary_text(h.summary);
  EXPECT_EQ(h.summary.format, "tsv");
  // With it: every row, no warning.
  ReaderOptions o;
  o.header = false;
  const Dataset d = read_dataset(p, o);
  EXPECT_EQ(d.size(), 8u);
  EXPECT_FALSE(warned(d, "first line"));
  EXPECT_HAS(data::summary_text(d.summary), "no header line");
  // A header read as data under --no-header.
  const Dataset c = read_dataset(dir.write("h.tsv", "label\ttext\n1\ta\n0\tb\n1\tc\n"), o);
  EXPECT_TRUE(warned(c, "the first line looks like column names, not data: its label 'label'"))
      << data::summary_text(c.summary);
}

TEST(DataSummary, FloatAndBooleanLabels) {
  TempDir dir;
  const Dataset b = read_dataset(dir.write("b.csv", "text,toxic\na,1.0\nb,0.0\nc,0.0\n"), ReaderOptions());
  EXPECT_EQ(b.kind, LabelKind::kBinary);
  EXPECT_EQ(b.label_names, std::vector<std::string>{"toxic"});
  EXPECT_EQ(b.targets, (std::vector<uint8_t>{1, 0, 0}));
  const Dataset t = read_dataset(dir.write("t.csv", "text,flag\na,TRUE\nb,False\nc,true\n"), ReaderOptions());
  EXPECT_EQ(t.label_names, std::vector<std::string>{"flag"});
  EXPECT_EQ(t.targets, (std::vector<uint8_t>{1, 0, 1}));
  // Multi-label: 1.0/0.0 accepted, outputs in the order given.
  ReaderOptions o;
  o.label_columns = {"toxic", "insult"};
  const Dataset m = read_dataset(dir.write("m.csv", "text,insult,toxic\na,0.0,1.0\nb,1.0,0.0\nc,1,1\n"), o);
  EXPECT_EQ(m.kind, LabelKind::kMultiLabel);
  EXPECT_EQ(m.label_names, (std::vector<std::string>{"toxic", "insult"}));
  EXPECT_EQ(m.targets, (std::vector<uint8_t>{1, 0, 0, 1, 1, 1}));
  o.label_columns = {"a", "b"};
  EXPECT_HAS(error_of(dir.write("x.csv", "text,a,b\nx,1,0.5\ny,0,1\n"), o), "x.csv:2: label '0.5' in label column 'b'");
}

TEST(DataSummary, FastTextLabelsAtTheEndOfTheLine) {
  TempDir dir;
  const std::string p = dir.write("ft.txt", "hello there __label__ham\nWIN cash now __label__spam  \n"
                                            "__label__ham see  you\tlater\nok __label__ham then\n");
  const Dataset d = read_dataset(p, ReaderOptions());
  EXPECT_EQ(d.summary.format, "fasttext");
  EXPECT_EQ(d.texts, (std::vector<std::string>{"hello there", "WIN cash now", "see  you\tlater", "ok then"}));
  EXPECT_EQ(d.label_names, std::vector<std::string>{"spam"});
  EXPECT_EQ(d.targets, (std::vector<uint8_t>{0, 1, 0, 0}));
  // A line without a label among single-label lines: refused, or left out with skip_missing.
  const std::string q = dir.write("gap.ft", "a __label__x\nb\nc __label__y\n");
  EXPECT_HAS(error_of(q), "gap.ft:2: this line has no __label__");
  ReaderOptions o;
  o.skip_missing = true;
  const Dataset s = read_dataset(q, o);
  EXPECT_EQ(s.texts, (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(s.summary.skipped, 1u);
}

TEST(DataSummary, UnexpectedLabelValuesAreWarnedAbout) {
  TempDir dir;
  std::string csv = "text,label\n";
  for (int i = 0; i < 60; ++i) csv += "m" + std::to_string(i) + (i % 3 ? ",ham\n" : ",spam\n");
  csv += "x,maybe\ny,SPAM \nz,2\n";
  const Dataset d = read_dataset(dir.write("odd.csv", csv), ReaderOptions());
  EXPECT_EQ(d.kind, LabelKind::kMultiClass);
  EXPECT_EQ(d.outputs(), 5u);
  EXPECT_TRUE(warned(d, "label column 'label' (column 2) looks binary ('ham' 40 rows, 'spam' 20 rows) but also "
                        "holds '2' (1 row, line 64), 'SPAM' (1 row, line 63), 'maybe' (1 row, line 62): they make this "
                        "a 5-class model"))
      << data::summary_text(d.summary);
  EXPECT_TRUE(warned(d, "the values 'SPAM', 'spam' differ only in case"));
}

TEST(DataSummary, MissingLabelsAreAnErrorOrSkipped) {
  TempDir dir;
  const std::string p = dir.write("m.csv", "text,label\na,1\nb,\nc,0\nd, \ne,1\n");
  EXPECT_HAS(error_of(p), "m.csv:3: empty label in 'label' (column 2); every example needs a label (--skip-missing");
  ReaderOptions o;
  o.skip_missing = true;
  const Dataset d = read_dataset(p, o);
  EXPECT_EQ(d.texts, (std::vector<std::string>{"a", "c", "e"}));
  EXPECT_EQ(d.lines, (std::vector<uint32_t>{2, 4, 6}));
  EXPECT_EQ(d.summary.skipped, 2u);
  EXPECT_TRUE(warned(d, "2 rows without a label left out (--skip-missing): lines 3, 5"));
  EXPECT_HAS(data::summary_text(d.summary), "3 examples, 2 left out without a label");
}

TEST(DataSummary, EmptyTextColumnsAreRefused) {
  TempDir dir;
  EXPECT_HAS(error_of(dir.write("e.csv", "label,text\n1,\n0, \n")),
             "e.csv:2: the text column 'text' (column 2) is empty on every row (named 'text'); choose the text "
             "column with --text");
  EXPECT_HAS(error_of(dir.write("h.csv", "label,text\n1,\n0,\n1,a\n")), "is mostly empty: 2 of 3 rows have no text");
  // The CLI writes no model.
  const std::string p = dir.write("k.csv", "label,body,text\n1,win cash,\n0,hi mum,\n");
  const test::RunResult r = test::run(test::cli() + " train " + p + " -o " + dir.path() + "/k.ttm");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_HAS(r.err, "k.csv:2: the text column 'text' (column 3) is empty on every row");
  EXPECT_NE(access((dir.path() + "/k.ttm").c_str(), F_OK), 0);
}

TEST(DataSummary, LabelNamesForNumericClasses) {
  TempDir dir;
  const std::string p = dir.write("d.csv", "text,class\na,2\nb,0\nc,1\nd,1\n");
  ReaderOptions o;
  o.label_names = {"hate", "offensive", "neither"};
  const Dataset d = read_dataset(p, o);
  EXPECT_EQ(d.label_names, (std::vector<std::string>{"hate", "offensive", "neither"}));
  EXPECT_EQ(d.class_of(0), 2u);
  o.label_names = {"0=hate", "2=neither", "1=offensive"};
  EXPECT_EQ(read_dataset(p, o).label_names, (std::vector<std::string>{"hate", "offensive", "neither"}));
  o.label_names = {"0=hate", "1=offensive"};
  EXPECT_HAS(error_of(p, o), "--label-names: no name for '2'");
  o.label_names = {"hate", "offensive"};
  EXPECT_HAS(error_of(p, o), "--label-names: 2 names for 3 classes");
  // A 0/1 column: the output takes the positive value's name.
  o.label_names = {"0=ham", "1=spam"};
  EXPECT_EQ(read_dataset(dir.write("b.csv", "text,label\na,1\nb,0\n"), o).label_names,
            std::vector<std::string>{"spam"});
}

TEST(DataSummary, ModelFileGivenAsData) {
  TempDir dir;
  const std::string p = dir.write("m.ttm", std::string(kModelMagic, 8) + std::string(24, '\0'));
  EXPECT_HAS(error_of(p), "m.ttm: this is a tinytext model file, not data");
}

TEST(DataSummary, SplitKeepsTheLabelOrderAndTrainReadsEveryLabel) {
  TempDir dir;
  std::string csv = "id,comment_text,toxic,severe_toxic,insult\n";
  for (int i = 0; i < 40; ++i)
    csv += std::to_string(i) + ",\"" + (i % 2 ? kSpam[i % 4] : kHam[i % 4]) + " " + std::to_string(i) + "\"," +
           (i % 2 ? "1" : "0") + "," + (i % 4 == 1 ? "1" : "0") + "," + (i % 3 ? "0" : "1") + "\n";
  const std::string p = dir.write("j.csv", csv);
  const test::RunResult s =
      test::run(test::cli() + " split " + p + " --label toxic,severe_toxic,insult -o " + dir.path() + "/j");
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(test::read_file(dir.path() + "/j.train.csv").substr(0, 31), "text,toxic,severe_toxic,insult\n");
  const Dataset back = read_dataset(dir.path() + "/j.train.csv", ReaderOptions());
  EXPECT_EQ(back.label_names, (std::vector<std::string>{"toxic", "severe_toxic", "insult"}));
  EXPECT_HAS(back.summary.label_rule, "every column but the text holds only 0/1 values: all 3 are labels");
  const std::string model = dir.path() + "/j.ttm";
  const test::RunResult t =
      test::run(test::cli() + " train " + dir.path() + "/j.train.csv --max-flash 4K --quiet -o " + model);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_EQ(load_model(model).labels, (std::vector<std::string>{"toxic", "severe_toxic", "insult"}));
}

TEST(DataSummary, StoredInTheModelWithoutDirectories) {
  TempDir dir;
  const std::string p = dir.write("spam.csv", kaggle_spam_csv(4));
  const std::string model = dir.path() + "/m.ttm";
  const test::RunResult t = test::run(test::cli() + " train " + p + " --max-flash 4K --quiet --json -o " + model);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const FloatModel m = load_model(model);
  EXPECT_EQ(m.data.rfind("{\"file\":\"spam.csv\",\"format\":\"csv\"", 0), 0u) << m.data;
  EXPECT_EQ(m.data.find(dir.path()), std::string::npos) << m.data;
  EXPECT_HAS(m.data, "\"positive\":\"spam\"");
  EXPECT_HAS(t.out, ",\"data_summary\":" + m.data + "}");
  // --quiet keeps the warnings.
  EXPECT_HAS(t.err, "data: warning: column 3 (unnamed)");
  EXPECT_EQ(t.err.find("data: text:"), std::string::npos) << t.err;
}

}  // namespace
}  // namespace tt

// The summary stored in a model file reads back as written; a damaged one is an error.
TEST(DataSummary, JsonRoundTripAndDamage) {
  tt::data::DataSummary s;
  s.file = "caf\xC3\xA9 \"sms\".tsv";
  s.format = "csv";
  s.format_rule = "from the name";
  s.delimiter = "tab";
  s.delimiter_rule = "splits evenly";
  s.header = false;
  s.text_column = "2";
  s.text_rule = "given";
  s.label_columns = {"1", "3"};
  s.kind = "multi-label";
  s.rows = 5574;
  s.skipped = 2;
  s.duplicates = 403;
  s.classes = {{"ham", 4827}, {"spam", 747}};
  s.positive = "spam";
  s.warnings = {"line 7: a \\ backslash"};
  const tt::data::DataSummary r = tt::data::summary_from_json(tt::data::summary_json(s));
  EXPECT_EQ(tt::data::summary_json(r), tt::data::summary_json(s));
  EXPECT_EQ(r.delimiter, "tab");
  EXPECT_EQ(r.classes, s.classes);
  EXPECT_FALSE(r.header);
  EXPECT_THROW(tt::data::summary_from_json("{\"rows\": \"many\"}"), tt::Error);
  EXPECT_THROW(tt::data::summary_from_json("{\"file\": \"x\""), tt::Error);
  EXPECT_THROW(tt::data::summary_from_json("{\"classes\": [{\"name\": 1}]}"), tt::Error);
  EXPECT_EQ(tt::data::summary_from_json("{\"future\": [1, {\"a\": null}], \"rows\": 3}").rows, 3u);
}
