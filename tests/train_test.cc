// The trainer end to end: held-out accuracy on real data, reproducibility, refused flags, NaN
// handling, multi-label data.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "common/error.h"
#include "eval/metrics.h"
#include "data/dataset.h"
#include "model/model_io.h"
#include "quant/quantize.h"
#include "test_util.h"
#include "train/trainer.h"

namespace {

const std::string kShared = TT_SHARED_DIR;
const std::string kSms = kShared + "/data/sms-spam-collection/SMSSpamCollection";
const std::string kSmsOpts = " --format tsv --no-header --label 1 --text 2";
const std::string kJigsawSample = kShared + "/data/jigsaw-toxic-partial/train_sample.csv";

std::string temp_dir() {
  char tmpl[] = "/tmp/tt_train_test.XXXXXX";
  const char* d = mkdtemp(tmpl);
  return d ? d : "/tmp";
}

bool exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

struct CliRun {
  int code;
  std::string err;
};

// Runs the CLI with `args`; returns its exit code and stderr.
CliRun cli(const std::string& args) {
  static const std::string dir = temp_dir();
  const std::string err = dir + "/stderr.txt";
  const std::string cmd = std::string(TT_CLI_PATH) + " " + args + " > /dev/null 2> " + err;
  const int st = std::system(cmd.c_str());
  std::ifstream in(err);
  std::stringstream ss;
  ss << in.rdbuf();
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, ss.str()};
}

TEST(Train, SmsHeldOutAuc) {
  tt::data::Dataset all = tt::test::read_sms(), train, test;
  tt::test::split_every_fifth(all, train, test);
  tt::train::TrainRequest o;
  o.quiet = true;
  o.max_flash = 4096;
  tt::train::TrainReport rep;
  const tt::FloatModel m = tt::train::train(train, o, &rep);
  EXPECT_LE(m.shape.parameter_count(), 4096u);
  EXPECT_TRUE(m.shape.linear);
  std::vector<double> s;
  std::vector<uint8_t> y;
  for (size_t i = 0; i < test.size(); ++i) {
    s.push_back(m.scores(test.texts[i])[0]);
    y.push_back(test.targets[i]);
  }
  const double auc = tt::eval::roc_auc(s, y);
  EXPECT_GT(auc, 0.98) << "measured ~0.985 with mean pooling, ~0.99 with the sqrt/L2 defaults";
  // Linear models hold nothing out by default: every row, every epoch, thresholds from the training rows.
  EXPECT_EQ(rep.valid_examples, 0u);
  EXPECT_EQ(rep.best_epoch, 0u);
  EXPECT_EQ(rep.epochs.size(), o.epochs);
  EXPECT_GT(m.threshold[0], 0.0f);
  EXPECT_LT(m.threshold[0], 1.0f);
  EXPECT_NE(m.threshold[0], 0.5f);
}

// --keep last: no early stopping; the last epoch is kept and the validation rows set the thresholds.
TEST(Train, KeepLastTrainsEveryEpoch) {
  tt::data::Dataset all = tt::test::read_sms(), train, test;
  tt::test::split_every_fifth(all, train, test);
  tt::train::TrainRequest o;
  o.quiet = true;
  o.max_flash = 4096;
  o.epochs = 6;
  o.valid = 0.1;
  o.patience = 1;
  o.keep_last = true;
  tt::train::TrainReport rep;
  const tt::FloatModel m = tt::train::train(train, o, &rep);
  EXPECT_EQ(rep.valid_examples, train.size() / 10);
  EXPECT_EQ(rep.epochs.size(), 6u);
  EXPECT_EQ(rep.best_epoch, 6u);
  EXPECT_EQ(rep.best_metric, rep.epochs.back().valid_metric);
  EXPECT_GT(m.threshold[0], 0.0f);
  EXPECT_LT(m.threshold[0], 1.0f);
}

