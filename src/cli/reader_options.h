// The reader options every data-reading command shares: --format, --delimiter, --text, --label,
// --no-header, and for commands that read labels --positive, --label-names, --skip-missing.
#pragma once

#include <vector>

#include "cli/args.h"
#include "data/dataset.h"

namespace tt::cli {

// Appends the shared reader options to a command's option list; `labels`: the label options too.
void add_reader_options(std::vector<Option>& options, bool labels = true);
// Builds ReaderOptions from parsed arguments (throws UsageError on a bad --format or --delimiter).
data::ReaderOptions reader_options(const Args& args);
// Prints what the reader took from a file (data::summary_text) on stderr: all of it, or with
// `quiet` only its warnings.
void print_summary(const data::DataSummary& s, bool quiet);

}  // namespace tt::cli
