// tinytext split DATA --test 0.2 --seed 1 -o PREFIX: a deterministic, stratified train/test split
// written as PREFIX.train.csv and PREFIX.test.csv.
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/reader_options.h"
#include "common/error.h"
#include "common/file.h"
#include "common/json.h"
#include "data/dataset.h"
#include "eval/split.h"

namespace tt::cli {

int cmd_split(int argc, char** argv) {
  std::vector<Option> options = {
      {"test", "FRACTION", "the fraction of rows in the test file, in (0, 1)", "0.2"},
      {"seed", "N", "seed of the shuffle (splitmix64 + Fisher-Yates: the same on every platform)", "1"},
      {"output", "PREFIX", "write PREFIX.train.csv and PREFIX.test.csv", ""},
      flag("json", "print a JSON summary on stdout: the files, their rows, the data summary"),
  };
  add_reader_options(options);
  Args args("split", "DATA -o PREFIX [options]", options, argc, argv, 2);
  if (args.show_help(R"(Rows are shuffled with the seed and split per label value (stratified: each class, or
each combination of labels for multi-label data, keeps its share in both files); the test
file gets round(rows x FRACTION) rows. Both files are CSV with a header (see write_csv):
text, then one 0/1 column per label, or a 'label' column of class names for multi-class
data. Rows appear in shuffled order. The two files are written atomically as a pair: the test
file is removed first and written last, so an interrupted split never leaves a new train
file beside an old test file.
)"))
    return 0;
  const auto& pos = args.positional();
  if (pos.size() != 1) throw UsageError("split: expected one DATA file, got " + std::to_string(pos.size()) +
                                        " argument(s) (see --help)");
  if (!args.has("output") || args.get("output").empty())
    throw UsageError("split: -o PREFIX is required (writes PREFIX.train.csv and PREFIX.test.csv)");
  const double test = args.get_double("test", 0.0, 1.0);
  if (!(test > 0.0 && test < 1.0)) throw UsageError("split: --test must be a fraction strictly between 0 and 1");
  const uint64_t seed = static_cast<uint64_t>(args.get_int("seed", 0, INT64_MAX));
  const std::string prefix = args.get("output");
  const std::string train_path = prefix + ".train.csv", test_path = prefix + ".test.csv";
  check_outputs({train_path, test_path}, {pos[0]});

  data::ReaderOptions ro = reader_options(args);
  ro.require_labels = true;
  const data::Dataset d = data::read_dataset(pos[0], ro);
  print_summary(d.summary, false);
  if (d.size() < 2) throw Error(at(d.path, 0, "needs at least 2 rows to split, has " + std::to_string(d.size())));

  std::vector<std::string> strata(d.size());
  for (size_t i = 0; i < d.size(); ++i) {
    std::string& key = strata[i];
    key.resize(d.outputs());
    for (size_t j = 0; j < d.outputs(); ++j) key[j] = d.target(i, j) ? '1' : '0';
  }
  const eval::Split s = eval::stratified_split(strata, test, seed);
  // A pair (common/file.h): the test file is the seal, so a test file always has its own train file.
  write_files_atomic({{train_path, data::format_csv(d, s.train)}, {test_path, data::format_csv(d, s.test)}});
  std::cerr << "split: " << d.size() << " rows of " << d.path << " -> " << s.train.size() << " in " << prefix
            << ".train.csv, " << s.test.size() << " in " << prefix << ".test.csv (seed " << seed << ")\n";
  if (args.has("json")) {
    std::cout << "{\"data\":" << json_quote(d.path) << ",\"rows\":" << d.size()
              << ",\"train\":{\"path\":" << json_quote(prefix + ".train.csv") << ",\"rows\":" << s.train.size()
              << "},\"test\":{\"path\":" << json_quote(prefix + ".test.csv") << ",\"rows\":" << s.test.size()
              << "},\"seed\":" << seed << ",\"data_summary\":" << data::summary_json(d.summary) << "}\n";
    std::cout.flush();
    if (!std::cout) throw Error("split: cannot write the output");
  }
  return 0;
}

}  // namespace tt::cli
