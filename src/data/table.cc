#include "data/table.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "common/error.h"

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

void Table::add(std::string_view bytes) {
  if (bytes.size() > UINT32_MAX) throw std::length_error("a cell of more than 4 GiB");
  if (blocks_.empty() || blocks_.back().size() + bytes.size() > blocks_.back().capacity()) {
    blocks_.emplace_back();
    blocks_.back().reserve(std::max(kBlockBytes, bytes.size()));
  }
  std::string& b = blocks_.back();
  at_.push_back(uint64_t{blocks_.size() - 1} << kOffsetBits | b.size());
  len_.push_back(static_cast<uint32_t>(bytes.size()));
  b.append(bytes);
}

void Table::truncate(size_t n) {
  if (n >= len_.size()) return;
  at_.shrink(n);
  len_.shrink(n);
  if (n == 0) {
    blocks_.clear();
    return;
  }
  const size_t block = static_cast<size_t>(at_.back() >> kOffsetBits);
  blocks_.resize(block + 1);
  blocks_.back().resize((at_.back() & kOffsetMask) + len_.back());
}

void Table::release_before(size_t i) {
  const size_t block = static_cast<size_t>(at_[i] >> kOffsetBits);
  for (size_t b = 0; b < block; ++b) std::string().swap(blocks_[b]);
}

ByteSource::ByteSource(const std::string& path) : path_(path == "-" ? "stdin" : path) {
  if (path == "-") {
    fd_ = ::dup(STDIN_FILENO);
    if (fd_ < 0) throw Error(at(path_, 0, "cannot open: " + std::string(std::strerror(errno))));
  } else {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      const int e = errno;
      throw Error(at(path_, 0, "cannot open: " + std::string(std::strerror(e)) + (e == ENOENT ? " (check the path)" : "")));
    }
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const int e = errno;
    ::close(fd_);
    throw Error(at(path_, 0, "cannot stat: " + std::string(std::strerror(e))));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd_);
    throw Error(at(path_, 0, "is a directory; give a data file (CSV, TSV or fastText)"));
  }
}

ByteSource::~ByteSource() { ::close(fd_); }

void ByteSource::read(std::string& buf, size_t n) {
  const size_t start = buf.size();
  buf.resize(start + n);
  size_t have = 0;
  while (have < n && !eof_) {
    const ssize_t got = ::read(fd_, &buf[start + have], n - have);
    if (got < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      buf.resize(start + have);
      throw Error(at(path_, 0, "cannot read: " + std::string(std::strerror(e))));
    }
    if (got == 0) eof_ = true;
    have += static_cast<size_t>(got);
  }
  buf.resize(start + have);
  total_ += have;
  if (total_ > kMaxDataBytes) {
    throw Error(at(path_, 0, "is larger than " + std::to_string(kMaxDataBytes >> 20) +
                                 " MiB, the most read as a data file (CSV, TSV or fastText); split it into smaller files"));
  }
}

size_t bom_length(std::string_view bytes) {
  return bytes.size() >= 3 && bytes.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
}

