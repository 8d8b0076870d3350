// Issue 17, training at scale: data from standard input ("-").
#include <gtest/gtest.h>

#include <unistd.h>

#include <string>

#include "test_util.h"

namespace tt {
namespace {

test::RunResult tt_run(const std::string& args, const std::string& input = "") {
  return test::run(test::cli() + " " + args, input);
}

std::string spam_csv() {
  std::string csv = "text,spam\n";
  for (int i = 0; i < 40; ++i) {
    csv += "\"WINNER claim your free prize now, call 0800" + std::to_string(i) + "\",1\n";
    csv += "\"hi mum, see you at home at " + std::to_string(i % 12) + " ok\",0\n";
  }
  return csv;
}

// The same rows from a file and from stdin give the same weights; the stored data summary names stdin.
TEST(TrainScale, StdinTrainsTheSameModelAsTheFile) {
  test::TempDir dir;
  const std::string data = dir.write("d.csv", spam_csv());
  const std::string a = dir.path() + "/a.ttm", b = dir.path() + "/b.ttm";
  ASSERT_EQ(tt_run("train " + data + " --quiet -o " + a).exit_code, 0);
  const auto r = tt_run("train - -o " + b, spam_csv());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("data: stdin: csv (sniffed from the first records)"), std::string::npos) << r.err;
  const auto ib = tt_run("inspect " + b + " --json");
  ASSERT_EQ(ib.exit_code, 0) << ib.err;
  EXPECT_NE(ib.out.find("\"data_summary\":{\"file\":\"stdin\""), std::string::npos) << ib.out;
  // The weights: the same scores and thresholds on every row.
  const auto pa = tt_run("predict " + a + " --json --data " + data), pb = tt_run("predict " + b + " --json --data " + data);
  ASSERT_EQ(pa.exit_code, 0) << pa.err;
  EXPECT_EQ(pa.out, pb.out);
  EXPECT_NE(test::read_file(a), test::read_file(b));  // the summaries differ
  // Streamed rows (--feature-memory 0: each row goes to a temporary file as it is read): the
  // weights of the streamed file, the summary of the held stdin.
  const std::string c = dir.path() + "/c.ttm", e = dir.path() + "/e.ttm";
  const auto rc = tt_run("train - --feature-memory 0 --json -o " + c, spam_csv());
  ASSERT_EQ(rc.exit_code, 0) << rc.err;
  ASSERT_EQ(tt_run("train " + data + " --quiet --feature-memory 0 -o " + e).exit_code, 0);
  const auto pc = tt_run("predict " + c + " --json --data " + data), pe = tt_run("predict " + e + " --json --data " + data);
  EXPECT_EQ(pc.out, pe.out);
  const auto rb = tt_run("train - --json -o " + b, spam_csv());
  const auto summary = [](const std::string& json) { return json.substr(json.find("\"data_summary\"")); };
  EXPECT_EQ(summary(rc.out), summary(rb.out));
}

// A bad stdin record is reported against "stdin" and its line; nothing is written.
TEST(TrainScale, StdinErrorsNameStdin) {
  test::TempDir dir;
  const std::string out = dir.path() + "/m.ttm";
  const auto r = tt_run("train - -o " + out, "text,label\nfine,1\n\"open quote,0\nok,0\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("stdin:3: unterminated quoted field"), std::string::npos) << r.err;
  EXPECT_NE(::access(out.c_str(), F_OK), 0);
}

}  // namespace
}  // namespace tt

