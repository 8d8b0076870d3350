// `tinytext split`, `train` -> `eval` -> `predict` end to end through the binary, and their errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/json.h"
#include "data/dataset.h"
#include "eval/metrics.h"
#include "test_util.h"

namespace tt {
namespace {

const char kSmsReader[] = " --format tsv --no-header --label 1 --text 2";

std::string sms_path() { return test::shared_path("data/sms-spam-collection/SMSSpamCollection"); }
std::string davidson_path() { return test::shared_path("data/davidson-hate-offensive/labeled_data.csv"); }

// The number after "key": at or after `from` in a JSON text (NaN when absent or null).
double json_num(const std::string& js, const std::string& key, size_t from = 0) {
  const size_t at = js.find("\"" + key + "\":", from);
  if (at == std::string::npos) return std::nan("");
  const char* p = js.c_str() + at + key.size() + 3;
  if (std::string(p, 4) == "null") return std::nan("");
  return std::strtod(p, nullptr);
}

struct Prediction {
  std::string text;
  std::vector<std::pair<std::string, double>> scores;
  std::string label;  // the raw JSON value
};

// One line of `predict --json`: {"text":...,"scores":{...},"label":...}.
Prediction parse_prediction(const std::string& line) {
  Prediction p;
  EXPECT_EQ(line.rfind("{\"text\":", 0), 0u) << line;
  p.text = json_unquote(line.substr(8));
  // A JSON string never holds an unescaped quote, so this is the "scores" key after the text.
  size_t i = line.find(",\"scores\":{");
  EXPECT_NE(i, std::string::npos) << line;
  i += 11;
  while (i < line.size() && line[i] != '}') {
    std::string name = json_unquote(line.substr(i));
    i = line.find("\":", i + 1) + 2;  // label names in these tests hold no quote
    char* end = nullptr;
    double v = std::strtod(line.c_str() + i, &end);
    p.scores.emplace_back(name, v);
    i = static_cast<size_t>(end - line.c_str());
    if (line[i] == ',') ++i;
  }
  const size_t l = line.find(",\"label\":", i);
  EXPECT_NE(l, std::string::npos) << line;
  p.label = line.substr(l + 9, line.size() - l - 10);
  return p;
}

std::vector<std::string> nonempty_lines(const std::string& s) {
  std::vector<std::string> out;
  for (auto& l : test::split(s, '\n'))
    if (!l.empty()) out.push_back(l);
  return out;
}

// A small SMS model and a small Davidson (3-class) model, trained once for the whole suite.
class CliEval : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/tt_cli_eval_XXXXXX";
    dir_ = mkdtemp(tmpl);
    const std::vector<std::string> steps = {
        " split " + sms_path() + kSmsReader + " --test 0.2 --seed 1 -o " + dir_ + "/sms",
        " train " + dir_ + "/sms.train.csv -o " + dir_ + "/sms.ttm --max-flash 4K --seed 1 --threads 2 --quiet",
        " quantize " + dir_ + "/sms.ttm --calib " + dir_ + "/sms.train.csv -o " + dir_ + "/sms.q.ttm",
        // Davidson: train on a stratified 10% (about 2,500 tweets) to keep the suite fast.
        " split " + davidson_path() + " --text tweet --label class --test 0.1 --seed 2 -o " + dir_ + "/dav",
        " train " + dir_ + "/dav.test.csv -o " + dir_ + "/dav.ttm --max-flash 4K --seed 1 --threads 2 --quiet",
    };
    for (const auto& step : steps) {
      auto r = test::run(test::cli() + step);
      if (r.exit_code != 0) {
        setup_error_ = "'tinytext" + step + "' exited " + std::to_string(r.exit_code) + ": " + r.err;
        return;
      }
    }
  }
  static void TearDownTestSuite() {
    if (!dir_.empty()) std::system(("rm -rf '" + dir_ + "'").c_str());
  }
  void SetUp() override { ASSERT_TRUE(setup_error_.empty()) << setup_error_; }

  static std::string dir_, setup_error_;
};
std::string CliEval::dir_, CliEval::setup_error_;