TEST(Train, SameSeedSameFileDifferentSeedDifferentFile) {
  const std::string dir = temp_dir();
  const std::string base = kSms + kSmsOpts + " --quiet --epochs 3 --max-flash 4K";
  ASSERT_EQ(cli("train " + base + " --seed 7 --threads 2 -o " + dir + "/a.ttm").code, 0);
  ASSERT_EQ(cli("train " + base + " --seed 7 --threads 2 -o " + dir + "/b.ttm").code, 0);
  ASSERT_EQ(cli("train " + base + " --seed 8 --threads 2 -o " + dir + "/c.ttm").code, 0);
  const std::string a = tt::read_file_bytes(dir + "/a.ttm");
  EXPECT_EQ(a, tt::read_file_bytes(dir + "/b.ttm"));
  EXPECT_NE(a, tt::read_file_bytes(dir + "/c.ttm"));
  // The design makes the model independent of the thread count too, also for an embedding model
  // big enough to train on several threads.
  ASSERT_EQ(cli("train " + base + " --seed 7 --threads 1 -o " + dir + "/d.ttm").code, 0);
  EXPECT_EQ(a, tt::read_file_bytes(dir + "/d.ttm"));
  const std::string emb = kSms + kSmsOpts + " --quiet --epochs 1 --dim 32 --hidden 8 --buckets 8192 --seed 3";
  ASSERT_EQ(cli("train " + emb + " --threads 1 -o " + dir + "/e1.ttm").code, 0);
  ASSERT_EQ(cli("train " + emb + " --threads 3 -o " + dir + "/e3.ttm").code, 0);
  EXPECT_EQ(tt::read_file_bytes(dir + "/e1.ttm"), tt::read_file_bytes(dir + "/e3.ttm"));
}

TEST(Train, DefaultsFoundByExperiment) {
  const tt::train::TrainRequest o;
  EXPECT_EQ(o.pool, tt::Pool::kSqrt);
  EXPECT_FALSE(o.l2);  // the shape's default
  EXPECT_FALSE(o.refit);
  tt::ModelShape lin;
  lin.linear = true;
  lin.dim = 1;
  tt::ModelShape emb;
  EXPECT_EQ(tt::train::default_l2(lin), 0.004f);
  EXPECT_EQ(tt::train::default_l2(emb), 0.0f);
  EXPECT_FALSE(o.valid);  // the shape's default
  EXPECT_EQ(tt::train::default_valid(lin, false), 0.0);
  EXPECT_EQ(tt::train::default_valid(lin, true), 0.1);
  EXPECT_EQ(tt::train::default_valid(emb, false), 0.1);
  EXPECT_FALSE(o.keep_last);
  EXPECT_EQ(tt::train::default_lr(tt::train::Optimizer::kAdagrad, lin), 1.0f);
  EXPECT_FALSE(o.nb_alpha);  // the shape's default: NB-weighted linear models
  EXPECT_EQ(tt::train::default_nb_alpha(lin), tt::train::kDefaultNbAlpha);
  EXPECT_EQ(tt::train::default_nb_alpha(emb), 0.0f);
  EXPECT_EQ(o.nb_beta, 0.25f);
  // The text row: on for linear models, counted twice (docs/training.md rounds 6 and 7).
  EXPECT_TRUE(tt::train::default_text_row(lin));
  EXPECT_FALSE(tt::train::default_text_row(emb));
  EXPECT_FALSE(o.text_row_count);  // the shape's default
  EXPECT_EQ(tt::train::default_text_row_count(lin), 2u);
  EXPECT_EQ(tt::train::default_text_row_count(emb), 1u);
  // Digits folded for one output, kept for more (round 9).
  EXPECT_FALSE(o.fold_digits);  // the shape's default
  lin.outputs = 1;
  EXPECT_EQ(tt::train::default_fold_digits(lin), 1u);
  lin.outputs = 3;
  EXPECT_EQ(tt::train::default_fold_digits(lin), 0u);
  using tt::train::ClassWeight;
  EXPECT_FALSE(tt::train::uses_class_weights(ClassWeight::kAuto, tt::Head::kSigmoid));
  EXPECT_TRUE(tt::train::uses_class_weights(ClassWeight::kAuto, tt::Head::kSoftmax));
  EXPECT_TRUE(tt::train::uses_class_weights(ClassWeight::kBalanced, tt::Head::kSigmoid));
  EXPECT_FALSE(tt::train::uses_class_weights(ClassWeight::kNone, tt::Head::kSoftmax));
}

