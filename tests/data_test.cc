// The dataset readers: the shared data files, each format's rules, label detection, every bad
// input (the message must name the file and the right line), write_csv, utf8_invalid_at and the
// CLI's reader options.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/reader_options.h"
#include "common/error.h"
#include "data/dataset.h"
#include "test_util.h"

namespace {

using tt::data::Dataset;
using tt::data::Format;
using tt::data::LabelKind;
using tt::data::read_dataset;
using tt::data::ReaderOptions;

const std::string kShared = TT_SHARED_DIR;

using tt::test::TempDir;

ReaderOptions opts(std::string text = "", std::vector<std::string> labels = {}, bool header = true) {
  ReaderOptions o;
  o.text_column = std::move(text);
  o.label_columns = std::move(labels);
  o.header = header;
  return o;
}

// The tt::Error message of reading `path`, or "" (a test failure) when it reads fine.
std::string error_of(const std::string& path, const ReaderOptions& o = ReaderOptions()) {
  try {
    read_dataset(path, o);
  } catch (const tt::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error reading " << path;
  return "";
}

#define EXPECT_HAS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "in: " << (haystack)

size_t positives(const Dataset& d, size_t output) {
  size_t n = 0;
  for (size_t r = 0; r < d.size(); ++r) n += d.target(r, output);
  return n;
}

// ---------------------------------------------------------------- the shared data files

TEST(DataShared, DavidsonIsThreeClasses) {
  Dataset d = read_dataset(kShared + "/data/davidson-hate-offensive/labeled_data.csv", ReaderOptions());
  ASSERT_EQ(d.size(), 24783u);
  EXPECT_EQ(d.kind, LabelKind::kMultiClass);
  EXPECT_EQ(d.label_names, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(positives(d, 0), 1430u);
  EXPECT_EQ(positives(d, 1), 19190u);
  EXPECT_EQ(positives(d, 2), 4163u);
  EXPECT_EQ(d.texts[0].rfind("!!! RT @mayasolovely: As a woman", 0), 0u);
  EXPECT_EQ(d.lines[0], 2u);
  EXPECT_EQ(d.class_of(0), 2u);
  // 917 tweets hold line breaks, so the last record starts well after line 24784.
  EXPECT_GT(d.lines.back(), 24784u);
  // By position, the same columns.
  Dataset p = read_dataset(kShared + "/data/davidson-hate-offensive/labeled_data.csv", opts("7", {"6"}));
  EXPECT_EQ(p.texts, d.texts);
  EXPECT_EQ(p.targets, d.targets);
}

TEST(DataShared, SmsSpamIsTsvWithoutHeader) {
  Dataset d = read_dataset(kShared + "/data/sms-spam-collection/SMSSpamCollection", opts("", {}, false));
  ASSERT_EQ(d.size(), 5574u);
  EXPECT_EQ(d.kind, LabelKind::kBinary);
  EXPECT_EQ(d.label_names, std::vector<std::string>{"spam"});
  EXPECT_EQ(positives(d, 0), 747u);
  EXPECT_EQ(d.texts[0].rfind("Go until jurong point", 0), 0u);
  EXPECT_EQ(d.lines.back(), 5574u);
}

TEST(DataShared, JigsawCommentsAreBinaryAndFast) {
  const std::string path = kShared + "/data/jigsaw-toxic-partial/text_comment_1.csv";
  double best_ms = 1e9;
  Dataset d;
  for (int i = 0; i < 3; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    d = read_dataset(path, ReaderOptions());
    auto t1 = std::chrono::steady_clock::now();
    best_ms = std::min(best_ms, std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::printf("[ jigsaw  ] read text_comment_1.csv (4 MB, 10,000 rows) in %.1f ms\n", best_ms);
  ASSERT_EQ(d.size(), 10000u);
  EXPECT_EQ(d.kind, LabelKind::kBinary);
  EXPECT_EQ(d.label_names, std::vector<std::string>{"labels"});
  EXPECT_EQ(positives(d, 0), 971u);
  size_t multiline = 0;
  for (const auto& t : d.texts) multiline += t.find('\n') != std::string::npos;
  EXPECT_EQ(multiline, 5937u);
  EXPECT_EQ(d.texts[0].rfind("Explanation\nWhy the edits", 0), 0u);
#if defined(NDEBUG) && !defined(__SANITIZE_ADDRESS__) && !defined(__OPTIMIZE_SIZE__)
  EXPECT_LT(best_ms, 100.0);
#endif
}

TEST(DataShared, JigsawSampleIsMultiLabel) {
  const std::string path = kShared + "/data/jigsaw-toxic-partial/train_sample.csv";
  Dataset d = read_dataset(path, opts("", {"toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"}));
  ASSERT_EQ(d.size(), 300u);
  EXPECT_EQ(d.kind, LabelKind::kMultiLabel);
  // Outputs in the order given.
  ASSERT_EQ(d.label_names, (std::vector<std::string>{"toxic", "severe_toxic", "obscene", "threat", "insult",
                                                     "identity_hate"}));
  EXPECT_EQ(positives(d, 0), 31u);
  EXPECT_EQ(positives(d, 1), 3u);
  EXPECT_EQ(positives(d, 2), 18u);
  EXPECT_EQ(positives(d, 3), 2u);
  EXPECT_EQ(positives(d, 4), 17u);
  EXPECT_EQ(positives(d, 5), 5u);
  Dataset by_position = read_dataset(path, opts("2", {"3", "4", "5", "6", "7", "8"}));
  EXPECT_EQ(by_position.targets, d.targets);
  EXPECT_EQ(by_position.label_names, d.label_names);

  // Rows 1-300 of text_comment_1.csv are the same comments, and `labels` is `toxic`.
  Dataset all = read_dataset(kShared + "/data/jigsaw-toxic-partial/text_comment_1.csv", ReaderOptions());
  for (size_t r = 0; r < d.size(); ++r) {
    ASSERT_EQ(all.texts[r], d.texts[r]) << "row " << r;
    ASSERT_EQ(all.target(r, 0), d.target(r, 0)) << "row " << r;
  }
  // Defaults: comment_text and toxic.
  Dataset toxic = read_dataset(path, ReaderOptions());
  EXPECT_EQ(toxic.label_names, std::vector<std::string>{"toxic"});
  EXPECT_EQ(positives(toxic, 0), 31u);
}

// ---------------------------------------------------------------- formats

TEST(DataCsv, QuotesCommasNewlinesAndDoubledQuotes) {
  TempDir dir;
  std::string p = dir.write("a.csv",
                            "text,label\n"
                            "plain,0\n"
                            "\"with, comma\",1\n"
                            "\"say \"\"hi\"\"\",0\n"
                            "\"two\nlines\",1\n"
                            "\"\",0\n"
                            ",1\n"
                            "last,0");  // no final newline
  Dataset d = read_dataset(p, ReaderOptions());
  ASSERT_EQ(d.size(), 7u);
  EXPECT_EQ(d.texts, (std::vector<std::string>{"plain", "with, comma", "say \"hi\"", "two\nlines", "", "",
                                               "last"}));
  EXPECT_EQ(d.lines, (std::vector<uint32_t>{2, 3, 4, 5, 7, 8, 9}));
  EXPECT_EQ(d.label_names, std::vector<std::string>{"label"});
  EXPECT_EQ(d.targets, (std::vector<uint8_t>{0, 1, 0, 1, 0, 1, 0}));
}

TEST(DataCsv, CrlfBomAndBlankLines) {
  TempDir dir;
  std::string p = dir.write("a.csv", "\xEF\xBB\xBFtext,label\r\n\"a\r\nb\",1\r\n\r\nc,0\r\n\r\n");
  Dataset d = read_dataset(p, ReaderOptions());
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.texts[0], "a\r\nb");  // bytes inside quotes are kept
  EXPECT_EQ(d.texts[1], "c");
  EXPECT_EQ(d.lines, (std::vector<uint32_t>{2, 5}));
}

TEST(DataCsv, ColumnsByNameOrPosition) {
  TempDir dir;
  std::string p = dir.write("a.csv", "id,body,2\n1,hello,x\n2,world,y\n");
  Dataset d = read_dataset(p, opts("body", {"2"}));  // the name "2" wins over position 2
  EXPECT_EQ(d.texts, (std::vector<std::string>{"hello", "world"}));
  EXPECT_EQ(d.label_names, std::vector<std::string>{"y"});  // a tie: the later value is positive
  Dataset q = read_dataset(p, opts("2", {"id"}));
  EXPECT_EQ(q.texts, (std::vector<std::string>{"x", "y"}));  // the column named "2"
  Dataset r = read_dataset(p, opts("1", {"2"}));  // no column is named "1": position 1
  EXPECT_EQ(r.texts, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(r.label_names, std::vector<std::string>{"y"});
  // Header names match ignoring surrounding spaces.
  std::string s = dir.write("s.csv", "text, label\nx,0\ny,1\n");
  EXPECT_EQ(read_dataset(s, opts("", {"label"})).label_names, std::vector<std::string>{"label"});
}

TEST(DataTsv, NoQuotingAndFormatFromName) {
  TempDir dir;
  std::string p = dir.write("a.tsv", "label\ttext\r\nspam\t\"quoted\" stays, as is\r\nham\tb\nham\t\n");
  Dataset d = read_dataset(p, ReaderOptions());
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d.texts, (std::vector<std::string>{"\"quoted\" stays, as is", "b", ""}));
  EXPECT_EQ(d.label_names, std::vector<std::string>{"spam"});
  EXPECT_EQ(d.targets, (std::vector<uint8_t>{1, 0, 0}));
}

TEST(DataFormat, SniffedWithoutAKnownExtension) {
  TempDir dir;
  Dataset tsv = read_dataset(dir.write("data", "a\tb c\nb\td, e\n"), opts("", {}, false));
  EXPECT_EQ(tsv.texts, (std::vector<std::string>{"b c", "d, e"}));
  Dataset ft = read_dataset(dir.write("data2", "__label__x hello, there\n__label__y bye\n"), ReaderOptions());
  EXPECT_EQ(ft.texts, (std::vector<std::string>{"hello, there", "bye"}));
  Dataset csv = read_dataset(dir.write("data3", "text,label\n\"a\tb\",x\nc,y\n"), ReaderOptions());
  EXPECT_EQ(csv.texts, (std::vector<std::string>{"a\tb", "c"}));
  // .txt is TSV unless the first line starts with __label__.
  Dataset txt = read_dataset(dir.write("f.txt", "__label__a x\n__label__b y\n"), ReaderOptions());
  EXPECT_EQ(txt.label_names, std::vector<std::string>{"b"});
  // An explicit format wins over the name.
  ReaderOptions o;
  o.format = Format::kFastText;
  EXPECT_EQ(read_dataset(dir.write("g.csv", "__label__a x,y\n__label__b z\n"), o).texts[0], "x,y");
}

TEST(DataFastText, LabelsAndText) {
  TempDir dir;
  std::string p = dir.write("a.ft",
                            "__label__a __label__b  text with __label__c inside\n"
                            "__label__b\tsecond\r\n"
                            "\n"
                            "   \n"
                            "no labels here\n"
                            "__label__a __label__a\n");
  Dataset d = read_dataset(p, ReaderOptions());
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d.kind, LabelKind::kMultiLabel);
  // A __label__ token is a label wherever it stands, as fastText reads it.
  EXPECT_EQ(d.label_names, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(d.texts, (std::vector<std::string>{"text with inside", "second", "no labels here", ""}));
  EXPECT_EQ(d.targets, (std::vector<uint8_t>{1, 1, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(d.lines, (std::vector<uint32_t>{1, 2, 5, 6}));
}

TEST(DataFastText, OneLabelPerLineIsAClassColumn) {
  TempDir dir;
  Dataset bin = read_dataset(dir.write("b.ft", "__label__0 x\n__label__1 y\n__label__1 z\n"), ReaderOptions());
  EXPECT_EQ(bin.kind, LabelKind::kBinary);
  EXPECT_EQ(bin.label_names, std::vector<std::string>{"1"});
  EXPECT_EQ(bin.targets, (std::vector<uint8_t>{0, 1, 1}));
  Dataset multi = read_dataset(dir.write("m.ft", "__label__b x\n__label__a y\n__label__c z\n"), ReaderOptions());
  EXPECT_EQ(multi.kind, LabelKind::kMultiClass);
  EXPECT_EQ(multi.label_names, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(multi.class_of(0), 1u);
  // Texts only: the labels are still removed from the text.
  ReaderOptions o;
  o.require_labels = false;
  Dataset texts = read_dataset(dir.write("t.ft", "__label__a x\n__label__a y\n"), o);
  EXPECT_EQ(texts.texts, (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(texts.label_names.empty());
}

// ---------------------------------------------------------------- label kinds

TEST(DataLabels, ClassColumnKinds) {
  TempDir dir;
  // 0/1: binary, named after the column, even when 1 is the majority.
  Dataset a = read_dataset(dir.write("a.csv", "text,toxic\na,1\nb,1\nc,0\n"), ReaderOptions());
  EXPECT_EQ(a.kind, LabelKind::kBinary);
  EXPECT_EQ(a.label_names, std::vector<std::string>{"toxic"});
  EXPECT_EQ(a.targets, (std::vector<uint8_t>{1, 1, 0}));
  // Two names: the rarer is positive; values are trimmed.
  Dataset b = read_dataset(dir.write("b.csv", "text,label\na, ham\nb,spam \nc,ham\n"), ReaderOptions());
  EXPECT_EQ(b.label_names, std::vector<std::string>{"spam"});
  EXPECT_EQ(b.targets, (std::vector<uint8_t>{0, 1, 0}));
  // Two integers other than 0/1 follow the same rule.
  Dataset c = read_dataset(dir.write("c.csv", "text,class\na,2\nb,2\nc,4\n"), ReaderOptions());
  EXPECT_EQ(c.label_names, std::vector<std::string>{"4"});
  // Integers sort numerically, names in byte order.
  Dataset d = read_dataset(dir.write("d.csv", "text,class\na,10\nb,9\nc,-1\nd,9\n"), ReaderOptions());
  EXPECT_EQ(d.kind, LabelKind::kMultiClass);
  EXPECT_EQ(d.label_names, (std::vector<std::string>{"-1", "9", "10"}));
  EXPECT_EQ(d.class_of(0), 2u);
  Dataset e = read_dataset(dir.write("e.csv", "text,class\na,b\nb,B\nc,a\n"), ReaderOptions());
  EXPECT_EQ(e.label_names, (std::vector<std::string>{"B", "a", "b"}));
  // Without a header, columns are named by position.
  Dataset f = read_dataset(dir.write("f.csv", "x,0\ny,1\n"), opts("1", {"2"}, false));
  EXPECT_EQ(f.label_names, std::vector<std::string>{"col2"});
  // The default label column is the first one that is not the text.
  Dataset g = read_dataset(dir.write("g.csv", "text,spam\nx,0\ny,1\n"), ReaderOptions());
  EXPECT_EQ(g.label_names, std::vector<std::string>{"spam"});
}

TEST(DataLabels, MultiLabelColumns) {
  TempDir dir;
  Dataset d = read_dataset(dir.write("a.csv", "b,text,a\n0,x,1\n1,y, 0\n"), opts("", {"b", "a"}));
  EXPECT_EQ(d.kind, LabelKind::kMultiLabel);
  EXPECT_EQ(d.label_names, (std::vector<std::string>{"b", "a"}));  // the order given
  EXPECT_EQ(d.targets, (std::vector<uint8_t>{0, 1, 1, 0}));
  EXPECT_THROW(d.class_of(0), std::logic_error);
}

TEST(DataLabels, TextsOnly) {
  TempDir dir;
  ReaderOptions o;
  o.require_labels = false;
  Dataset d = read_dataset(dir.write("a.csv", "text\nx\n\"\"\n"), o);
  EXPECT_EQ(d.texts, (std::vector<std::string>{"x", ""}));
  EXPECT_TRUE(d.targets.empty());
}

// ---------------------------------------------------------------- bad input

TEST(DataErrors, FileProblems) {
  TempDir dir;
  std::string missing = dir.path() + "/missing.csv";
  std::string e = error_of(missing);
  EXPECT_HAS(e, missing);
  EXPECT_HAS(e, "No such file");
  e = error_of(dir.path());
  EXPECT_HAS(e, dir.path());
  EXPECT_HAS(e, "is a directory");
  std::string locked = dir.write("locked.csv", "text,label\na,0\nb,1\n");
  chmod(locked.c_str(), 0);
  if (geteuid() != 0) {  // root reads anything
    e = error_of(locked);
    EXPECT_HAS(e, locked);
    EXPECT_HAS(e, "Permission denied");
  }
  // Opens, but reading fails (EIO: address 0 is not mapped).
  e = error_of("/proc/self/mem");
  EXPECT_HAS(e, "/proc/self/mem: cannot read: Input/output error");
}

TEST(DataErrors, EmptyFiles) {
  TempDir dir;
  for (const char* bytes : {"", "\xEF\xBB\xBF", "\n\r\n\n"}) {
    std::string p = dir.write("empty.csv", bytes);
    std::string e = error_of(p);
    EXPECT_HAS(e, p + ":1: the file is empty");
  }
  std::string header_only = dir.write("h.csv", "text,label\n");
  EXPECT_HAS(error_of(header_only), header_only + ":1: no examples");
  std::string blank_ft = dir.write("b.ft", " \n\t\n");
  EXPECT_HAS(error_of(blank_ft), blank_ft + ":1:");
}

TEST(DataErrors, UnterminatedQuoteNamesTheRecordStart) {
  TempDir dir;
  std::string p = dir.write("q.csv", "text,label\na,0\n\"never\nclosed,1\nc,0\n");
  std::string e = error_of(p);
  EXPECT_HAS(e, p + ":3: unterminated quoted field");
  std::string q = dir.write("q2.csv", "text,label\na,0\nb,\"1\n");
  EXPECT_HAS(error_of(q), q + ":3: unterminated");
}

TEST(DataErrors, WrongColumnCount) {
  TempDir dir;
  std::string p = dir.write("c.csv", "text,label\n\"a\nb\",0\nc,d,1\n");
  std::string e = error_of(p);
  EXPECT_HAS(e, p + ":4: 3 fields, expected 2");
  std::string t = dir.write("c.tsv", "text\tlabel\na\t0\nb\n");
  EXPECT_HAS(error_of(t), t + ":3: 1 field, expected 2");
}

TEST(DataErrors, MissingColumnListsTheColumns) {
  TempDir dir;
  std::string p = dir.write("m.csv", "\n,count,tweet,class\n1,2,x,0\n2,3,y,1\n");
  std::string e = error_of(p, opts("", {"label_x"}));
  EXPECT_HAS(e, p + ":2: no label column named 'label_x'");
  EXPECT_HAS(e, "1 '', 2 'count', 3 'tweet', 4 'class'");
  e = error_of(p, opts("body"));
  EXPECT_HAS(e, p + ":2: no text column named 'body'");
  e = error_of(p, opts("9"));
  EXPECT_HAS(e, p + ":2: the text column 9 is out of range: the file has 4 columns");
  e = error_of(p, opts("tweet", {"tweet"}));
  EXPECT_HAS(e, "both the text column and a label column");
  std::string n = dir.write("n.csv", "x,0\ny,1\n");
  EXPECT_HAS(error_of(n, opts("text", {}, false)), n + ":1: no text column 'text': without a header");
  std::string one = dir.write("one.csv", "text\nx\n");
  EXPECT_HAS(error_of(one), one + ":1: only one column");
  std::string dup = dir.write("dup.csv", "text,a,a\nx,0,1\ny,1,0\n");
  EXPECT_HAS(error_of(dup, opts("", {"a"})), dup + ":1: the label column name 'a' is in columns 2 and 3");
}

TEST(DataErrors, LabelNotZeroOrOne) {
  TempDir dir;
  std::string p = dir.write("l.csv", "text,a,b\nx,0,1\n\"y\ny\",1,0\nz,1,maybe\n");
  std::string e = error_of(p, opts("", {"a", "b"}));
  EXPECT_HAS(e, p + ":5: label 'maybe' in label column 'b' (column 3) is not 0 or 1");
  std::string q = dir.write("e.csv", "text,label\nx,0\ny,\nz,1\n");
  EXPECT_HAS(error_of(q), q + ":3: empty label");
}

TEST(DataErrors, OnlyOneClass) {
  TempDir dir;
  std::string p = dir.write("o.csv", "text,label\nx,0\ny,0\n");
  EXPECT_HAS(error_of(p), p + ":1: label column 'label' (column 2) has only one class");
  std::string n = dir.write("n.tsv", "ham\tx\nham\ty\n");
  EXPECT_HAS(error_of(n, opts("", {}, false)), n + ":1: label column 1 has only one class ('ham')");
  std::string m = dir.write("m.csv", "text,a,b\nx,0,1\ny,1,1\n");
  EXPECT_HAS(error_of(m, opts("", {"a", "b"})), m + ":1: label column 'b' (column 3) has only one class");
  std::string f = dir.write("f.ft", "__label__a x\n__label__a y\n");
  EXPECT_HAS(error_of(f), f + ":1: the fastText label set has only one class");
  std::string g = dir.write("g.ft", "__label__a __label__b x\n__label__a y\n");
  EXPECT_HAS(error_of(g), g + ":1: label 'a' is on every line");
  std::string h = dir.write("h.ft", "x\ny\n");
  EXPECT_HAS(error_of(h), h + ":1: no labels");
}

TEST(DataErrors, InvalidUtf8NamesLineAndOffset) {
  TempDir dir;
  std::string p = dir.write("u.csv", "text,label\nok,0\n\"caf\xE9\",1\n");
  std::string e = error_of(p);
  EXPECT_HAS(e, p + ":3: invalid UTF-8 at byte offset 20 (byte 0xE9)");
  std::string b = dir.write("b.tsv", "\xEF\xBB\xBFtext\tlabel\nx\t\xC0\x80\n");
  EXPECT_HAS(error_of(b), b + ":2: invalid UTF-8 at byte offset 16");
}

// The reader takes the file in chunks of 8 MiB (data/table.h, kChunkBytes): records, CRLF line
// ends and UTF-8 characters that cross a chunk's end read as in one piece, and errors beyond the
// first chunk name the right line and byte offset.
constexpr size_t kChunk = size_t{8} << 20;

// A CSV file whose chunk boundaries fall inside a doubled quote of a quoted field with a line
// break, between the CR and LF of a record's end, inside a 4-byte character and at a record start.
struct ChunkedCsv {
  std::string bytes = "text,label\r\n";
  std::vector<std::string> texts;
  std::vector<uint32_t> lines;
  uint32_t line = 2;
  void add(const std::string& text, const std::string& field) {
    texts.push_back(text);
    lines.push_back(line);
    bytes += field + "," + std::to_string(texts.size() % 2) + "\r\n";
    line += 1 + static_cast<uint32_t>(std::count(field.begin(), field.end(), '\n'));
  }
  // Plain rows until the file is `size` bytes long.
  void fill(size_t size) {
    while (bytes.size() < size) {
      const size_t gap = size - bytes.size();
      const size_t n = gap > 2000 ? 1000 : gap - 4;  // a row is its text and ",L\r\n"
      add(std::string(n, 'x'), std::string(n, 'x'));
    }
    ASSERT_EQ(bytes.size(), size);
  }
};

TEST(DataChunks, RecordsAcrossChunkBoundaries) {
  ChunkedCsv c;
  c.fill(kChunk - 4);
  c.add("ab\"\ncd\"e", "\"ab\"\"\ncd\"\"e\"");  // the boundary between the quotes of the first ""
  c.fill(2 * kChunk - 5);
  c.add("crlf", "crlf");  // "crlf,L\r|\n"
  c.fill(3 * kChunk - 2);
  c.add("\xF0\x9F\x98\x80 face", "\xF0\x9F\x98\x80 face");  // the emoji split 2 + 2
  c.fill(4 * kChunk);
  c.add("at a record start", "at a record start");
  TempDir dir;
  const std::string p = dir.write("c.csv", c.bytes);
  Dataset d = read_dataset(p, ReaderOptions());
  ASSERT_EQ(d.size(), c.texts.size());
  EXPECT_TRUE(d.texts == c.texts);
  EXPECT_EQ(d.lines, c.lines);
  for (size_t r = 0; r < d.size(); ++r) ASSERT_EQ(d.targets[r], (r + 1) % 2) << r;

  // A bad byte in the third chunk: its line and offset in the whole file.
  std::string bad = c.bytes;
  const size_t at = 2 * kChunk + 100;
  bad[at] = '\xFF';
  const std::string b = dir.write("b.csv", bad);
  const uint32_t line = 1 + static_cast<uint32_t>(std::count(bad.begin(), bad.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
  EXPECT_HAS(error_of(b), b + ":" + std::to_string(line) + ": invalid UTF-8 at byte offset " + std::to_string(at) +
                              " (byte 0xFF)");
  // An unterminated quote in the last chunk names its record's line.
  const std::string u = dir.write("u.csv", c.bytes + "\"open,1\n");
  EXPECT_HAS(error_of(u), u + ":" + std::to_string(c.line) + ": unterminated quoted field");
}

TEST(DataChunks, FastTextAndTsvLinesAcrossChunkBoundaries) {
  for (const char* ext : {"ft", "tsv"}) {
    const bool ft = std::string(ext) == "ft";
    std::string bytes = ft ? "" : "text\tlabel\n";
    std::vector<std::string> texts;
    auto add = [&](const std::string& text) {
      const std::string label = std::to_string(texts.size() % 2);
      bytes += ft ? "__label__" + label + " " + text + "\n" : text + "\t" + label + "\n";
      texts.push_back(text);
    };
    while (bytes.size() < kChunk - 3000) add(std::string(1000, 'y'));
    // The 4-byte character straddles the boundary, then a blank line.
    const size_t prefix = ft ? 12 : 0;  // "__label__L " and the text's first byte
    add(std::string(kChunk - 2 - bytes.size() - prefix - (ft ? 0 : 1), 'z') + "\xF0\x9F\x98\x80");
    bytes += "\n";
    add("last");
    TempDir dir;
    const std::string p = dir.write(std::string("f.") + ext, bytes);
    Dataset d = read_dataset(p, ReaderOptions());
    ASSERT_EQ(d.size(), texts.size()) << ext;
    EXPECT_TRUE(d.texts == texts) << ext;
    EXPECT_EQ(d.lines.back(), (ft ? 1u : 2u) + texts.size()) << ext;  // after the blank line
  }
}

// Every text of d, through the accessor (held or spooled).
std::vector<std::string> texts_of(const Dataset& d) {
  std::vector<std::string> out;
  std::string buf;
  for (size_t i = 0; i < d.size(); ++i) out.push_back(d.text(i, buf));
  std::vector<std::string> seq;
  d.for_each_text(0, d.size(), [&](size_t i, std::string_view t) {
    EXPECT_EQ(i, seq.size());
    seq.emplace_back(t);
  });
  EXPECT_TRUE(seq == out);
  return out;
}

// A dataset's rows, held, spooled or streamed: texts, targets, lines.
struct RowsOf {
  std::vector<std::string> texts;
  std::vector<uint8_t> targets;
  std::vector<uint32_t> lines;
};
RowsOf rows_of(const Dataset& d) {
  if (!d.streamed()) return {texts_of(d), d.targets, d.lines};
  RowsOf r;
  d.for_each_row([&](size_t i, uint32_t line, const uint8_t* y, std::string_view text) {
    EXPECT_EQ(i, r.texts.size());
    r.texts.emplace_back(text);
    r.targets.insert(r.targets.end(), y, y + d.outputs());
    r.lines.push_back(line);
  });
  EXPECT_EQ(r.texts.size(), d.size());
  return r;
}

// Texts spooled to a temporary file (ReaderOptions::text_memory) read back as held ones, with the
// same targets, lines and summary: spooled from the first record (a named text column, --text,
// fastText), from the middle of the file, or after reading (the column chosen by the rule). Where
// the header decides the columns, or a first pass over a file larger than the budget does (r.csv,
// k.csv, b.csv: the content rules), the rows are streamed (Dataset::records): the
// same rows and summary (rows, left out, empty texts, duplicates, conflicts, label counts,
// warnings), and the label rules' decisions from the values' counts.
TEST(DataSpool, SpooledTextsReadAsHeld) {
  ChunkedCsv c;
  c.fill(2 * kChunk + 1000);
  struct Case {
    const char* name;
    std::string bytes;
    ReaderOptions o;
    bool streams;
  };
  ReaderOptions skip, pos, rule, multi, skip_multi, nohead;
  skip.skip_missing = true;
  pos.header = false;
  pos.text_column = "2";
  multi.label_columns = {"a", "b"};
  skip_multi = multi;
  skip_multi.skip_missing = true;
  nohead.header = false;
  nohead.text_column = "1";
  const std::string dups = "text,label\na,0\nb,1\na,0\nb,0\na,1\nb,1\nc,0\n,1\n,1\n";
  std::vector<Case> cases = {
      {"d.csv", "text,label\na,0\nbb,1\na,0\n,1\nccc,1\n\"q\nx\",0\n", ReaderOptions(), true},
      {"s.csv", "message,label\na,0\nbb,\nccc,1\ndd,1\n,0\n", skip, true},
      {"n.csv", "1,one\n0,two\n1,three\n", pos, true},
      {"r.csv", "a,b,c\n0,first text,\n1,second text,\n0,third,x\n", rule, true},
      {"k.csv", "v1,v2,,,\nham,hello there,,,\nspam,win a prize,,,\nham,ok then, bye,,\nham,fine,,,\n", rule, true},
      {"b.csv", "id,body,x,y\n7,one,1,0\n8,two,0,1\n9,three,1,1\n", rule, true},
      {"f.ft", "__label__a one two\nno label here\n__label__b three\n__label__a __label__b four\n", skip, true},
      {"g.ft", "__label__x one\n__label__y two two\n__label__x one\n__label__z three\n", ReaderOptions(), true},
      {"t.tsv", "text\tlabel\nx y\t1\nz\t0\n", ReaderOptions(), true},
      {"c.csv", c.bytes, ReaderOptions(), true},
      {"dup.csv", dups, ReaderOptions(), true},
      {"m.csv", "text,a,b,,\nx,1,0,,\ny,0,1,,\nx,1,0,,z\nw,no,yes,,\n", multi, true},
      {"sm.csv", "text,a,b\n,1,\ny,0,1\nz,1,0\n, ,1\nr,0,0\n", skip_multi, true},
      {"cls.csv", "text,label\nx,cat\ny,dog\nz,bird\nw,cat\nv,dog\n", ReaderOptions(), true},
      {"nh.csv", "some words,spam\nmore words,ham\nother,ham\nlast,ham\n", nohead, true},
  };
  TempDir dir;
  for (const Case& k : cases) {
    const std::string p = dir.write(k.name, k.bytes);
    const Dataset held = read_dataset(p, k.o);
    ASSERT_FALSE(held.spool);
    ASSERT_FALSE(held.streamed());
    for (uint64_t memory : {uint64_t{0}, uint64_t{3}, uint64_t{kChunk}}) {
      ReaderOptions o = k.o;
      o.text_memory = memory;
      const Dataset d = read_dataset(p, o);
      const bool beyond = held.text_bytes() > memory;
      EXPECT_EQ(d.streamed(), beyond && k.streams) << k.name << " " << memory;
      EXPECT_EQ(static_cast<bool>(d.spool), beyond && !k.streams) << k.name << " " << memory;
      EXPECT_TRUE(d.spool == nullptr || d.texts.empty()) << k.name;
      const RowsOf r = rows_of(d);
      EXPECT_TRUE(r.texts == held.texts) << k.name << " " << memory;
      EXPECT_EQ(d.text_bytes(), held.text_bytes()) << k.name;
      EXPECT_EQ(r.targets, held.targets) << k.name;
      EXPECT_EQ(r.lines, held.lines) << k.name;
      EXPECT_EQ(d.label_names, held.label_names) << k.name;
      EXPECT_EQ(d.kind, held.kind) << k.name;
      EXPECT_EQ(tt::data::summary_json(d.summary), tt::data::summary_json(held.summary)) << k.name;
    }
  }
}

// Streamed rows (text_memory 0, the columns known from the header): bad input gets the held
// path's error, naming the file and the line.
TEST(DataSpool, StreamedErrorsAsHeld) {
  ReaderOptions multi, cls;
  multi.label_columns = {"a", "b"};
  cls.classes = {"x", "y"};
  const std::vector<std::pair<std::string, ReaderOptions>> cases = {
      {"text,label\na,0\nb,\nc,1\n", ReaderOptions()},                // an empty label
      {"text,a,b\nx,1,0\ny,0,2\nz,1,1\n", multi},                      // not 0/1
      {"text,label\na,1\nb,1\n", ReaderOptions()},                      // one class
      {"text,label\na,x\nb,z\n", cls},                                  // not a model class
      {"text,label\n ,0\n ,1\nx,1\n", ReaderOptions()},                // mostly empty texts
      {"__label__a x\nno label\n__label__b y\n", ReaderOptions()},      // a line without a label
      {"__label__a x\n__label__a y\n", ReaderOptions()},                 // one class
      {"text,label\n", ReaderOptions()},                                   // no rows
      {"a,b\n", ReaderOptions()},  // no rows, the columns by content (a first pass; found by data_fuzz)
  };
  TempDir dir;
  int i = 0;
  for (const auto& [bytes, o0] : cases) {
    const std::string p = dir.write("e" + std::to_string(i++) + (bytes[0] == '_' ? ".ft" : ".csv"), bytes);
    const std::string held = error_of(p, o0);
    ASSERT_FALSE(held.empty()) << bytes;
    ReaderOptions o = o0;
    o.text_memory = 0;
    EXPECT_EQ(error_of(p, o), held) << bytes;
  }
}

TEST(DataSummaryCounts, DuplicatesAndConflictsAgainstTheFirstRowOfATextExactly) {
  TempDir dir;
  // b's second row conflicts with its first, its third repeats the first (not the second).
  const std::string p = dir.write("d.csv", "text,label\na,0\nb,1\na,0\nb,0\na,1\nb,1\nc,0\n,1\n,1\n");
  const Dataset d = read_dataset(p, ReaderOptions());
  EXPECT_EQ(d.summary.duplicates, 3u);  // a, b, and the empty text
  EXPECT_EQ(d.summary.conflicts, 2u);   // b,0 and a,1
}

TEST(DataErrors, StrayQuotes) {
  TempDir dir;
  std::string p = dir.write("s.csv", "text,label\nok,0\nsay \"hi\",1\n");
  EXPECT_HAS(error_of(p), p + ":3: a quote inside an unquoted field");
  std::string q = dir.write("t.csv", "text,label\n\"a\nb\"c,1\n");
  EXPECT_HAS(error_of(q), q + ":3: unexpected character after a closing quote");
  std::string r = dir.write("r.csv", "text,label\n\"a\"\r,1\n");
  EXPECT_HAS(error_of(r), r + ":2: unexpected character after a closing quote");
}

TEST(DataErrors, FastTextEmptyLabelName) {
  TempDir dir;
  std::string p = dir.write("e.ft", "__label__a x\n__label__ y\n");
  EXPECT_HAS(error_of(p), p + ":2: a label with no name");
  std::string q = dir.write("ok.ft", "__label__a x\n__label__b y\n");
  EXPECT_HAS(error_of(q, opts("1")), q + ": a fastText file has no columns");
}

// Inputs once found to misbehave (by the fuzz target or by review) stay here.
TEST(DataErrors, Regressions) {
  TempDir dir;
  for (const char* bytes : {"\"", "\"\"\"", ",", "\r", "\r\n\"", "a,\"", "__label__", "\t", "\xEF\xBB", "\xF4\x90"}) {
    for (Format f : {Format::kCsv, Format::kTsv, Format::kFastText}) {
      ReaderOptions o;
      o.format = f;
      std::string p = dir.write("r", bytes);
      try {
        read_dataset(p, o);
      } catch (const tt::Error&) {
      }
    }
  }
}

// Found by data_fuzz: fastText with one label name that is not on every line is multi-label with
// one output; written by write_csv it reads back as binary with the same targets.
TEST(DataErrors, RegressionSingleFastTextLabelRoundTrip) {
  TempDir dir;
  std::string p = dir.write("f", "__label__a __label_x\na,b,text\n0,1,x\n_label__a1w\n");
  // Lines without a label beside lines with one each: refused (they would make it multi-label).
  EXPECT_HAS(error_of(p), "f:2: this line has no __label__");
  Dataset d;
  d.kind = LabelKind::kMultiLabel;
  d.label_names = {"a"};
  d.texts = {"__label_x", "a,b,text", "0,1,x", "_label__a1w"};
  d.targets = {1, 0, 0, 0};
  d.lines = {1, 2, 3, 4};
  tt::data::write_csv(dir.path() + "/out.csv", d, {0, 1, 2, 3});
  Dataset back = read_dataset(dir.path() + "/out.csv", ReaderOptions());
  EXPECT_EQ(back.kind, LabelKind::kBinary);
  EXPECT_EQ(back.label_names, d.label_names);
  EXPECT_EQ(back.texts, d.texts);
  EXPECT_EQ(back.targets, d.targets);
}

// Found by data_fuzz: a multi-label file whose labels are named "1" and "b". Written out, its
// header is text,1,b, where "1" names the second column (a name wins over a position).
TEST(DataErrors, RegressionNumericLabelNames) {
  TempDir dir;
  std::string p = dir.write("f", "__label__1 __label__b x y\n__la__e__ a w\n");
  Dataset d = read_dataset(p, ReaderOptions());
  EXPECT_EQ(d.kind, LabelKind::kMultiLabel);
  EXPECT_EQ(d.label_names, (std::vector<std::string>{"1", "b"}));
  std::string out = dir.path() + "/out.csv";
  tt::data::write_csv(out, d, {0, 1});
  EXPECT_HAS(error_of(out, opts("1", {"2", "3"})), out + ":1: '1' (column 2) is both the text column");
  Dataset back = read_dataset(out, opts("text", {"1", "b"}));
  EXPECT_EQ(back.label_names, d.label_names);
  EXPECT_EQ(back.targets, d.targets);
  EXPECT_EQ(back.texts, d.texts);
}

// Random bytes from a small alphabet in every format: only tt::Error may come out.
TEST(DataErrors, RandomInputNeverCrashes) {
  TempDir dir;
  const std::string alphabet = "a,\"\t\n\r 01_label\xC3\xA9\xFF";
  const std::string path = dir.path() + "/fuzz";
  std::mt19937 rng(1234);
  for (int i = 0; i < 3000; ++i) {
    std::string bytes(rng() % 40, ' ');
    for (char& c : bytes) c = alphabet[rng() % alphabet.size()];
    if (i % 3 == 0) bytes = "text,label\n" + bytes;
    if (i % 5 == 0) bytes = "__label__" + bytes;
    std::ofstream(path, std::ios::binary) << bytes;
    for (Format f : {Format::kCsv, Format::kTsv, Format::kFastText}) {
      for (bool header : {true, false}) {
        ReaderOptions o;
        o.format = f;
        o.header = header;
        try {
          Dataset d = read_dataset(path, o);
          ASSERT_EQ(d.targets.size(), d.size() * d.outputs());
          ASSERT_EQ(d.lines.size(), d.size());
        } catch (const tt::Error& e) {
          ASSERT_EQ(std::string(e.what()).rfind(path, 0), 0u) << e.what();
        }
      }
    }
  }
}

// ---------------------------------------------------------------- write_csv

Dataset make(LabelKind kind, std::vector<std::string> names, std::vector<std::string> texts,
             std::vector<uint8_t> targets) {
  Dataset d;
  d.kind = kind;
  d.label_names = std::move(names);
  d.texts = std::move(texts);
  d.targets = std::move(targets);
  d.lines.assign(d.texts.size(), 0);
  return d;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

size_t temp_files_in(const std::string& dir) {
  std::string cmd = "ls -a '" + dir + "' | grep -c '\\.tmp\\.'";
  std::FILE* p = popen(cmd.c_str(), "r");
  int n = 0;
  if (p) {
    if (std::fscanf(p, "%d", &n) != 1) n = -1;
    pclose(p);
  }
  return static_cast<size_t>(n);
}

TEST(DataWrite, BinaryRoundTrip) {
  TempDir dir;
  Dataset d = make(LabelKind::kBinary, {"spam"}, {"buy, \"now\"", "hi", "two\nlines\r\n", "", "caf\xC3\xA9"},
                   {1, 0, 0, 1, 0});
  std::string p = dir.path() + "/out.csv";
  tt::data::write_csv(p, d, {2, 0, 1, 3, 4});
  EXPECT_EQ(slurp(p), "text,spam\n\"two\nlines\r\n\",0\n\"buy, \"\"now\"\"\",1\nhi,0\n,1\ncaf\xC3\xA9,0\n");
  Dataset back = read_dataset(p, ReaderOptions());
  EXPECT_EQ(back.kind, LabelKind::kBinary);
  EXPECT_EQ(back.label_names, d.label_names);
  EXPECT_EQ(back.texts, (std::vector<std::string>{d.texts[2], d.texts[0], d.texts[1], d.texts[3], d.texts[4]}));
  EXPECT_EQ(back.targets, (std::vector<uint8_t>{0, 1, 0, 1, 0}));
  EXPECT_EQ(temp_files_in(dir.path()), 0u);
}

TEST(DataWrite, MultiClassAndMultiLabelRoundTrip) {
  TempDir dir;
  Dataset mc = make(LabelKind::kMultiClass, {"-1", "9", "10"}, {"a", "b", "c", "d"},
                    {0, 0, 1, /**/ 1, 0, 0, /**/ 0, 1, 0, /**/ 0, 0, 1});
  std::string p = dir.path() + "/mc.csv";
  tt::data::write_csv(p, mc, {0, 1, 2, 3});
  EXPECT_EQ(slurp(p), "text,label\na,10\nb,-1\nc,9\nd,10\n");
  Dataset back = read_dataset(p, ReaderOptions());
  EXPECT_EQ(back.kind, LabelKind::kMultiClass);
  EXPECT_EQ(back.label_names, mc.label_names);
  EXPECT_EQ(back.targets, mc.targets);

  Dataset ml = make(LabelKind::kMultiLabel, {"a,b", "c"}, {"x", "y"}, {1, 0, 0, 1});
  std::string q = dir.path() + "/ml.csv";
  tt::data::write_csv(q, ml, {0, 1});
  EXPECT_EQ(slurp(q), "text,\"a,b\",c\nx,1,0\ny,0,1\n");
  Dataset mlb = read_dataset(q, opts("", {"2", "3"}));
  EXPECT_EQ(mlb.label_names, ml.label_names);
  EXPECT_EQ(mlb.targets, ml.targets);
}

TEST(DataWrite, FailureLeavesNoFile) {
  TempDir dir;
  Dataset d = make(LabelKind::kBinary, {"x"}, {"a", "b"}, {0, 1});
  std::string nowhere = dir.path() + "/no/such/dir/out.csv";
  try {
    tt::data::write_csv(nowhere, d, {0, 1});
    ADD_FAILURE() << "no error";
  } catch (const tt::Error& e) {
    EXPECT_HAS(e.what(), nowhere);
  }
  // Renaming onto a non-empty directory fails after the temp file is written: it must be removed.
  std::string target = dir.path() + "/busy";
  mkdir(target.c_str(), 0755);
  dir.write("busy/keep", "x");
  EXPECT_THROW(tt::data::write_csv(target, d, {0}), tt::Error);
  EXPECT_EQ(temp_files_in(dir.path()), 0u);
  EXPECT_THROW(tt::data::write_csv(dir.path() + "/r.csv", d, {2}), std::out_of_range);
  EXPECT_EQ(temp_files_in(dir.path()), 0u);
}

// ---------------------------------------------------------------- utf8_invalid_at

TEST(DataUtf8, Validation) {
  auto at = [](const std::string& s) { return tt::data::utf8_invalid_at(s.data(), s.size()); };
  EXPECT_EQ(at(""), 0u);
  EXPECT_EQ(at("plain ascii text, long enough for the word loop"), 47u);
  EXPECT_EQ(at("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF"), 13u);  // é € 😀 U+10FFFF
  EXPECT_EQ(at("\xEF\xBB\xBF"), 3u);                                           // U+FEFF is valid
  EXPECT_EQ(at("abc\x80"), 3u);                                               // a lone continuation
  EXPECT_EQ(at("ab\xC0\x80"), 2u);                                            // overlong NUL
  EXPECT_EQ(at("\xC1\xBF"), 0u);                                              // overlong
  EXPECT_EQ(at("x\xE0\x80\x80"), 1u);                                         // overlong 3-byte
  EXPECT_EQ(at("\xF0\x80\x80\x80"), 0u);                                      // overlong 4-byte
  EXPECT_EQ(at("\xED\xA0\x80"), 0u);                                          // a surrogate
  EXPECT_EQ(at("\xED\x9F\xBF"), 3u);                                          // U+D7FF is fine
  EXPECT_EQ(at("\xF4\x90\x80\x80"), 0u);                                      // > U+10FFFF
  EXPECT_EQ(at("\xF5\x80\x80\x80"), 0u);
  EXPECT_EQ(at("12345678\xE2\x82"), 8u);                                      // truncated at the end
  EXPECT_EQ(at("\xE2\x28\xA1"), 0u);                                          // a bad continuation
  EXPECT_EQ(at("\xF0\x9F\x98\x28"), 0u);
  EXPECT_EQ(at(std::string("a\0b", 3)), 3u);
}

// ---------------------------------------------------------------- the CLI's reader options

tt::data::ReaderOptions parse(std::vector<std::string> argv_strings) {
  std::vector<tt::cli::Option> options;
  tt::cli::add_reader_options(options);
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  tt::cli::Args args("train", "FILE", options, static_cast<int>(argv.size()), argv.data(), 0);
  return tt::cli::reader_options(args);
}

TEST(DataReaderOptions, Parse) {
  ReaderOptions d = parse({});
  EXPECT_EQ(d.format, Format::kAuto);
  EXPECT_TRUE(d.text_column.empty());
  EXPECT_TRUE(d.label_columns.empty());
  EXPECT_TRUE(d.header);
  ReaderOptions o = parse({"--format", "tsv", "--text=tweet", "--label", "a,3,b", "--no-header"});
  EXPECT_EQ(o.format, Format::kTsv);
  EXPECT_EQ(o.text_column, "tweet");
  EXPECT_EQ(o.label_columns, (std::vector<std::string>{"a", "3", "b"}));
  EXPECT_FALSE(o.header);
  EXPECT_EQ(parse({"--format=fasttext"}).format, Format::kFastText);
  EXPECT_EQ(parse({"--format=csv"}).format, Format::kCsv);
  EXPECT_EQ(parse({"--text", "auto"}).text_column, "auto");  // explicit values are verbatim
  EXPECT_THROW(parse({"--format", "xls"}), tt::UsageError);
  EXPECT_THROW(parse({"--label", "a,,b"}), tt::UsageError);
  EXPECT_THROW(parse({"--label", ""}), tt::UsageError);
  EXPECT_THROW(parse({"--text="}), tt::UsageError);
}

TEST(DataReaderOptions, HelpShowsDefaults) {
  std::vector<tt::cli::Option> options;
  tt::cli::add_reader_options(options);
  char* none[] = {nullptr};
  std::string help = tt::cli::Args("train", "FILE", options, 0, none, 0).usage();
  EXPECT_HAS(help, "--format FMT");
  EXPECT_HAS(help, "--text COL");
  EXPECT_HAS(help, "--label COL[,COL...]");
  EXPECT_HAS(help, "--no-header");
  EXPECT_HAS(help, "[default: auto]");
}

}  // namespace