TEST_F(CliEval, EvalJsonReportsEveryFieldAndAHighAuc) {
  auto r = test::run(test::cli() + " eval " + dir_ + "/sms.ttm " + dir_ + "/sms.test.csv --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string& js = r.out;
  ASSERT_EQ(js.front(), '{');
  ASSERT_EQ(js.substr(js.size() - 2), "}\n");
  EXPECT_EQ(js.find('\n'), js.size() - 1) << "one JSON object on one line";
  EXPECT_EQ(json_num(js, "n"), 1115);
  EXPECT_NE(js.find("\"labels\":[{\"name\":\"spam\""), std::string::npos) << js;
  for (const char* key : {"auc", "pr_auc", "precision", "recall", "f1", "threshold"})
    EXPECT_FALSE(std::isnan(json_num(js, key))) << key;
  const double auc = json_num(js, "auc");
  EXPECT_GT(auc, 0.95);
  EXPECT_EQ(json_num(js, "mean_auc"), auc);
  EXPECT_GT(json_num(js, "accuracy"), 0.9);
  EXPECT_GT(json_num(js, "macro_f1"), 0.7);
  EXPECT_EQ(js.find("\"confusion\""), std::string::npos) << "binary: no confusion matrix";

  auto text = test::run(test::cli() + " eval " + dir_ + "/sms.ttm " + dir_ + "/sms.test.csv");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("ROC AUC"), std::string::npos) << text.out;
  // --threshold 1.01 is out of range; a threshold of 1 predicts (almost) nothing.
  EXPECT_EQ(test::run(test::cli() + " eval " + dir_ + "/sms.ttm " + dir_ + "/sms.test.csv --threshold 1.01").exit_code, 2);
  auto hi = test::run(test::cli() + " eval " + dir_ + "/sms.ttm " + dir_ + "/sms.test.csv --json --threshold 1");
  ASSERT_EQ(hi.exit_code, 0) << hi.err;
  EXPECT_EQ(json_num(hi.out, "threshold"), 1.0);
  EXPECT_EQ(json_num(hi.out, "auc"), auc) << "AUC does not depend on the threshold";
}

TEST_F(CliEval, Int8ModelsEvaluateThroughTheDeviceRuntime) {
  auto f = test::run(test::cli() + " eval " + dir_ + "/sms.ttm " + dir_ + "/sms.test.csv --json");
  auto q = test::run(test::cli() + " eval " + dir_ + "/sms.q.ttm " + dir_ + "/sms.test.csv --json");
  ASSERT_EQ(f.exit_code, 0) << f.err;
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_NE(f.out.find("\"kind\":\"float32\""), std::string::npos) << f.out;
  EXPECT_NE(q.out.find("\"kind\":\"int8\""), std::string::npos) << q.out;
  EXPECT_GT(json_num(q.out, "auc"), 0.95);
  EXPECT_NEAR(json_num(q.out, "auc"), json_num(f.out, "auc"), 0.01);
}

class CliEvalBothKinds : public CliEval, public ::testing::WithParamInterface<const char*> {};

TEST_P(CliEvalBothKinds, PredictGivesTheScoresEvalUses) {
  const std::string model = dir_ + GetParam();
  auto e = test::run(test::cli() + " eval " + model + " " + dir_ + "/sms.test.csv --json");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  auto p = test::run(test::cli() + " predict " + model + " --data " + dir_ + "/sms.test.csv --json");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  data::Dataset d = data::read_dataset(dir_ + "/sms.test.csv", {});
  auto lines = nonempty_lines(p.out);
  ASSERT_EQ(lines.size(), d.size());
  std::vector<double> scores;
  std::vector<uint8_t> truth;
  for (size_t i = 0; i < lines.size(); ++i) {
    Prediction pr = parse_prediction(lines[i]);
    ASSERT_EQ(pr.text, d.texts[i]) << i;
    ASSERT_EQ(pr.scores.size(), 1u);
    EXPECT_EQ(pr.scores[0].first, "spam");
    EXPECT_GE(pr.scores[0].second, 0.0);
    EXPECT_LE(pr.scores[0].second, 1.0);
    EXPECT_TRUE(pr.label == "[]" || pr.label == "[\"spam\"]") << pr.label;
    scores.push_back(pr.scores[0].second);
    truth.push_back(d.target(i, 0));
  }
  // Scores print in round-trip form (as floats for a float model: parsed as doubles they keep
  // their order and ties), so the AUC recomputed from them is eval's, bit for bit.
  EXPECT_EQ(eval::roc_auc(scores, truth), json_num(e.out, "auc"));

  // The same texts as arguments and as stdin lines give the same lines.
  std::string args, stdin_text, expect;
  size_t taken = 0;
  for (size_t i = 0; i < d.size() && taken < 5; ++i) {
    const std::string& t = d.texts[i];
    if (t.find_first_of("\n\r'") != std::string::npos) continue;
    args += " '" + t + "'";
    stdin_text += t + "\n";
    expect += lines[i] + "\n";
    ++taken;
  }
  auto a = test::run(test::cli() + " predict " + model + " --json --" + args);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, expect);
  auto s = test::run(test::cli() + " predict " + model + " --json", stdin_text);
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(s.out, expect);
}