namespace tt {
namespace {

// Features read back from their file on each pass (--feature-memory 0) give the model of features held in
// memory, byte for byte, at 1 and 3 threads: a linear model, and an embedding model with a
// validation split, early stopping and refit; both with more rows than one feed block (1,024).
TEST(TrainScale, FeedGivesTheSameModel) {
  test::TempDir dir;
  // The text column by the content rule (not named), read from standard input (not read twice),
  // so the rows are not streamed (that order is StreamedModelForAnyThreadCount's).
  std::string csv = "label,body\n";
  for (int i = 0; i < 1500; ++i) {
    const int k = (i * 7919) % 13;
    csv += k < 4 ? "1,\"free prize " + std::to_string(i % 37) + " claim now call " + std::to_string(k) + "\"\n"
                 : "0,\"see you at home at " + std::to_string(i % 12) + " ok " + std::to_string(k) + "\"\n";
  }
  for (const char* shape : {"--max-flash 4K", "--dim 8 --buckets 512 --refit"}) {
    std::string first;
    for (const char* extra : {"--threads 1", "--threads 3", "--threads 1 --feature-memory 0",
                              "--threads 3 --feature-memory 0"}) {
      const std::string out = dir.path() + "/m.ttm";
      const auto r = tt_run("train - " + std::string(shape) + " " + extra + " -o " + out, csv);
      ASSERT_EQ(r.exit_code, 0) << r.err;
      if (std::string(extra).find("feature-memory") != std::string::npos) {
        EXPECT_NE(r.err.find("go to a temporary file in "), std::string::npos) << r.err;
        EXPECT_EQ(r.err.find("rows streamed"), std::string::npos) << r.err;
      }
      const std::string bytes = test::read_file(out);
      if (first.empty()) {
        first = bytes;
      } else {
        EXPECT_EQ(bytes, first) << shape << " " << extra;
      }
    }
  }
}

// Streamed rows (the columns named in the header, --feature-memory 0): block-shuffled epochs, a
// hashed validation split, streamed NB counts and thresholds; the same model for 1, 2 and 3
// threads: a linear model with the exact table, an embedding model with validation, early
// stopping and refit, and QAT; more rows than four file blocks (a window).
TEST(TrainScale, StreamedModelForAnyThreadCount) {
  test::TempDir dir;
  std::string csv = "text,label\n";
  for (int i = 0; i < 5000; ++i) {
    const int k = (i * 7919) % 13;
    csv += k < 4 ? "\"free prize " + std::to_string(i % 37) + " claim now call " + std::to_string(k) + "\",1\n"
                 : "\"see you at home at " + std::to_string(i % 12) + " ok " + std::to_string(k) + "\",0\n";
  }
  const std::string data = dir.write("d.csv", csv);
  for (const char* shape : {"--max-flash 4K", "--dim 8 --buckets 512 --refit --epochs 4", "--max-flash 4K --qat --epochs 3"}) {
    std::string first;
    for (const char* threads : {"1", "2", "3"}) {
      const std::string out = dir.path() + "/m.ttm";
      const auto r = tt_run("train " + data + " " + shape + " --feature-memory 0 --threads " + threads + " -o " + out);
      ASSERT_EQ(r.exit_code, 0) << r.err;
      EXPECT_NE(r.err.find("go to a temporary file in "), std::string::npos) << r.err;
      const std::string bytes = test::read_file(out);
      if (first.empty())
        first = bytes;
      else
        EXPECT_EQ(bytes, first) << shape << " threads " << threads;
    }
  }
  // Bad input on the streamed path: the error names the file and line; no model is written.
  const std::string bad = dir.write("bad.csv", csv + "\"free prize\",\n");
  const std::string out = dir.path() + "/bad.ttm";
  const auto r = tt_run("train " + bad + " --feature-memory 0 -o " + out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(bad + ":5002: empty label"), std::string::npos) << r.err;
  EXPECT_NE(::access(out.c_str(), F_OK), 0);
}

}  // namespace
}  // namespace tt

#include "model/model_io.h"
#include "test_util.h"
#include "train/trainer.h"

namespace tt {
namespace {

// Beyond TrainOptions::threshold_rows the thresholds come from a seeded sample of that many rows:
// the weights are those of the whole pass, the thresholds the same for any thread count; at or
// above the row count nothing changes.
TEST(TrainScale, ThresholdsOnASampleBeyondThresholdRows) {
  const data::Dataset d = test::read_sms();
  train::TrainRequest r;
  r.quiet = true;
  r.max_flash = 4096;
  train::TrainOptions o = train::resolve(r, train::DataSummary::of(d));
  const FloatModel all = train::train(d, o);
  o.threshold_rows = d.size();
  EXPECT_EQ(train::train(d, o).threshold, all.threshold);
  o.threshold_rows = 300;
  const FloatModel one = train::train(d, o);
  EXPECT_EQ(one.emb, all.emb);
  EXPECT_NE(one.threshold, all.threshold);
  o.threads = 3;
  EXPECT_EQ(train::train(d, o).threshold, one.threshold);
}

}  // namespace
}  // namespace tt

#include <cstring>
#include <cmath>
#include <random>

#include "model/forward.h"
#include "train/optimizer.h"