// --refit retrains on every row for the best epoch count: reproducible, independent of the thread
// count, a different model from the early-stopped one, with the thresholds chosen on validation.
TEST(Train, RefitIsDeterministicAndKeepsThresholds) {
  tt::data::Dataset all = tt::test::read_sms(), train, test;
  tt::test::split_every_fifth(all, train, test);
  tt::train::TrainRequest o;
  o.quiet = true;
  o.max_flash = 4096;
  o.epochs = 4;
  o.valid = 0.1;
  tt::train::TrainReport r0, r1, r2;
  const tt::FloatModel plain = tt::train::train(train, o, &r0);
  o.refit = true;
  const tt::FloatModel a = tt::train::train(train, o, &r1);
  o.threads = 1;
  const tt::FloatModel b = tt::train::train(train, o, &r2);
  EXPECT_EQ(a.emb, b.emb);
  EXPECT_EQ(a.b2, b.b2);
  EXPECT_NE(a.emb, plain.emb);
  EXPECT_EQ(a.threshold, plain.threshold);
  EXPECT_EQ(r1.best_epoch, r0.best_epoch);
  EXPECT_EQ(r1.epochs.size(), r0.epochs.size());  // refit epochs are not reported as validated ones
  std::vector<double> s;
  std::vector<uint8_t> y;
  for (size_t i = 0; i < test.size(); ++i) {
    s.push_back(a.scores(test.texts[i])[0]);
    y.push_back(test.targets[i]);
  }
  EXPECT_GT(tt::eval::roc_auc(s, y), 0.97);
}

TEST(Train, BadFlagsRefusedBeforeTraining) {
  const std::string dir = temp_dir();
  const std::string out = dir + "/m.ttm";
  const std::string base = "train " + kSms + kSmsOpts + " -o " + out;
  struct Bad {
    std::string flags, says;
  } bad[] = {
      {" --buckets 0", "buckets"},
      {" --buckets 70000", "65536"},
      {" --max-flash 10", "too small"},
      {" --linear --dim 5", "--linear needs --dim"},
      {" --linear --hidden 3", "--linear"},
      {" --loss softmax", "softmax"},
      {" --loss hinge", "--loss"},
      {" --pool max", "--pool"},
      {" --char-ngrams 1-9", "--char-ngrams"},
      {" --word-ngrams 3", "--word-ngrams"},
      {" --valid 1.5", "--valid"},
      {" --class-weight some", "--class-weight"},
      {" --l2 -1", "--l2"},
      {" --epochs 0", "--epochs"},
      {" --dim 8 --buckets 1024 --nb 1", "--nb"},
      {" --nb-beta 2", "--nb-beta"},
      {" --text-row-count 0", "--text-row-count"},
      {" --text-row-count 256", "[1, 255]"},
      {" --text-row-count 2 --no-text-row", "--no-text-row"},
      {" --dim 8 --buckets 1024 --text-row-count 2", "add --text-row"},
      {" --max-flash 4K --exact-table 2000", "--exact-table 2000"},
      {" --max-flash 4K --buckets 4032 --exact-table 600", "does not fit"},
      {" --exact-table 60000", "groups"},
      {" --exact-table -1", "--exact-table"},
      {" --table-sample 0", "--table-sample"},
      {" --table-sample 1Q", "--table-sample"},
      {" --digits some", "--digits must be fold or keep"},
      {" --bogus", "unknown option"},
  };
  for (const auto& b : bad) {
    const CliRun r = cli(base + b.flags);
    EXPECT_EQ(r.code, 2) << b.flags << ": " << r.err;
    EXPECT_NE(r.err.find(b.says), std::string::npos) << b.flags << ": " << r.err;
    EXPECT_EQ(r.err.find("epoch "), std::string::npos) << b.flags << " started training";
    EXPECT_FALSE(exists(out)) << b.flags;
  }
  EXPECT_EQ(cli("train " + kSms + kSmsOpts).code, 2);  // no -o
  const CliRun help = cli("train --help");
  EXPECT_EQ(help.code, 0);
}