INSTANTIATE_TEST_SUITE_P(FloatAndInt8, CliEvalBothKinds, ::testing::Values("/sms.ttm", "/sms.q.ttm"));

TEST_F(CliEval, PredictEscapesAnyTextInJson) {
  const std::string text = std::string("say \"hi\" \\ tab\there \x01\x1f\x7f \xc2\xa3 \xe2\x80\xa8 \xf0\x9f\x98\x80");
  auto r = test::run(test::cli() + " predict " + dir_ + "/sms.ttm --json", text + "\r\n\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = nonempty_lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  for (char c : lines[0]) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << "raw control byte in JSON output";
  EXPECT_EQ(parse_prediction(lines[0]).text, text) << "the CR of a CRLF line is dropped";
  EXPECT_EQ(parse_prediction(lines[1]).text, "");
}

TEST_F(CliEval, MultiClassEvalHasAConfusionMatrixAndPredictAnArgmax) {
  // Evaluate on the 90% the model did not see.
  auto r = test::run(test::cli() + " eval " + dir_ + "/dav.ttm " + dir_ + "/dav.train.csv --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const double n = json_num(r.out, "n");
  EXPECT_GT(n, 20000);
  const size_t c = r.out.find("\"confusion\":[[");
  ASSERT_NE(c, std::string::npos) << r.out;
  double sum = 0;
  int cells = 0;
  const size_t end_of_matrix = r.out.find("]]", c);
  ASSERT_NE(end_of_matrix, std::string::npos) << r.out;
  for (const char* p = r.out.c_str() + c + 12; p < r.out.c_str() + end_of_matrix; ++p) {
    if (*p >= '0' && *p <= '9') {
      char* end = nullptr;
      sum += static_cast<double>(std::strtoull(p, &end, 10));
      ++cells;
      p = end - 1;
    }
  }
  EXPECT_EQ(cells, 9);
  EXPECT_EQ(sum, n);
  EXPECT_GT(json_num(r.out, "accuracy"), 0.7);
  EXPECT_TRUE(std::isnan(json_num(r.out, "threshold"))) << "softmax: argmax, no threshold";
  EXPECT_EQ(test::run(test::cli() + " eval " + dir_ + "/dav.ttm " + dir_ + "/dav.train.csv --threshold 0.3").exit_code, 2);

  auto p = test::run(test::cli() + " predict " + dir_ + "/dav.ttm --json 'you are all wonderful'");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  Prediction pr = parse_prediction(nonempty_lines(p.out).at(0));
  ASSERT_EQ(pr.scores.size(), 3u);
  double total = 0;
  size_t best = 0;
  for (size_t j = 0; j < 3; ++j) {
    total += pr.scores[j].second;
    if (pr.scores[j].second > pr.scores[best].second) best = j;
  }
  EXPECT_NEAR(total, 1.0, 1e-5);
  EXPECT_EQ(pr.label, "\"" + pr.scores[best].first + "\"");
}

TEST_F(CliEval, SplitIsDeterministicAndKeepsEveryRow) {
  const std::string cmd = test::cli() + " split " + sms_path() + kSmsReader + " --test 0.25 --seed 7 -o ";
  ASSERT_EQ(test::run(cmd + dir_ + "/a").exit_code, 0);
  ASSERT_EQ(test::run(cmd + dir_ + "/b").exit_code, 0);
  EXPECT_EQ(test::read_file(dir_ + "/a.train.csv"), test::read_file(dir_ + "/b.train.csv"));
  EXPECT_EQ(test::read_file(dir_ + "/a.test.csv"), test::read_file(dir_ + "/b.test.csv"));
  ASSERT_EQ(test::run(test::cli() + " split " + sms_path() + kSmsReader + " --test 0.25 --seed 8 -o " + dir_ + "/c")
                .exit_code, 0);
  EXPECT_NE(test::read_file(dir_ + "/a.test.csv"), test::read_file(dir_ + "/c.test.csv"));

  // The union of the two files is the input, row for row (as a multiset), and the test file
  // holds round(25%) of the rows and of the spam.
  data::ReaderOptions ro;
  ro.format = data::Format::kTsv;
  ro.header = false;
  ro.label_columns = {"1"};
  ro.text_column = "2";
  const data::Dataset in = data::read_dataset(sms_path(), ro);
  const data::Dataset tr = data::read_dataset(dir_ + "/a.train.csv", {});
  const data::Dataset te = data::read_dataset(dir_ + "/a.test.csv", {});
  ASSERT_EQ(in.label_names, tr.label_names);
  ASSERT_EQ(in.label_names, te.label_names);
  auto rows = [](const data::Dataset& d, std::vector<std::string>& out) {
    for (size_t i = 0; i < d.size(); ++i) out.push_back(d.texts[i] + '\x1f' + char('0' + d.target(i, 0)));
  };
  std::vector<std::string> a, b;
  rows(in, a);
  rows(tr, b);
  rows(te, b);
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b);
  EXPECT_EQ(te.size(), static_cast<size_t>(std::llround(static_cast<double>(in.size()) * 0.25)));
  size_t spam_in = 0, spam_te = 0;
  for (size_t i = 0; i < in.size(); ++i) spam_in += in.target(i, 0);
  for (size_t i = 0; i < te.size(); ++i) spam_te += te.target(i, 0);
  EXPECT_LE(std::abs(static_cast<double>(spam_te) - static_cast<double>(spam_in) * 0.25), 1.0);
}

TEST_F(CliEval, MultiClassSplitKeepsEveryRow) {
  const data::Dataset in = data::read_dataset(davidson_path(), [] {
    data::ReaderOptions o;
    o.text_column = "tweet";
    o.label_columns = {"class"};
    return o;
  }());
  const data::Dataset tr = data::read_dataset(dir_ + "/dav.train.csv", {});
  const data::Dataset te = data::read_dataset(dir_ + "/dav.test.csv", {});
  ASSERT_EQ(in.label_names, te.label_names);
  std::vector<std::string> a, b;
  for (const auto* d : {&in}) for (size_t i = 0; i < d->size(); ++i) a.push_back(d->texts[i] + '\x1f' + d->label_names[d->class_of(i)]);
  for (const auto* d : {&tr, &te}) for (size_t i = 0; i < d->size(); ++i) b.push_back(d->texts[i] + '\x1f' + d->label_names[d->class_of(i)]);
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b);
}

