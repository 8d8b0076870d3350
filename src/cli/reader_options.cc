#include "cli/reader_options.h"

#include "common/error.h"

namespace tt::cli {

void add_reader_options(std::vector<Option>& options) {
  options.push_back({"format", "FMT", "csv, tsv or fasttext (auto: from the file name, else the first line)",
                     "auto"});
  options.push_back({"text", "COL",
                     "the text column: a header name or a 1-based position (auto: text, comment_text, tweet "
                     "or message, else the last column)",
                     "auto"});
  options.push_back({"label", "COL[,COL...]",
                     "the label column(s): names or 1-based positions; several make a multi-label task "
                     "(auto: label, labels, class or toxic, else the first column other than the text)",
                     "auto"});
  options.push_back({"no-header", "", "the first row is data, not column names (select columns by position)", ""});
}

data::ReaderOptions reader_options(const Args& args) {
  data::ReaderOptions o;
  std::string format = args.get("format");
  if (format == "csv") {
    o.format = data::Format::kCsv;
  } else if (format == "tsv") {
    o.format = data::Format::kTsv;
  } else if (format == "fasttext" || format == "ft") {
    o.format = data::Format::kFastText;
  } else if (format != "auto") {
    throw UsageError("--format must be csv, tsv, fasttext or auto, got '" + format + "'");
  }
  // Explicit values are used verbatim (a column may be named "auto"); the defaults only show in --help.
  if (args.has("text")) {
    o.text_column = args.get("text");
    if (o.text_column.empty()) throw UsageError("--text needs a column name or a 1-based position");
  }
  if (args.has("label")) {
    const std::string list = args.get("label");
    size_t from = 0;
    for (;;) {
      size_t comma = list.find(',', from);
      std::string item = list.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
      if (item.empty()) {
        throw UsageError("--label needs column names or 1-based positions separated by commas, got '" + list +
                         "'");
      }
      o.label_columns.push_back(item);
      if (comma == std::string::npos) break;
      from = comma + 1;
    }
  }
  o.header = !args.has("no-header");
  return o;
}

}  // namespace tt::cli
