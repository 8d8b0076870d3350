#include "data/summary.h"

#include <cstring>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/json.h"

namespace tt::data {

namespace {

std::string count_of(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

std::string summary_text(const DataSummary& s) {
  std::string o = "data: " + s.file + ": " + s.format + " (" + s.format_rule + ")";
  if (!s.delimiter.empty())
    o += ", delimiter " + (s.delimiter == "tab" ? s.delimiter : "'" + s.delimiter + "'") + " (" + s.delimiter_rule + ")";
  if (s.format != "fasttext") o += s.header ? ", first line: column names" : ", no header line";
  o += "\n";
  if (!s.text_column.empty()) o += "data: text: " + s.text_column + ": " + s.text_rule + "\n";
  if (!s.label_columns.empty()) {
    o += "data: label" + std::string(s.label_columns.size() > 1 ? "s: " : ": ");
    for (size_t i = 0; i < s.label_columns.size(); ++i) o += (i ? ", " : "") + s.label_columns[i];
    o += ": " + s.label_rule + "\n";
  } else if (!s.label_rule.empty()) {
    o += "data: labels: " + s.label_rule + "\n";
  }
  o += "data: " + count_of(s.rows, "example", "examples");
  if (s.skipped) o += ", " + std::to_string(s.skipped) + " left out without a label";
  if (s.duplicates || s.conflicts) o += ", " + count_of(s.duplicates + s.conflicts, "repeated text", "repeated texts");
  if (!s.kind.empty()) {
    o += "; " + s.kind + ": ";
    for (size_t i = 0; i < s.classes.size(); ++i)
      o += (i ? ", " : "") + s.classes[i].first + " " + std::to_string(s.classes[i].second);
    if (s.kind == "multi-label") o += " (positives per label)";
  }
  o += "\n";
  if (!s.positive.empty()) o += "data: positive label: " + s.positive + ": " + s.positive_rule + "\n";
  for (const auto& w : s.warnings) o += "data: warning: " + w + "\n";
  return o;
}

std::string summary_json(const DataSummary& s) {
  std::string o = "{\"file\":" + json_quote(s.file) + ",\"format\":" + json_quote(s.format) +
                  ",\"format_rule\":" + json_quote(s.format_rule);
  if (!s.delimiter.empty())
    o += ",\"delimiter\":" + json_quote(s.delimiter == "tab" ? "\t" : s.delimiter) +
         ",\"delimiter_rule\":" + json_quote(s.delimiter_rule);
  o += std::string(",\"header\":") + (s.header ? "true" : "false");
  if (!s.text_column.empty()) o += ",\"text_column\":" + json_quote(s.text_column);
  o += ",\"text_rule\":" + json_quote(s.text_rule) + ",\"label_columns\":[";
  for (size_t i = 0; i < s.label_columns.size(); ++i) o += (i ? "," : "") + json_quote(s.label_columns[i]);
  o += "],\"label_rule\":" + json_quote(s.label_rule) + ",\"kind\":" + json_quote(s.kind) +
       ",\"rows\":" + std::to_string(s.rows) + ",\"skipped\":" + std::to_string(s.skipped) +
       ",\"empty_texts\":" + std::to_string(s.empty_texts) + ",\"duplicates\":" + std::to_string(s.duplicates) +
       ",\"conflicts\":" + std::to_string(s.conflicts) + ",\"classes\":[";
  for (size_t i = 0; i < s.classes.size(); ++i)
    o += std::string(i ? "," : "") + "{\"name\":" + json_quote(s.classes[i].first) +
         ",\"rows\":" + std::to_string(s.classes[i].second) + "}";
  o += "]";
  if (!s.positive.empty())
    o += ",\"positive\":" + json_quote(s.positive) + ",\"positive_rule\":" + json_quote(s.positive_rule);
  o += ",\"warnings\":[";
  for (size_t i = 0; i < s.warnings.size(); ++i) o += (i ? "," : "") + json_quote(s.warnings[i]);
  return o + "]}";
}

DataSummary summary_from_json(const std::string& text) {
  // The summary comes from a model file, which may come from anywhere: every member is optional
  // (an older or newer writer), and a member of the wrong type is an error, not a guess.
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    DataSummary s;
    auto get = [&](const char* key, auto& out) {
      if (j.contains(key)) j.at(key).get_to(out);
    };
    get("file", s.file);
    get("format", s.format);
    get("format_rule", s.format_rule);
    get("delimiter", s.delimiter);
    get("delimiter_rule", s.delimiter_rule);
    get("header", s.header);
    get("text_column", s.text_column);
    get("text_rule", s.text_rule);
    get("label_columns", s.label_columns);
    get("label_rule", s.label_rule);
    get("kind", s.kind);
    get("rows", s.rows);
    get("skipped", s.skipped);
    get("empty_texts", s.empty_texts);
    get("duplicates", s.duplicates);
    get("conflicts", s.conflicts);
    get("positive", s.positive);
    get("positive_rule", s.positive_rule);
    get("warnings", s.warnings);
    if (j.contains("classes"))
      for (const auto& c : j.at("classes")) s.classes.emplace_back(c.at("name").get<std::string>(), c.at("rows").get<uint64_t>());
    if (s.delimiter == "\t") s.delimiter = "tab";
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("data summary: ") + e.what());
  }
}

}  // namespace tt::data