TEST_F(CliEval, BadInputsFailWithClearErrors) {
  const std::string model = dir_ + "/sms.ttm", test_csv = dir_ + "/sms.test.csv";
  // A model file that does not exist.
  auto r = test::run(test::cli() + " eval " + dir_ + "/nope.ttm " + test_csv);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("nope.ttm"), std::string::npos) << r.err;
  EXPECT_EQ(test::run(test::cli() + " predict " + dir_ + "/nope.ttm hi").exit_code, 1);
  // A corrupt model: one flipped byte in the middle, and a truncated file.
  std::string bytes = test::read_file(model);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x55);
  { std::ofstream(dir_ + "/flipped.ttm", std::ios::binary) << bytes; }
  { std::ofstream(dir_ + "/short.ttm", std::ios::binary) << bytes.substr(0, 40); }
  for (const char* bad : {"/flipped.ttm", "/short.ttm"}) {
    r = test::run(test::cli() + " eval " + dir_ + bad + " " + test_csv);
    EXPECT_EQ(r.exit_code, 1) << bad;
    EXPECT_NE(r.err.find(bad + 1), std::string::npos) << r.err;
    EXPECT_EQ(test::run(test::cli() + " predict " + dir_ + bad + " hi").exit_code, 1) << bad;
  }
  // Data whose labels are not the model's: the message names the missing label.
  r = test::run(test::cli() + " eval " + model + " " + dir_ + "/dav.test.csv");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("'spam'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("missing"), std::string::npos) << r.err;
  // Invalid UTF-8 on stdin line 2: the lines before it are answered, then an error naming the line.
  r = test::run(test::cli() + " predict " + model, "fine\nbad \xC3\x28 byte\nnever\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("<stdin>:2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("UTF-8"), std::string::npos) << r.err;
  EXPECT_EQ(nonempty_lines(r.out).size(), 1u);
  // A data file that does not exist.
  r = test::run(test::cli() + " eval " + model + " " + dir_ + "/nope.csv");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("nope.csv"), std::string::npos) << r.err;
}

