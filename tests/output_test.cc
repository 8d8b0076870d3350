// Untrusted input and the files tinytext writes (common/file.h): atomic writes and sets of files,
// stale temporaries, outputs that are inputs or cannot be written, directories given as inputs,
// memory bounded by what the input justifies. Killing real writes: tests/kill_writes.sh.
#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/file.h"
#include "data/dataset.h"
#include "model/model_io.h"
#include "test_util.h"

namespace tt {
namespace {

class Output : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tt_output_XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  void put(const std::string& name, const std::string& bytes) const {
    std::ofstream(path(name), std::ios::binary) << bytes;
  }
  // Every name in the directory (without . and ..), sorted.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    DIR* d = opendir(dir_.c_str());
    while (const dirent* e = readdir(d))
      if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") out.push_back(e->d_name);
    closedir(d);
    std::sort(out.begin(), out.end());
    return out;
  }
  test::RunResult cli(const std::string& args) const { return test::run(test::cli() + " " + args); }
  // A small binary dataset: ham/spam, text.
  std::string small_data() const {
    std::string csv = "text,label\n";
    for (int i = 0; i < 40; ++i) csv += (i % 2 ? "win a prize now " : "see you at lunch ") + std::to_string(i) + (i % 2 ? ",spam\n" : ",ham\n");
    put("d.csv", csv);
    return path("d.csv");
  }
  std::string dir_;
};

TEST_F(Output, WriteIsAtomicAndLeavesNoTemporary) {
  write_file_atomic(path("a"), "one");
  write_file_atomic(path("a"), "two");
  EXPECT_EQ(test::read_file(path("a")), "two");
  EXPECT_EQ(names(), std::vector<std::string>{"a"});
  // A symlink at the target is replaced, not followed.
  put("victim", "keep");
  ASSERT_EQ(symlink(path("victim").c_str(), path("link").c_str()), 0);
  write_file_atomic(path("link"), "new");
  EXPECT_EQ(test::read_file(path("victim")), "keep");
  EXPECT_EQ(test::read_file(path("link")), "new");
  // A failure names the file and leaves nothing behind.
  try {
    write_file_atomic(path("missing/a"), "x");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path("missing/a")), std::string::npos) << e.what();
  }
}

TEST_F(Output, StaleTemporariesOfADeadWriterAreRemoved) {
  // A writer killed after creating its temporary: a PID that no longer runs.
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  const std::string stale = ".m.ttm.tt-tmp." + std::to_string(child) + ".AbC123";
  const std::string live = ".m.ttm.tt-tmp." + std::to_string(getpid()) + ".XyZ789";  // a running writer's
  const std::string other = ".n.ttm.tt-tmp." + std::to_string(child) + ".AbC123";    // another target's
  put(stale, "partial");
  put(live, "partial");
  put(other, "partial");
  write_file_atomic(path("m.ttm"), "model");
  EXPECT_EQ(names(), (std::vector<std::string>{live, other, "m.ttm"}));
}

TEST_F(Output, ASetIsWrittenWithItsSealLast) {
  write_files_atomic({{path("p.train.csv"), "train 1"}, {path("p.test.csv"), "test 1"}});
  write_files_atomic({{path("p.train.csv"), "train 2"}, {path("p.test.csv"), "test 2"}});
  EXPECT_EQ(test::read_file(path("p.train.csv")), "train 2");
  EXPECT_EQ(test::read_file(path("p.test.csv")), "test 2");
  EXPECT_EQ(names(), (std::vector<std::string>{"p.test.csv", "p.train.csv"}));
  // A set that cannot be written leaves the old set whole.
  EXPECT_THROW(write_files_atomic({{path("p.train.csv"), "train 3"}, {path("none/p.test.csv"), "test 3"}}), Error);
  EXPECT_EQ(test::read_file(path("p.train.csv")), "train 2");
  EXPECT_EQ(test::read_file(path("p.test.csv")), "test 2");
  EXPECT_EQ(names(), (std::vector<std::string>{"p.test.csv", "p.train.csv"}));
}

TEST_F(Output, AnOutputThatIsAnInputIsRefused) {
  put("in.csv", "x");
  ASSERT_EQ(link(path("in.csv").c_str(), path("hard.csv").c_str()), 0);
  ASSERT_EQ(symlink(path("in.csv").c_str(), path("soft.csv").c_str()), 0);
  EXPECT_THROW(check_outputs({path("in.csv")}, {path("in.csv")}), UsageError);
  EXPECT_THROW(check_outputs({path("hard.csv")}, {path("in.csv")}), UsageError);
  EXPECT_THROW(check_outputs({path("soft.csv")}, {path("in.csv")}), UsageError);
  EXPECT_THROW(check_outputs({dir_ + "/./in.csv"}, {path("in.csv")}), UsageError);
  EXPECT_THROW(check_outputs({path("a"), path("a")}, {}), UsageError);
  EXPECT_NO_THROW(check_outputs({path("out.csv")}, {path("in.csv"), path("missing.csv")}));
  EXPECT_THROW(check_outputs({dir_}, {}), Error);                  // a directory
  EXPECT_THROW(check_outputs({path("no/such/dir/m")}, {}), Error);  // a missing folder
}

