#include "cli/reader_options.h"

#include <cstdio>
#include <iterator>

#include "common/error.h"

namespace tt::cli {

namespace {

// Splits a comma-separated list; an empty item is a usage error naming the option.
std::vector<std::string> comma_list(const std::string& option, const std::string& list, const char* what) {
  std::vector<std::string> items;
  size_t from = 0;
  for (;;) {
    size_t comma = list.find(',', from);
    std::string item = list.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
    if (item.empty())
      throw UsageError("--" + option + " needs " + what + " separated by commas, got '" + list + "'");
    items.push_back(item);
    if (comma == std::string::npos) return items;
    from = comma + 1;
  }
}

}  // namespace

void add_reader_options(std::vector<Option>& options, bool labels) {
  // The columns first, then what is read from the label column (only for commands that read labels).
  static const Option kOptions[] = {
      {"format", "FMT", "csv, tsv or fasttext (auto: from the file name, else from the first lines; the summary says which)",
       "auto"},
      {"delimiter", "CHAR", "csv: , ; tab or | (auto: the one that splits the first 100 records evenly)", "auto"},
      {"text", "COL",
       "the text column: a header name or a 1-based position (auto: text, comment_text, tweet or message, else the "
       "last column that is not mostly empty)",
       "auto"},
      {"label", "COL[,COL...]",
       "the label column(s): names or 1-based positions; several make a multi-label task (auto: several 0/1 columns "
       "beside the text, else label, labels, class or toxic, else the first column other than the text)",
       "auto"},
      flag("no-header", "the first row is data, not column names (select columns by position)"),
      {"positive", "LABEL",
       "binary data: the label value that is the positive class (auto: 1/true/yes in a boolean column, else the "
       "rarer value)",
       ""},
      {"label-names", "NAMES",
       "names for the classes of a label column: VALUE=NAME,... or NAME,... in the classes' order (e.g. "
       "0=hate,1=offensive,2=neither)",
       ""},
      flag("skip-missing", "leave out rows whose label is empty (counted in the summary) instead of refusing the file"),
  };
  const size_t column_options = 5;
  options.insert(options.end(), std::begin(kOptions), std::begin(kOptions) + (labels ? std::size(kOptions) : column_options));
}

void print_summary(const data::DataSummary& s, bool quiet) {
  const std::string text = data::summary_text(s);
  if (!quiet) {
    std::fputs(text.c_str(), stderr);
    return;
  }
  size_t from = 0;
  while (from < text.size()) {
    const size_t eol = text.find('\n', from);
    const std::string line = text.substr(from, eol - from + 1);
    if (line.rfind("data: warning:", 0) == 0) std::fputs(line.c_str(), stderr);
    from = eol + 1;
  }
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
  if (args.has("delimiter")) {
    const std::string d = args.get("delimiter");
    if (d == "," || d == ";" || d == "|") {
      o.delimiter = d[0];
    } else if (d == "tab" || d == "\\t" || d == "\t") {
      o.delimiter = '\t';
    } else if (d != "auto") {
      throw UsageError("--delimiter must be ',', ';', tab or '|' (or auto), got '" + d + "'");
    }
    if (o.delimiter && o.format == data::Format::kFastText)
      throw UsageError("--delimiter applies to csv files; a fastText file has no columns");
    if (o.delimiter && o.delimiter != '\t' && o.format == data::Format::kTsv)
      throw UsageError("--delimiter: a tsv file is split at tabs; give --format csv for another delimiter");
    if (o.format == data::Format::kTsv) o.delimiter = 0;
  }
  // Explicit values are used verbatim (a column may be named "auto"); the defaults only show in --help.
  if (args.has("text")) {
    o.text_column = args.get("text");
    if (o.text_column.empty()) throw UsageError("--text needs a column name or a 1-based position");
  }
  if (args.has("label")) o.label_columns = comma_list("label", args.get("label"), "column names or 1-based positions");
  o.header = !args.has("no-header");
  for (const char* name : {"positive", "label-names", "skip-missing"})
    if (!args.knows(name)) return o;
  if (args.has("positive")) {
    o.positive = args.get("positive");
    if (o.positive.empty()) throw UsageError("--positive needs a label value");
  }
  if (args.has("label-names")) o.label_names = comma_list("label-names", args.get("label-names"), "names");
  o.skip_missing = args.has("skip-missing");
  return o;
}

}  // namespace tt::cli