TEST_F(CliEval, UsageErrorsExitTwo) {
  const std::string model = dir_ + "/sms.ttm";
  for (const std::string& args : std::vector<std::string>{
           " eval", " eval " + model, " eval " + model + " a b", " eval " + model + " x --nope",
           " eval " + model + " x --threshold abc", " predict", " predict " + model + " --data",
           " predict " + model + " --data x.csv extra", " split", " split " + sms_path() + kSmsReader,
           " split " + sms_path() + kSmsReader + " -o x --test 1.5", " split " + sms_path() + kSmsReader + " -o x --test 0",
           " split " + sms_path() + kSmsReader + " -o x --seed -1", " split a b -o x"})
    EXPECT_EQ(test::run(test::cli() + args).exit_code, 2) << args;
  for (const char* cmd : {" eval --help", " predict --help", " split --help"}) {
    auto r = test::run(test::cli() + cmd);
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find("usage: tinytext"), std::string::npos) << cmd;
  }
}

}  // namespace
}  // namespace tt

namespace tt {
namespace {

// Issue 14: a test file with one class is scored (precision, recall, confusion; ROC AUC n/a);
// binary eval names the positive class's F1 "F1" and gives scikit-learn's macro-F1 and the
// confusion matrix in text too.
TEST_F(CliEval, OneClassTestFileIsScored) {
  test::TempDir dir;
  const std::string ham = dir.write("ham.csv", "text,label\nhi mum see you later,ham\nok lar,ham\nlunch tomorrow?,ham\n");
  auto r = test::run(test::cli() + " eval " + dir_ + "/sms.ttm " + ham + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"labels\":[{\"name\":\"spam\",\"positives\":0,\"auc\":null,\"pr_auc\":null"),
            std::string::npos) << r.out;
  EXPECT_EQ(json_num(r.out, "tn") + json_num(r.out, "fp"), 3);
  EXPECT_NE(r.err.find("positive label: spam: the model's label"), std::string::npos) << r.err;
  auto t = test::run(test::cli() + " eval " + dir_ + "/sms.ttm " + ham);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("spam          0      n/a      n/a"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("confusion matrix (rows: true class, columns: predicted class)"), std::string::npos) << t.out;
}

TEST_F(CliEval, BooleanTestColumnIsTheModelsLabel) {
  test::TempDir dir;
  const std::string f = dir.write("t.csv", "message,label\nWINNER claim your prize now,1\nhi mum,0\nok see you,0\n");
  auto r = test::run(test::cli() + " eval " + dir_ + "/sms.ttm " + f + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"labels\":[{\"name\":\"spam\",\"positives\":1,"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("positive label: spam: the column holds boolean values; the true one is the model's label"),
            std::string::npos) << r.err;
}

TEST_F(CliEval, BinaryF1AndMacroF1AsScikitLearn) {
  auto r = test::run(test::cli() + " eval " + dir_ + "/sms.ttm " + dir_ + "/sms.test.csv --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const double tp = json_num(r.out, "tp"), fp = json_num(r.out, "fp"), fn = json_num(r.out, "fn"),
               tn = json_num(r.out, "tn");
  const double f1_spam = 2 * tp / (2 * tp + fp + fn), f1_ham = 2 * tn / (2 * tn + fn + fp);
  EXPECT_NEAR(json_num(r.out, "f1"), f1_spam, 1e-12);
  EXPECT_NEAR(json_num(r.out, "macro_f1"), (f1_spam + f1_ham) / 2, 1e-12);
  auto t = test::run(test::cli() + " eval " + dir_ + "/sms.ttm " + dir_ + "/sms.test.csv");
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("\nF1            "), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("(mean of the F1 of spam and of not spam, as scikit-learn's average='macro')"),
            std::string::npos) << t.out;
  char row[64];
  std::snprintf(row, sizeof row, "\nnot spam %8.0f %8.0f\n", fp, tn);
  EXPECT_NE(t.out.find(row), std::string::npos) << t.out;
}

// eval names overlap with the training data: by file name from the model's stored summary, and
// text by text with --train.
TEST_F(CliEval, TrainTestOverlapIsWarnedAbout) {
  auto r = test::run(test::cli() + " eval " + dir_ + "/sms.ttm " + dir_ + "/sms.test.csv --train " + dir_ +
                     "/sms.train.csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(" of 1115 test texts are also in the training data " + dir_ + "/sms.train.csv"),
            std::string::npos) << r.err;
  auto t = test::run(test::cli() + " eval " + dir_ + "/sms.ttm " + dir_ + "/sms.train.csv");
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.err.find("data: warning: the model was trained on a file named sms.train.csv"), std::string::npos)
      << t.err;
}