namespace {

// The CSV parser (parse_csv and parse_csv_chunk). Returns the bytes of the records parsed.
size_t csv_records(Table& t, const std::string& path, std::string_view text, char delimiter, uint32_t& line,
                   bool final, size_t max_records, std::vector<size_t>* counts) {
  const char* data = text.data();
  const size_t n = text.size();
  const char d = delimiter;
  size_t i = 0;
  const std::string hint = "quote a field that contains the delimiter " + delimiter_name(d) + " or a line break" +
                           (d == '\t' ? std::string() : " (\"a" + std::string(1, d) + " b\")") +
                           ", or give --delimiter if " + delimiter_name(d) + " is not the delimiter";
  std::string field;  // the field being read (a quoted field's doubled quotes made single)
  while (i < n && t.rows() < max_records) {
    if (size_t br = line_break_at(text, i)) {  // a blank line between records
      i += br;
      ++line;
      continue;
    }
    const uint32_t start = line;
    const size_t record = i, cells = t.cell_count();
    bool ended = false;  // by a line break
    size_t fields = 0;
    for (;;) {  // one field per iteration; i is at its first byte
      field.clear();
      ++fields;
      if (i < n && data[i] == '"') {
        const uint32_t open_line = line;
        ++i;
        for (;;) {
          const void* q = i < n ? std::memchr(data + i, '"', n - i) : nullptr;
          if (!q) {
            if (!final) {  // the field may close in the next chunk
              t.truncate(cells);
              line = start;
              return record;
            }
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
        if (i < n && data[i] != d && !line_break_at(text, i)) {
          throw Error(at(path, line,
                         "unexpected character after a closing quote; a quote inside a quoted field must be "
                         "doubled (\"\")"));
        }
      } else {
        size_t j = i;
        while (j < n) {
          char c = data[j];
          if (c == d || c == '\n' || c == '"' || (c == '\r' && j + 1 < n && data[j + 1] == '\n')) break;
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
      t.add(field);
      if (i < n && data[i] == d) {
        ++i;
        continue;
      }
      if (size_t br = line_break_at(text, i)) {
        i += br;
        ++line;
        ended = true;
      }
      break;  // end of the record (a line break or the end of the file)
    }
    if (!final && !ended) {  // the record may go on in the next chunk
      t.truncate(cells);
      line = start;
      return record;
    }
    if (counts) {
      counts->push_back(fields);
      t.lines.push_back(start);
    } else {
      check_columns(path, t, fields, start, hint.c_str());
    }
  }
  return i;
}

}  // namespace

Table parse_csv(const std::string& path, std::string_view text, char delimiter, size_t max_records,
                std::vector<size_t>* counts) {
  Table t;
  uint32_t line = 1;
  csv_records(t, path, text, delimiter, line, true, max_records, counts);
  return t;
}

size_t parse_csv_chunk(Table& t, const std::string& path, std::string_view text, char delimiter, uint32_t& line,
                       bool final) {
  return csv_records(t, path, text, delimiter, line, final, SIZE_MAX, nullptr);
}

// Calls fn(row, line) for each line of `text` (LF or CRLF; the line break is not part of row);
// `line` is the number of the line before text's first.
template <class Fn>
void for_each_line(std::string_view text, Fn fn, uint32_t line = 0) {
  const size_t n = text.size();
  size_t i = 0;
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

// The complete lines of a chunk (all of it when final), as parse_*_chunk take them: calls
// fn(row, line) for each, advances `line` past them and returns their bytes.
template <class Fn>
size_t chunk_lines(std::string_view text, uint32_t& line, bool final, Fn fn) {
  const size_t end = final ? text.size() : text.rfind('\n') + 1;  // npos + 1 == 0: no complete line
  for_each_line(text.substr(0, end), fn, line - 1);
  line += count_newlines(text.data(), text.data() + end);
  return end;
}

size_t parse_tsv_chunk(Table& t, const std::string& path, std::string_view text, uint32_t& start, bool final) {
  return chunk_lines(text, start, final, [&](std::string_view row, uint32_t line) {
    if (row.empty()) return;  // a blank line
    size_t fields = 0, from = 0;
    for (;;) {
      size_t tab = row.find('\t', from);
      size_t to = tab == std::string_view::npos ? row.size() : tab;
      t.add(row.substr(from, to - from));
      ++fields;
      if (tab == std::string_view::npos) break;
      from = tab + 1;
    }
    check_columns(path, t, fields, line, "in TSV a field ends at every tab (there is no quoting)");
  });
}

namespace {

constexpr std::string_view kLabelPrefix = "__label__";

bool is_label_token(std::string_view token) { return token.compare(0, kLabelPrefix.size(), kLabelPrefix) == 0; }

}  // namespace

// As fastText's Dictionary::readWord splits a line: every whitespace-separated token that starts
// with the prefix is a label, wherever it stands. The text is the line from its first other token
// on, with each label token cut out together with the whitespace after it (or, for labels at the
// end of the line, before it), so the text between other tokens keeps its bytes.
size_t parse_fasttext_chunk(FastTextLines& f, const std::string& path, std::string_view text, uint32_t& start,
                            bool final) {
  return chunk_lines(text, start, final, [&](std::string_view row, uint32_t line) {
    if (std::all_of(row.begin(), row.end(), is_space)) return;  // a blank line
    std::vector<std::string> labels;
    std::string kept;
    size_t p = 0;
    size_t kept_end = 0;  // where the kept text ends in `row` (after its last other token)
    bool any_kept = false;
    while (p < row.size()) {
      size_t ws = p;
      while (p < row.size() && is_space(row[p])) ++p;
      if (p == row.size()) {
        // Trailing whitespace stays when the line ends with a text token, as fastText ignores it.
        if (any_kept && kept_end == ws) kept.append(row.substr(ws));
        break;
      }
      size_t q = p;
      while (q < row.size() && !is_space(row[q])) ++q;
      std::string_view token = row.substr(p, q - p);
      if (is_label_token(token)) {
        std::string name(token.substr(kLabelPrefix.size()));
        if (name.empty()) {
          throw Error(at(path, line, "a label with no name ('__label__' alone); write __label__NAME"));
        }
        if (std::find(labels.begin(), labels.end(), name) == labels.end()) labels.push_back(std::move(name));
      } else {
        if (any_kept) kept.append(row.substr(ws, p - ws));
        kept.append(token);
        kept_end = q;
        any_kept = true;
      }
      p = q;
    }
    f.labels.push_back(std::move(labels));
    f.texts.push_back(std::move(kept));
    f.lines.push_back(line);
  });
}

bool first_line_has_fasttext_label(std::string_view text) {
  size_t first = text.find_first_not_of("\r\n");
  if (first == std::string_view::npos) return false;
  std::string_view line = text.substr(first);
  line = line.substr(0, line.find('\n'));
  size_t p = 0;
  while (p < line.size()) {
    while (p < line.size() && (is_space(line[p]) || line[p] == '\r')) ++p;
    size_t q = p;
    while (q < line.size() && !is_space(line[q]) && line[q] != '\r') ++q;
    if (q > p && is_label_token(line.substr(p, q - p))) return true;
    p = q;
  }
  return false;
}

std::string delimiter_name(char d) { return d == '\t' ? "tab" : std::string("'") + d + "'"; }

Sniffed sniff_delimiter(std::string_view text) {
  struct Try {
    char d;
    size_t columns, fit, records;  // fields of the first record; records with as many
  };
  std::vector<Try> tries;
  for (char d : kDelimiters) {
    std::vector<size_t> fields;
    if (d == '\t') {
      // Tabs as TSV splits them (no quoting: TSV texts hold stray quotes).
      for_each_line(text, [&](std::string_view row, uint32_t) {
        if (!row.empty() && fields.size() < kSniffRecords)
          fields.push_back(1 + static_cast<size_t>(std::count(row.begin(), row.end(), '\t')));
      });
    } else {
      try {
        parse_csv("", text, d, kSniffRecords, &fields);
      } catch (const Error&) {
        // A quoting error under this delimiter: the records before it count.
      }
    }
    if (fields.empty() || fields[0] < 2) continue;
    const size_t fit = static_cast<size_t>(std::count(fields.begin(), fields.end(), fields[0]));
    tries.push_back({d, fields[0], fit, fields.size()});
  }
  Sniffed s;
  auto better = [](const Try& a, const Try& b) {  // a fits more records, or as many with more fields
    return a.fit != b.fit ? a.fit > b.fit : a.columns > b.columns;
  };
  const Try* best = nullptr;
  for (const Try& t : tries)
    if (!best || better(t, *best)) best = &t;
  if (!best) {
    s.rule = "no delimiter (',', ';', tab, '|') splits the first record into two or more fields; ',' assumed";
    return s;
  }
  s.delimiter = best->d;
  const std::string which = best->records < kSniffRecords ? "the " + std::to_string(best->records) + " records"
                                                          : "the first " + std::to_string(best->records) + " records";
  if (best->fit == best->records) {
    s.rule = "sniffed: " + delimiter_name(best->d) + " splits each of " + which + " into " +
             std::to_string(best->columns) + " fields";
  } else {
    s.rule = "sniffed: no delimiter splits every record evenly; " + delimiter_name(best->d) + " splits " +
             std::to_string(best->fit) + " of " + which + " into " + std::to_string(best->columns) +
             " fields, as the first";
  }
  std::string others;
  for (const Try& t : tries)
    if (&t != best && t.fit == best->fit)
      others += (others.empty() ? "" : ", ") + delimiter_name(t.d) + " (" + std::to_string(t.columns) + " fields)";
  if (!others.empty()) {
    s.ambiguous = true;
    s.rule += "; " + others + " would fit as well: give --delimiter if " + delimiter_name(best->d) + " is wrong";
  }
  return s;
}

}  // namespace tt::data::detail
