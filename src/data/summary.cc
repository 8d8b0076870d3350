#include "data/summary.h"

#include <cstring>

#include "common/error.h"
#include "common/json.h"

namespace tt::data {

namespace {

// Just enough JSON for summary_json's own output: objects, arrays, strings, integers, booleans.
class JsonReader {
 public:
  explicit JsonReader(const std::string& s) : s_(s) {}
  char peek() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
    return i_ < s_.size() ? s_[i_] : '\0';
  }
  bool take(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  void expect(char c) {
    if (!take(c)) throw Error(std::string("data summary: expected '") + c + "' at offset " + std::to_string(i_));
  }
  std::string str() {
    if (peek() != '"') expect('"');
    size_t j = i_ + 1;
    while (j < s_.size() && s_[j] != '"') j += s_[j] == '\\' ? 2u : 1u;
    if (j >= s_.size()) throw Error("data summary: unterminated string");
    std::string v = json_unquote(s_.substr(i_, j + 1 - i_));
    i_ = j + 1;
    return v;
  }
  uint64_t num() {
    peek();
    size_t j = i_;
    while (j < s_.size() && s_[j] >= '0' && s_[j] <= '9') ++j;
    if (j == i_) throw Error("data summary: expected a number at offset " + std::to_string(i_));
    const uint64_t v = std::stoull(s_.substr(i_, j - i_));
    i_ = j;
    return v;
  }
  bool boolean() {
    peek();
    for (const char* w : {"true", "false"})
      if (s_.compare(i_, std::strlen(w), w) == 0) {
        i_ += std::strlen(w);
        return w[0] == 't';
      }
    throw Error("data summary: expected true or false at offset " + std::to_string(i_));
  }
  void skip() {  // any value
    const char c = peek();
    if (c == '"') {
      str();
    } else if (c == '{' || c == '[') {
      ++i_;
      const char close = c == '{' ? '}' : ']';
      if (take(close)) return;
      do {
        if (c == '{') {
          str();
          expect(':');
        }
        skip();
      } while (take(','));
      expect(close);
    } else if (c == 't' || c == 'f') {
      boolean();
    } else if (c == 'n' && s_.compare(i_, 4, "null") == 0) {
      i_ += 4;
    } else {
      while (i_ < s_.size() && std::strchr("+-.0123456789eE", s_[i_])) ++i_;
    }
  }
  // Calls fn(key) for each member of an object; fn reads the value.
  template <class Fn>
  void object(Fn fn) {
    expect('{');
    if (take('}')) return;
    do {
      const std::string key = str();
      expect(':');
      fn(key);
    } while (take(','));
    expect('}');
  }
  template <class Fn>
  void array(Fn fn) {
    expect('[');
    if (take(']')) return;
    do fn();
    while (take(','));
    expect(']');
  }

 private:
  const std::string& s_;
  size_t i_ = 0;
};

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

DataSummary summary_from_json(const std::string& json) {
  DataSummary s;
  JsonReader r(json);
  auto strings = [&](std::vector<std::string>& out) { r.array([&] { out.push_back(r.str()); }); };
  r.object([&](const std::string& key) {
    if (key == "file") s.file = r.str();
    else if (key == "format") s.format = r.str();
    else if (key == "format_rule") s.format_rule = r.str();
    else if (key == "delimiter") s.delimiter = r.str();
    else if (key == "delimiter_rule") s.delimiter_rule = r.str();
    else if (key == "header") s.header = r.boolean();
    else if (key == "text_column") s.text_column = r.str();
    else if (key == "text_rule") s.text_rule = r.str();
    else if (key == "label_columns") strings(s.label_columns);
    else if (key == "label_rule") s.label_rule = r.str();
    else if (key == "kind") s.kind = r.str();
    else if (key == "rows") s.rows = r.num();
    else if (key == "skipped") s.skipped = r.num();
    else if (key == "empty_texts") s.empty_texts = r.num();
    else if (key == "duplicates") s.duplicates = r.num();
    else if (key == "conflicts") s.conflicts = r.num();
    else if (key == "positive") s.positive = r.str();
    else if (key == "positive_rule") s.positive_rule = r.str();
    else if (key == "warnings") strings(s.warnings);
    else if (key == "classes")
      r.array([&] {
        std::pair<std::string, uint64_t> c;
        r.object([&](const std::string& k) {
          if (k == "name") c.first = r.str();
          else if (k == "rows") c.second = r.num();
          else r.skip();
        });
        s.classes.push_back(std::move(c));
      });
    else r.skip();
  });
  if (s.delimiter == "\t") s.delimiter = "tab";
  return s;
}

}  // namespace tt::data