namespace tt {
namespace {

// The trainer pools a batch's bags four at a time (pool_bags); each pooled vector must be, bit for
// bit, forward()'s for that bag alone: bags of different lengths (empty too), weights with -0.0,
// D = 1, 2, 3 (interleaved) and 5 (not), every pooling.
TEST(TrainScale, PoolBagsIsForwardBagByBag) {
  std::mt19937 rng(7);
  for (size_t D : {size_t{1}, size_t{2}, size_t{3}, size_t{5}}) {
    for (Pool pool : {Pool::kSqrt, Pool::kMean, Pool::kSum}) {
      ModelShape s;
      s.dim = static_cast<uint32_t>(D);
      s.outputs = static_cast<uint32_t>(D);
      s.linear = true;
      s.pool = pool;
      const size_t B = 64;
      std::vector<float> emb(B * D);
      std::uniform_real_distribution<float> u(-1, 1);
      for (size_t i = 0; i < emb.size(); ++i) emb[i] = i % 7 == 0 ? -0.0f : u(rng);
      std::vector<std::vector<uint16_t>> bags;
      for (size_t r = 0; r < 11; ++r) {
        bags.emplace_back(r == 3 ? 0 : 1 + rng() % 300);
        for (auto& f : bags.back()) f = static_cast<uint16_t>(rng() % B);
      }
      std::vector<const uint16_t*> f;
      std::vector<size_t> n;
      for (const auto& b : bags) f.push_back(b.data()), n.push_back(b.size());
      std::vector<float> p(bags.size() * D), scale(bags.size());
      pool_bags(s, emb.data(), f.data(), n.data(), bags.size(), p.data(), scale.data());
      const std::vector<float> b2(D, 0.0f);
      const Weights<float> w{emb.data(), nullptr, nullptr, nullptr, b2.data()};
      Activations<float> a;
      a.resize(s);
      for (size_t r = 0; r < bags.size(); ++r) {
        forward(s, w, f[r], n[r], a);
        EXPECT_EQ(std::memcmp(a.p.data(), &p[r * D], D * sizeof(float)), 0) << "D " << D << " bag " << r;
        EXPECT_EQ(std::memcmp(&a.scale, &scale[r], sizeof(float)), 0);
      }
    }
  }
}

// The trainer's four-rows-at-a-time AdaGrad (adagrad_scaled_rows1) gives update()'s bits.
TEST(TrainScale, AdagradScaledRowsIsUpdateRowByRow) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  const size_t B = 40;
  std::vector<float> g(B), r(B), v(B), w(B), s1(B);
  for (size_t i = 0; i < B; ++i) g[i] = u(rng), r[i] = 0.5f + u(rng) * u(rng), v[i] = u(rng), s1[i] = std::abs(u(rng));
  g[5] = -0.0f, v[6] = 0.0f, s1[7] = 0.0f;
  const std::vector<uint32_t> rows = {7, 3, 5, 6, 0, 39, 12, 13, 2, 30, 31};  // distinct, 11: a scalar tail
  const train::OptConfig o{train::Optimizer::kAdagrad, 0.004f};
  std::vector<float> g2 = g, v2 = v, w2 = w, s2 = s1;
  train::adagrad_scaled_rows1(o, rows.data(), rows.size(), g.data(), r.data(), v.data(), w.data(), s1.data(), 0.3f);
  for (const uint32_t f : rows) {
    g2[f] *= r[f];
    train::update(o, &v2[f], &g2[f], &s2[f], nullptr, 1, 0.3f, 1.0f, 1.0f);
    w2[f] = v2[f] * r[f];
  }
  EXPECT_EQ(std::memcmp(v.data(), v2.data(), B * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(w.data(), w2.data(), B * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(s1.data(), s2.data(), B * sizeof(float)), 0);
}

}  // namespace
}  // namespace tt

namespace tt {
namespace {

// Streamed rows that are few (at most kHeldStreamRows, and within the budget at kHeldRowBytes a
// row) train from their held form: the model of the same file read without streaming, not a
// block-shuffled one; with a smaller budget they stay streamed.
TEST(TrainScale, FewStreamedRowsTrainTheHeldModel) {
  data::ReaderOptions ro;
  const std::string path = test::shared_path("data/sms-spam-collection/SMSSpamCollection");
  ro.header = false, ro.format = data::Format::kTsv, ro.label_columns = {"1"}, ro.text_column = "2";
  const data::Dataset held = data::read_dataset(path, ro);
  ro.text_memory = 0;
  const data::Dataset streamed = data::read_dataset(path, ro);
  ASSERT_FALSE(held.streamed());
  ASSERT_TRUE(streamed.streamed());
  train::TrainRequest req;
  req.quiet = true, req.epochs = 2, req.max_flash = 4096;
  train::TrainOptions o = train::resolve(req, train::DataSummary::of(held));
  o.feature_memory = held.size() * train::kHeldRowBytes * train::kFeatureBytesPerTextByte;  // the rows just fit
  const FloatModel h = train::train(held, o), f = train::train(streamed, o);
  EXPECT_EQ(f.emb, h.emb);
  EXPECT_EQ(f.b2, h.b2);
  EXPECT_EQ(f.threshold, h.threshold);
  o.feature_memory -= train::kHeldRowBytes * train::kFeatureBytesPerTextByte;  // one row too many
  const FloatModel s = train::train(streamed, o);
  EXPECT_NE(s.emb, h.emb);
}

}  // namespace
}  // namespace tt