TEST(Train, DivergenceWritesNoModel) {
  const std::string dir = temp_dir();
  const std::string out = dir + "/m.ttm";
  const CliRun r = cli("train " + kSms + kSmsOpts + " --quiet --lr 1e30 --dim 8 --buckets 1024 -o " + out);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("NaN"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(out));
}

TEST(Train, MultiLabelEndToEnd) {
  const std::string dir = temp_dir();
  const std::string out = dir + "/ml.ttm";
  const CliRun r = cli("train " + kJigsawSample +
                    " --label toxic,severe_toxic,obscene,threat,insult,identity_hate --max-flash 32K --epochs 4 "
                    "--quiet --json -o " + out);
  ASSERT_EQ(r.code, 0) << r.err;
  const tt::FloatModel m = tt::load_model(out);
  EXPECT_EQ(m.shape.outputs, 6u);
  EXPECT_EQ(m.shape.head, tt::Head::kSigmoid);
  EXPECT_EQ(m.shape.tokenizer.fold_digits, 0u);  // more than one output: digits kept by default
  EXPECT_LE(m.shape.parameter_count(), 32u * 1024);
  EXPECT_EQ(m.labels.size(), 6u);
  EXPECT_EQ(m.threshold.size(), 6u);
  const auto s = m.scores("you are a stupid idiot");
  ASSERT_EQ(s.size(), 6u);
  for (float v : s) {
    EXPECT_GE(v, 0.0f);
    EXPECT_LE(v, 1.0f);
  }
  // --digits fold is honoured for more than one output too.
  const CliRun f = cli("train " + kJigsawSample +
                       " --label toxic,severe_toxic,obscene,threat,insult,identity_hate --max-flash 4K --epochs 1 "
                       "--digits fold --quiet -o " + dir + "/mlf.ttm");
  ASSERT_EQ(f.code, 0) << f.err;
  EXPECT_EQ(tt::load_model(dir + "/mlf.ttm").shape.tokenizer.fold_digits, 1u);
}