TEST_F(Output, TheCliRefusesToReplaceItsInputBeforeAnyWork) {
  const std::string data = small_data();
  const std::string before = test::read_file(data);
  auto r = cli("train " + data + " -o " + data);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("the output is the input"), std::string::npos) << r.err;
  EXPECT_EQ(test::read_file(data), before);

  ASSERT_EQ(cli("train " + data + " --quiet --epochs 1 -o " + path("m.ttm")).exit_code, 0);
  const std::string model = test::read_file(path("m.ttm"));
  r = cli("quantize " + path("m.ttm") + " -o " + path("m.ttm"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(test::read_file(path("m.ttm")), model);
  r = cli("quantize " + path("m.ttm") + " --calib " + data + " -o " + data);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(test::read_file(data), before);

  ASSERT_EQ(cli("split " + data + " -o " + path("p")).exit_code, 0);
  const std::string train = test::read_file(path("p.train.csv"));
  r = cli("split " + path("p.train.csv") + " -o " + path("p"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(test::read_file(path("p.train.csv")), train);

  // An unwritable destination is refused before training.
  r = cli("train " + data + " -o " + path("no/such/dir/m.ttm"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("epoch"), std::string::npos) << r.err;
  r = cli("hid-type hello -o " + dir_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is a directory"), std::string::npos) << r.err;
}

TEST_F(Output, ADirectoryGivenAsAnInputIsAClearError) {
  small_data();
  ASSERT_EQ(cli("train " + path("d.csv") + " --quiet --epochs 1 -o " + path("m.ttm")).exit_code, 0);
  for (const std::string& cmd : {"hid " + path("m.ttm") + " " + dir_, "size " + dir_, "eval " + dir_ + " " + path("d.csv"),
                                 "train " + dir_ + " -o " + path("x.ttm")}) {
    const auto r = cli(cmd);
    EXPECT_EQ(r.exit_code, 1) << cmd;
    EXPECT_NE(r.err.find(dir_ + ": is a directory"), std::string::npos) << cmd << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << cmd;
  }
}

TEST_F(Output, LabelsAreBoundedAndHoldNoNul) {
  // A label column unique per row ("id"): refused before anything is sized rows x labels.
  std::string csv = "text,label\n";
  for (int i = 0; i < 5000; ++i) csv += "t,id" + std::to_string(i) + "\n";
  put("ids.csv", csv);
  data::ReaderOptions o;
  try {
    (void)data::read_dataset(path("ids.csv"), o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("5000 distinct labels; a model has at most 4096"), std::string::npos)
        << e.what();
  }
  const char nul_csv[] = "text,label\na,ham\nb,sp\0am\nc,ham\n";
  put("nul.csv", std::string(nul_csv, sizeof nul_csv - 1));
  try {
    (void)data::read_dataset(path("nul.csv"), o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path("nul.csv") + ":3: label 'sp'... holds a NUL byte", 0), 0u) << e.what();
  }
  const char nul_txt[] = "__label__a x\n__label__b\0c y\n";
  put("nul.txt", std::string(nul_txt, sizeof nul_txt - 1));
  o.format = data::Format::kFastText;
  EXPECT_THROW((void)data::read_dataset(path("nul.txt"), o), Error);
}

// The 84-byte float model of issue 13: a header claiming a 65,535 x 4,096 embedding and no
// tensors. Refused before anything is allocated by its shape (in a child with 256 MB of address
// space when no sanitizer needs more).
TEST_F(Output, AModelHeaderCannotMakeTheReaderAllocate) {
  ModelContainer c;
  ModelShape s;
  s.tokenizer = {65535, 1, 0, 0, 0};
  s.dim = 4096;
  s.outputs = 1;
  write_shared_sections(c, s, {"x"}, {0.5f});
  const std::string bytes = write_container(c);
  EXPECT_LT(bytes.size(), 100u);
  const pid_t child = fork();
  if (child == 0) {
#if !defined(__SANITIZE_ADDRESS__)
    rlimit lim{256u << 20, 256u << 20};
    setrlimit(RLIMIT_AS, &lim);
#endif
    try {
      (void)parse_model(bytes, "tiny.ttm");
    } catch (const Error& e) {
      _exit(std::string(e.what()) == "tiny.ttm: missing tensor 'emb'" ? 0 : 3);
    } catch (...) {
      _exit(4);
    }
    _exit(5);
  }
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

}  // namespace
}  // namespace tt
