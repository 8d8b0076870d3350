// libFuzzer target for the dataset readers (built by tests/data.cmake with clang's
// -fsanitize=fuzzer,address,undefined). The first input byte picks the reader options, the rest is
// the file. Any read must either throw tt::Error naming the file, or give a consistent Dataset that
// write_csv writes and read_dataset reads back unchanged. Any crash found becomes a regression test
// in tests/data_test.cc (DataErrors.Regressions).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/error.h"
#include "data/dataset.h"

namespace {

using tt::data::Dataset;
using tt::data::Format;
using tt::data::ReaderOptions;

struct Paths {
  std::string in, out;
  Paths() {
    char tmpl[] = "/tmp/tt_data_fuzz_XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) std::abort();
    close(fd);
    in = tmpl;
    out = in + ".csv";
  }
  ~Paths() {
    std::remove(in.c_str());
    std::remove(out.c_str());
  }
};

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "data_fuzz: %s\n", what);
    std::abort();
  }
}

ReaderOptions options_from(uint8_t b) {
  ReaderOptions o;
  static const Format kFormats[] = {Format::kAuto, Format::kCsv, Format::kTsv, Format::kFastText};
  o.format = kFormats[b & 3];
  o.header = (b & 4) == 0;
  switch ((b >> 3) & 7) {
    case 0: break;
    case 1: o.label_columns = {"1"}; break;
    case 2: o.label_columns = {"2"}; break;
    case 3: o.label_columns = {"1", "2"}; break;
    case 4: o.text_column = "1"; o.label_columns = {"2", "3"}; break;
    case 5: o.text_column = "text"; o.label_columns = {"label"}; break;
    case 6: o.text_column = "2"; break;
    case 7: o.require_labels = false; break;
  }
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Paths paths;
  if (size == 0) return 0;
  const ReaderOptions o = options_from(data[0]);
  std::FILE* f = std::fopen(paths.in.c_str(), "wb");
  if (!f) std::abort();
  if (size > 1) std::fwrite(data + 1, 1, size - 1, f);
  std::fclose(f);

  // The streamed reading (train's, beyond ReaderOptions::text_memory) of the same bytes: the same
  // error, or the same rows and summary.
  ReaderOptions so = o;
  so.text_memory = 0;
  std::string streamed_error;
  Dataset s;
  try {
    s = tt::data::read_dataset(paths.in, so);
  } catch (const tt::Error& e) {
    streamed_error = e.what();
  }
  Dataset d;
  try {
    d = tt::data::read_dataset(paths.in, o);
  } catch (const tt::Error& e) {
    check(std::string(e.what()).rfind(paths.in, 0) == 0, "an error message that does not name the file");
    check(streamed_error == e.what(), "streamed reading: another error");
    return 0;
  }
  check(streamed_error.empty(), "streamed reading: an error where the held reading has none");
  check(tt::data::summary_json(s.summary) == tt::data::summary_json(d.summary), "streamed reading: another summary");
  check(s.label_names == d.label_names && s.kind == d.kind && s.size() == d.size(), "streamed reading: other labels");
  if (s.streamed()) {
    std::vector<std::string> texts;
    std::vector<uint8_t> targets;
    std::vector<uint32_t> lines;
    s.for_each_row([&](size_t, uint32_t line, const uint8_t* y, std::string_view text) {
      texts.emplace_back(text);
      targets.insert(targets.end(), y, y + s.outputs());
      lines.push_back(line);
    });
    check(texts == d.texts && targets == d.targets && lines == d.lines, "streamed reading: other rows");
  }
  check(d.size() > 0, "an empty dataset");
  check(d.lines.size() == d.size(), "lines.size() != size()");
  check(d.targets.size() == d.size() * d.outputs(), "targets.size() != size() * outputs()");
  for (const auto& t : d.texts) check(tt::data::utf8_invalid_at(t.data(), t.size()) == t.size(), "bad UTF-8");
  if (!o.require_labels) return 0;

  // write_csv, then read it back: the same texts, kind, names and targets.
  std::vector<size_t> rows(d.size());
  for (size_t r = 0; r < rows.size(); ++r) rows[r] = r;
  tt::data::write_csv(paths.out, d, rows);
  // Multi-label: name the columns (a name wins over a position, so positions could pick a label
  // column named "1"); a label named "text" would make the text column ambiguous.
  ReaderOptions back_options;
  if (d.kind == tt::data::LabelKind::kMultiLabel && d.outputs() > 1) {
    for (const auto& name : d.label_names)
      if (name == "text") return 0;
    back_options.text_column = "text";
    back_options.label_columns = d.label_names;
  }
  Dataset back;
  try {
    back = tt::data::read_dataset(paths.out, back_options);
  } catch (const tt::Error& e) {
    std::fprintf(stderr, "data_fuzz: write_csv's output does not read back: %s\n", e.what());
    std::abort();
  }
  check(back.texts == d.texts, "round trip: texts differ");
  // One 0/1 column is binary, so a multi-label set with one output (fastText: one label, not on
  // every line) reads back as binary.
  const bool one_label = d.kind == tt::data::LabelKind::kMultiLabel && d.outputs() == 1;
  check(back.kind == (one_label ? tt::data::LabelKind::kBinary : d.kind), "round trip: kind differs");
  check(back.label_names == d.label_names, "round trip: label names differ");
  check(back.targets == d.targets, "round trip: targets differ");
  return 0;
}