TEST(Train, ShapeForBudget) {
  using tt::data::LabelKind;
  using tt::train::shape_for_budget;
  tt::train::TrainRequest plain;  // no text row, no exact table: the bare rule
  plain.text_row = false;
  plain.exact_table = 0;
  const tt::ModelShape a = shape_for_budget(4096, 1, LabelKind::kBinary, plain);
  EXPECT_EQ(a.tokenizer.buckets, 4032u);
  EXPECT_TRUE(a.linear);
  EXPECT_LE(a.parameter_count(), 4096u);
  const tt::ModelShape b = shape_for_budget(32768, 3, LabelKind::kMultiClass, plain);
  EXPECT_EQ(b.tokenizer.buckets, 10880u);
  EXPECT_EQ(b.head, tt::Head::kSoftmax);
  EXPECT_LE(b.parameter_count(), 32768u);
  EXPECT_THROW(shape_for_budget(60, 1, LabelKind::kBinary, plain), tt::UsageError);
  // Budgets up to 8K: words and char 3-4, no bigrams (unless the n-gram flags were given).
  EXPECT_EQ(a.tokenizer.word_ngrams, 1u);
  EXPECT_EQ(a.tokenizer.char_min, 3u);
  EXPECT_EQ(a.tokenizer.char_max, 4u);
  tt::train::TrainRequest keep = plain;
  keep.word_ngrams = 2;
  const tt::ModelShape k = shape_for_budget(4096, 1, LabelKind::kBinary, keep);
  EXPECT_EQ(k.tokenizer.word_ngrams, 2u);
  EXPECT_EQ(k.tokenizer.char_max, 5u);
  EXPECT_EQ(shape_for_budget(8192, 1, LabelKind::kBinary, plain).tokenizer.word_ngrams, 1u);
  const tt::ModelShape big = shape_for_budget(8193, 1, LabelKind::kBinary, plain);
  EXPECT_EQ(big.tokenizer.word_ngrams, 2u);
  EXPECT_EQ(big.tokenizer.char_min, 3u);
  EXPECT_EQ(big.tokenizer.char_max, 5u);
  EXPECT_EQ(b.tokenizer.word_ngrams, 2u);
  EXPECT_EQ(b.tokenizer.char_max, 5u);
  // The text row's K parameters count: B shrinks by one 64-step when they do not fit.
  tt::train::TrainRequest row = plain;
  row.text_row = true;
  row.text_row_count = 1;
  const tt::ModelShape r = shape_for_budget(4096, 1, LabelKind::kBinary, row);
  EXPECT_EQ(r.tokenizer.buckets, 4032u);
  EXPECT_EQ(r.parameter_count(), 4032u + 1 + 1);
  EXPECT_EQ(shape_for_budget(4034, 1, LabelKind::kBinary, row).tokenizer.buckets, 4032u);
  const tt::ModelShape u = shape_for_budget(4033, 1, LabelKind::kBinary, row);
  EXPECT_EQ(u.tokenizer.buckets, 3968u);
  EXPECT_LE(u.parameter_count(), 4033u);
  // The defaults: the text row (twice) and, at 4K with one output, the exact table (600 entries).
  const tt::ModelShape d4 = shape_for_budget(4096, 1, LabelKind::kBinary);
  EXPECT_EQ(d4.table_groups, 188u);
  EXPECT_EQ(d4.tokenizer.buckets, 2560u);
  EXPECT_EQ(shape_for_budget(32768, 1, LabelKind::kBinary).tokenizer.buckets, 32704u);
  // Every budget computation is buckets_for_budget: the most buckets (x64) that fit.
  EXPECT_EQ(tt::train::buckets_for_budget(d4, 4096), 2560u);
  EXPECT_EQ(tt::train::buckets_for_budget(d4, 1000), 0u);
}

// The budget's features reach the model file; explicit n-gram flags win over them.
TEST(Train, SmallBudgetFeaturesInTheModel) {
  const std::string dir = temp_dir();
  const std::string base = kSms + kSmsOpts + " --quiet --epochs 2 --max-flash 4K --seed 2";
  ASSERT_EQ(cli("train " + base + " -o " + dir + "/a.ttm").code, 0);
  ASSERT_EQ(cli("train " + base + " --word-ngrams 1 --char-ngrams 3-4 -o " + dir + "/b.ttm").code, 0);
  ASSERT_EQ(cli("train " + base + " --word-ngrams 2 -o " + dir + "/c.ttm").code, 0);
  EXPECT_EQ(tt::read_file_bytes(dir + "/a.ttm"), tt::read_file_bytes(dir + "/b.ttm"));
  const tt::FloatModel a = tt::load_model(dir + "/a.ttm");
  EXPECT_TRUE(a.shape.text_row);
  EXPECT_EQ(a.shape.text_row_count, tt::train::kDefaultLinearTextRowCount);  // the default, in the file
  EXPECT_EQ(a.shape.tokenizer.word_ngrams, 1u);
  EXPECT_EQ(a.shape.tokenizer.char_min, 3u);
  EXPECT_EQ(a.shape.tokenizer.char_max, 4u);
  const tt::FloatModel c = tt::load_model(dir + "/c.ttm");
  EXPECT_EQ(c.shape.tokenizer.word_ngrams, 2u);
  EXPECT_EQ(c.shape.tokenizer.char_max, 5u);
  // Digits: folded by default for one output, in the file and the device image; --digits keep.
  EXPECT_EQ(a.shape.tokenizer.fold_digits, 1u);
  ASSERT_EQ(cli("train " + base + " --digits keep -o " + dir + "/d.ttm").code, 0);
  EXPECT_EQ(tt::load_model(dir + "/d.ttm").shape.tokenizer.fold_digits, 0u);
  EXPECT_NE(tt::read_file_bytes(dir + "/a.ttm"), tt::read_file_bytes(dir + "/d.ttm"));
  ASSERT_EQ(cli("quantize " + dir + "/a.ttm -o " + dir + "/a.q.ttm").code, 0);
  const tt::quant::QuantModel q = tt::quant::load_quant(dir + "/a.q.ttm");
  EXPECT_EQ(uint8_t(q.image[tt::kHdrFlags]) & tt::kModelFoldDigits, tt::kModelFoldDigits);
}