TEST_F(CliEval, SoftmaxModelOnATestFileWithFewerClasses) {
  test::TempDir dir;
  const std::string two = dir.write("two.csv", "text,label\nyou are a bitch,1\nlovely day,2\nnice one,2\n");
  auto r = test::run(test::cli() + " eval " + dir_ + "/dav.ttm " + two + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"labels\":[{\"name\":\"0\",\"positives\":0,\"auc\":null"), std::string::npos) << r.out;
  const std::string bad = dir.write("bad.csv", "text,label\nx,1\ny,7\n");
  auto b = test::run(test::cli() + " eval " + dir_ + "/dav.ttm " + bad);
  EXPECT_EQ(b.exit_code, 1);
  EXPECT_NE(b.err.find("bad.csv:3: label '7' in label column 'label' (column 2) is not one of the model's classes"),
            std::string::npos) << b.err;
}

}  // namespace
}  // namespace tt

namespace tt {
namespace {

// The README's walkthrough trains this very model (split --seed 1, train --max-flash 4K,
// quantize --calib): its predict example must get the verdict the README shows, and the short
// text it discusses the score it quotes.
TEST_F(CliEval, ReadmePredictExampleGivesTheVerdictItShows) {
  const std::string readme = test::read_file(std::string(TT_SOURCE_DIR) + "/README.md");
  const std::string cmd = "$tt predict spam.q8 \"";
  const size_t at = readme.find(cmd);
  ASSERT_NE(at, std::string::npos);
  const size_t from = at + cmd.size(), to = readme.find('"', from);
  const std::string text = readme.substr(from, to - from);
  const size_t shown = readme.find("# spam<TAB>spam=", to);
  ASSERT_NE(shown, std::string::npos);
  const std::string score = readme.substr(shown + 16, 6);
  auto r = test::run(test::cli() + " predict " + dir_ + "/sms.q.ttm -- '" + text + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "spam\tspam=" + score + "\n") << text;
  auto s = test::run(test::cli() + " predict " + dir_ + "/sms.q.ttm 'WINNER!! Claim your prize now'");
  EXPECT_EQ(s.out.rfind("-\tspam=0.07", 0), 0u) << s.out;
  EXPECT_NE(readme.find("\"WINNER!! Claim your prize now\" gets 0.08, under the threshold `train` chose (0.16)"),
            std::string::npos);
  auto i = test::run(test::cli() + " inspect " + dir_ + "/sms.q.ttm");
  EXPECT_NE(i.out.find("  0 spam 0.15"), std::string::npos) << i.out;
}

}  // namespace
}  // namespace tt
