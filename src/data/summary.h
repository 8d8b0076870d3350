// What the reader took from a data file, and why: the summary that train, eval and split print
// before they use the data (stderr), give in --json, and that train stores in the model file
// (ancillary section "data", docs/model-format.md). It names the file by its base name only, so a
// model does not depend on where its data was.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tt::data {

struct DataSummary {
  std::string file;            // the base name of the file
  std::string format;          // "csv", "tsv" or "fasttext"
  std::string format_rule;     // why that format
  std::string delimiter;       // csv: "," ";" "tab" "|"; empty otherwise
  std::string delimiter_rule;  // why that delimiter
  bool header = true;          // csv/tsv: the first row named the columns
  std::string text_column;     // "'v2' (column 2)"; empty for fastText
  std::string text_rule;
  std::vector<std::string> label_columns;
  std::string label_rule;
  std::string kind;  // "binary", "multi-class", "multi-label"; empty without labels
  uint64_t rows = 0;          // examples kept
  uint64_t skipped = 0;       // rows left out for an empty label (skip_missing)
  uint64_t empty_texts = 0;   // examples whose text is empty or whitespace
  uint64_t duplicates = 0;    // rows whose text and labels equal an earlier row's
  uint64_t conflicts = 0;     // rows whose text equals an earlier row's, with other labels
  // Binary: both values (positive first) with their rows; multi-class: each class; multi-label:
  // each output with its positive rows.
  std::vector<std::pair<std::string, uint64_t>> classes;
  std::string positive;       // binary only: the positive label (the output's name)
  std::string positive_rule;  // why that one
  std::vector<std::string> warnings;
};

// For a person: several lines, each starting with "data: " (warnings with "warning: ").
std::string summary_text(const DataSummary& s);
// The same as one JSON object.
std::string summary_json(const DataSummary& s);
// Reads summary_json's object back (inspect shows a model's stored summary). Unknown fields are
// skipped; throws tt::Error on text that is not such an object.
DataSummary summary_from_json(const std::string& json);

}  // namespace tt::data
