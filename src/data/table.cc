#include "data/table.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/error.h"
#include "common/file.h"

namespace tt::data::detail {

namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

uint32_t count_newlines(const char* b, const char* e) {
  return static_cast<uint32_t>(std::count(b, e, '\n'));
}

// A line break at text[i]: returns its length (1 for LF, 2 for CRLF) or 0.
size_t line_break_at(std::string_view text, size_t i) {
  if (i >= text.size()) return 0;
  if (text[i] == '\n') return 1;
  if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') return 2;
  return 0;
}

void check_columns(const std::string& path, Table& t, size_t fields, uint32_t line, const char* hint) {
  if (t.rows() == 0) {
    t.columns = fields;
  } else if (fields != t.columns) {
    throw Error(at(path, line,
                   std::to_string(fields) + (fields == 1 ? " field" : " fields") + ", expected " +
                       std::to_string(t.columns) + " as on line " + std::to_string(t.lines[0]) +
                       " (the first record); " + hint));
  }
  t.lines.push_back(line);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f'; }

}  // namespace

// Line numbers are uint32_t and a dataset lives in memory: larger files are refused, not cut.
std::string read_file(const std::string& path) {
  return tt::read_file(path, "a data file (CSV, TSV or fastText)", uint64_t{1} << 32);
}

size_t bom_length(std::string_view bytes) {
  return bytes.size() >= 3 && bytes.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
}

Table parse_csv(const std::string& path, std::string_view text) {
  Table t;
  const char* data = text.data();
  const size_t n = text.size();
  size_t i = 0;
  uint32_t line = 1;
  const char* hint = "quote a field that contains a comma or a line break (\"a, b\")";
  while (i < n) {
    if (size_t br = line_break_at(text, i)) {  // a blank line between records
      i += br;
      ++line;
      continue;
    }
    const uint32_t start = line;
    size_t fields = 0;
    for (;;) {  // one field per iteration; i is at its first byte
      t.cells.emplace_back();
      std::string& field = t.cells.back();
      ++fields;
      if (i < n && data[i] == '"') {
        const uint32_t open_line = line;
        ++i;
        for (;;) {
          const void* q = i < n ? std::memchr(data + i, '"', n - i) : nullptr;
          if (!q) {
            throw Error(at(path, start,
                           "unterminated quoted field (the quote opens on line " + std::to_string(open_line) +
                               " and never closes); close it, and double any quote inside it (\"\")"));
          }
          size_t j = static_cast<size_t>(static_cast<const char*>(q) - data);
          line += count_newlines(data + i, data + j);
          field.append(data + i, j - i);
          i = j + 1;
          if (i < n && data[i] == '"') {  // "" is one quote
            field += '"';
            ++i;
            continue;
          }
          break;
        }
        if (i < n && data[i] != ',' && !line_break_at(text, i)) {
          throw Error(at(path, line,
                         "unexpected character after a closing quote; a quote inside a quoted field must be "
                         "doubled (\"\")"));
        }
      } else {
        size_t j = i;
        while (j < n) {
          char c = data[j];
          if (c == ',' || c == '\n' || c == '"' || (c == '\r' && j + 1 < n && data[j + 1] == '\n')) break;
          ++j;
        }
        if (j < n && data[j] == '"') {
          throw Error(at(path, line,
                         "a quote inside an unquoted field; quote the whole field and double the quote "
                         "(\"say \"\"hi\"\"\")"));
        }
        field.assign(data + i, j - i);
        i = j;
      }
      if (i < n && data[i] == ',') {
        ++i;
        continue;
      }
      if (size_t br = line_break_at(text, i)) {
        i += br;
        ++line;
      }
      break;  // end of the record (a line break or the end of the file)
    }
    check_columns(path, t, fields, start, hint);
  }
  return t;
}

// Calls fn(row, line) for each line of `text` (LF or CRLF; the line break is not part of row).
template <class Fn>
void for_each_line(std::string_view text, Fn fn) {
  const size_t n = text.size();
  size_t i = 0;
  uint32_t line = 0;
  while (i < n) {
    ++line;
    const size_t eol = text.find('\n', i);
    const size_t next = eol == std::string_view::npos ? n : eol + 1;
    size_t end = eol == std::string_view::npos ? n : eol;
    if (end > i && text[end - 1] == '\r') --end;
    fn(text.substr(i, end - i), line);
    i = next;
  }
}

Table parse_tsv(const std::string& path, std::string_view text) {
  Table t;
  for_each_line(text, [&](std::string_view row, uint32_t line) {
    if (row.empty()) return;  // a blank line
    size_t fields = 0, from = 0;
    for (;;) {
      size_t tab = row.find('\t', from);
      size_t to = tab == std::string_view::npos ? row.size() : tab;
      t.cells.emplace_back(row.substr(from, to - from));
      ++fields;
      if (tab == std::string_view::npos) break;
      from = tab + 1;
    }
    check_columns(path, t, fields, line, "in TSV a field ends at every tab (there is no quoting)");
  });
  return t;
}

FastTextLines parse_fasttext(const std::string& path, std::string_view text) {
  static constexpr std::string_view kPrefix = "__label__";
  FastTextLines f;
  for_each_line(text, [&](std::string_view row, uint32_t line) {
    if (std::all_of(row.begin(), row.end(), is_space)) return;  // a blank line
    std::vector<std::string> labels;
    size_t p = 0;
    while (row.compare(p, kPrefix.size(), kPrefix) == 0) {
      size_t q = p + kPrefix.size();
      while (q < row.size() && !is_space(row[q])) ++q;
      std::string name(row.substr(p + kPrefix.size(), q - p - kPrefix.size()));
      if (name.empty()) {
        throw Error(at(path, line, "a label with no name ('__label__' alone); write __label__NAME"));
      }
      if (std::find(labels.begin(), labels.end(), name) == labels.end()) labels.push_back(std::move(name));
      while (q < row.size() && is_space(row[q])) ++q;
      p = q;
    }
    f.labels.push_back(std::move(labels));
    f.texts.emplace_back(row.substr(p));
    f.lines.push_back(line);
  });
  return f;
}

}  // namespace tt::data::detail