// The selection pass reads a seeded sample of whole rows beyond table_select_bytes of text: the
// same sample for the same seed, every row below the cap (the model is then what it was).
TEST(Train, ExactTableSelectionSample) {
  const tt::data::Dataset d = tt::test::read_sms();
  tt::train::TrainRequest o;
  o.max_flash = 4096;
  o.epochs = 2;
  o.quiet = true;
  tt::train::TrainReport r;
  const tt::FloatModel full = tt::train::train(d, o, &r);
  EXPECT_EQ(r.table_select_rows, r.train_examples);
  o.table_select_bytes = 100000;  // about a fifth of the SMS text
  const tt::FloatModel part = tt::train::train(d, o, &r);
  EXPECT_GT(r.table_select_rows, r.train_examples / 10);
  EXPECT_LT(r.table_select_rows, r.train_examples / 2);
  EXPECT_EQ(part.shape.table_groups, full.shape.table_groups);
  EXPECT_NE(part.table, full.table);
  EXPECT_EQ(tt::serialize_model(tt::train::train(d, o, nullptr)), tt::serialize_model(part));
  // The sample finds many of the same features: far more fingerprints sit in the same group of
  // both tables (in any order: it follows the ranking) than the ~1.6% that chance would put there.
  size_t same = 0;
  for (size_t g = 0; g < full.table.size(); g += 4)
    for (size_t i = g; i < g + 4; ++i)
      same += std::count(&part.table[g], &part.table[g] + 4, full.table[i]) != 0;
  std::printf("[ table    ] %zu of %zu fingerprints in the same group from %zu of %zu rows\n", same,
              full.table.size(), r.table_select_rows, r.train_examples);
  EXPECT_GT(same, full.table.size() / 8);
}

// The exact table: on by default at 4K for one output (600 entries), paid for by buckets within the
// budget, in the file, reaching slot rows; reproducible whatever the thread count; --exact-table 0
// is the plain hashed model.
TEST(Train, ExactTable) {
  const std::string dir = temp_dir();
  const std::string base = kSms + kSmsOpts + " --quiet --epochs 2 --max-flash 4K --seed 5";
  ASSERT_EQ(cli("train " + base + " --exact-table 600 --threads 1 -o " + dir + "/a.ttm").code, 0);
  ASSERT_EQ(cli("train " + base + " --exact-table 600 --threads 3 -o " + dir + "/b.ttm").code, 0);
  ASSERT_EQ(cli("train " + base + " -o " + dir + "/c.ttm").code, 0);  // the default
  ASSERT_EQ(cli("train " + base + " --exact-table 0 -o " + dir + "/p.ttm").code, 0);
  const std::string a = tt::read_file_bytes(dir + "/a.ttm");
  EXPECT_EQ(a, tt::read_file_bytes(dir + "/b.ttm"));
  const tt::FloatModel m = tt::load_model(dir + "/a.ttm");
  const tt::FloatModel c = tt::load_model(dir + "/c.ttm");
  EXPECT_EQ(m.table, c.table);
  EXPECT_EQ(m.emb, c.emb);
  EXPECT_EQ(m.shape.table_groups, tt::train::table_groups_for(600));
  EXPECT_EQ(m.shape.table_groups, 188u);
  EXPECT_LE(m.shape.parameter_count(), 4096u);
  EXPECT_EQ(m.shape.tokenizer.buckets, 2560u);  // 4096 - 2 - 188 x 8 = 2590, rounded down to 64
  // Selected features fill most slots: at least 600 distinct fingerprints in their groups.
  size_t hits = 0;
  for (const char* t : {"URGENT! You have won a prize, call now", "ok see you at home later", "free txt STOP"})
    for (uint16_t f : m.features(t)) hits += f >= m.shape.table_first();
  EXPECT_GT(hits, 3u);
  // An explicit --buckets keeps the plain model (the default table would not fit next to 4032).
  ASSERT_EQ(cli("train " + base + " --buckets 4032 -o " + dir + "/q.ttm").code, 0);
  EXPECT_EQ(tt::load_model(dir + "/q.ttm").shape.table_groups, 0u);
  const tt::FloatModel p = tt::load_model(dir + "/p.ttm");
  EXPECT_EQ(p.shape.table_groups, 0u);
  EXPECT_EQ(p.shape.tokenizer.buckets, 4032u);
  EXPECT_EQ(tt::train::default_exact_table(4096, m.shape), 600u);
  EXPECT_EQ(tt::train::default_exact_table(8192, m.shape), 1200u);
  EXPECT_EQ(tt::train::default_exact_table(0, m.shape), 0u);  // no budget: off
  EXPECT_EQ(tt::train::default_exact_table(32768, m.shape), 0u);
  tt::ModelShape k3 = m.shape;
  k3.outputs = k3.dim = 3;
  EXPECT_EQ(tt::train::default_exact_table(4096, k3), 0u);
}

