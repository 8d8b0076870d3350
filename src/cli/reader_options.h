// The reader options every data-reading command shares: --format, --text, --label, --no-header.
#pragma once

#include <vector>

#include "cli/args.h"
#include "data/dataset.h"

namespace tt::cli {

// Appends the shared reader options to a command's option list.
void add_reader_options(std::vector<Option>& options);
// Builds ReaderOptions from parsed arguments (throws UsageError on a bad --format).
data::ReaderOptions reader_options(const Args& args);

}  // namespace tt::cli