// --kind-scale: deterministic across thread counts, 1,1,1 is the plain model, bad values refused.
TEST(Train, KindScale) {
  const std::string dir = temp_dir();
  const std::string base = kSms + kSmsOpts + " --quiet --epochs 2 --max-flash 32K --seed 4";
  ASSERT_EQ(cli("train " + base + " -o " + dir + "/p.ttm").code, 0);
  ASSERT_EQ(cli("train " + base + " --kind-scale 1,1,1 -o " + dir + "/q.ttm").code, 0);
  EXPECT_EQ(tt::read_file_bytes(dir + "/p.ttm"), tt::read_file_bytes(dir + "/q.ttm"));
  ASSERT_EQ(cli("train " + base + " --kind-scale 1,0.5,0.7 --threads 1 -o " + dir + "/a.ttm").code, 0);
  ASSERT_EQ(cli("train " + base + " --kind-scale 1,0.5,0.7 --threads 3 -o " + dir + "/b.ttm").code, 0);
  const std::string a = tt::read_file_bytes(dir + "/a.ttm");
  EXPECT_EQ(a, tt::read_file_bytes(dir + "/b.ttm"));
  EXPECT_NE(a, tt::read_file_bytes(dir + "/p.ttm"));
  for (const char* bad : {"0,1,1", "1,1", "1,1,1,1", "a,b,c", "1,-1,1"})
    EXPECT_EQ(cli("train " + base + " --kind-scale " + bad + " -o " + dir + "/x.ttm").code, 2) << bad;
  EXPECT_EQ(cli("train " + kSms + kSmsOpts + " --quiet --dim 4 --buckets 1024 --kind-scale 1,0.5,1 -o " + dir +
                "/y.ttm").code,
            2);
}

// Texts that give no feature (blank ones, built here without the reader, which refuses a blank
// text column) are refused by the trainer, naming the data, before a useless model exists.
TEST(Train, NoFeatureInAnyTextIsAnError) {
  tt::data::Dataset d;
  d.path = "blank.csv";
  d.label_names = {"spam"};
  for (int i = 0; i < 40; ++i) {
    d.texts.push_back(i % 2 ? " " : "\t");
    d.targets.push_back(static_cast<uint8_t>(i % 2));
    d.lines.push_back(static_cast<uint32_t>(i + 2));
  }
  tt::train::TrainRequest o;
  o.max_flash = 4096;
  o.quiet = true;
  try {
    tt::train::train(d, o, nullptr);
    ADD_FAILURE() << "trained on texts without features";
  } catch (const tt::Error& e) {
    EXPECT_NE(std::string(e.what()).find("blank.csv: no training text gives a feature"), std::string::npos) << e.what();
  }
}

}  // namespace
