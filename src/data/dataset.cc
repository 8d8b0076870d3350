#include "data/dataset.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string_view>
#include <functional>

#include "common/error.h"
#include "data/columns.h"
#include "data/labels.h"
#include "data/streamed.h"
#include "data/table.h"

namespace tt::data {

using detail::Columns;
using detail::ColumnStats;
using detail::FastTextLines;
using detail::LabelSource;
using detail::lower;
using detail::quoted;
using detail::Table;
using detail::trim;

namespace {

const char* format_name(Format f) {
  return f == Format::kCsv ? "csv" : f == Format::kTsv ? "tsv" : "fasttext";
}

std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return path.substr(slash == std::string::npos ? 0 : slash + 1);
}

// The format of an auto file, and why (ReaderOptions::format documents the rule).
Format format_from_name(const std::string& path, std::string_view text, bool delimiter_given, std::string* why) {
  const std::string base = base_name(path);
  const size_t dot = base.find_last_of('.');
  const std::string ext = dot == std::string::npos ? "" : lower(base.substr(dot + 1));
  const bool fasttext = detail::first_line_has_fasttext_label(text);
  if (delimiter_given) {
    *why = "--delimiter given";
    return Format::kCsv;
  }
  if (ext == "csv" || ext == "tsv" || ext == "tab" || ext == "ft" || ext == "fasttext") {
    *why = "the file name ends in ." + ext;
    return ext == "csv" ? Format::kCsv : ext == "ft" || ext == "fasttext" ? Format::kFastText : Format::kTsv;
  }
  if (fasttext) {
    *why = "the first line holds a __label__ token";
    return Format::kFastText;
  }
  *why = "sniffed from the first records";
  return Format::kCsv;  // the delimiter is sniffed next; a tab makes it tsv
}

// The texts into d: held, or spooled when they take more than o.text_memory.
void take_texts(Dataset& d, std::vector<std::string>& texts, const ReaderOptions& o) {
  uint64_t bytes = 0;
  for (const auto& x : texts) bytes += x.size();
  if (bytes <= o.text_memory) {
    d.texts = std::move(texts);
    return;
  }
  auto spool = std::make_shared<TextSpool>(d.path);
  for (auto& x : texts) {
    spool->append(x);
    std::string().swap(x);
  }
  spool->finish();
  texts = std::vector<std::string>();
  d.spool = std::move(spool);
}

// `spool`: the texts of the table's data rows, spooled as they were read (the text column was
// known from the first record), or null (the texts are in the table's cells).
void read_table(Dataset& d, Table& t, const ReaderOptions& o, std::shared_ptr<TextSpool> spool) {
  DataSummary& s = d.summary;
  Columns cols(d.path, t, o.header);
  const size_t first = o.header ? 1 : 0;
  if (t.rows() <= first) {
    throw Error(at(d.path, cols.header_line(), "no examples after the header; add data rows (or the file has "
                                               "no header: --no-header)"));
  }
  ColumnStats stats;
  stats.add(t, first);
  const size_t text = pick_text(cols, stats, o, s);
  s.text_column = cols.describe(text);
  std::vector<size_t> labels;
  if (o.require_labels) {
    labels = pick_labels(d.path, cols, stats, text, o, s);
    for (size_t c : labels) s.label_columns.push_back(cols.describe(c));
  }

  // Rows with an empty label: an error, or left out with skip_missing.
  std::vector<uint32_t> rows;  // the table rows kept
  rows.reserve(t.rows() - first);
  std::string skipped_lines;
  for (size_t r = first; r < t.rows(); ++r) {
    size_t missing = SIZE_MAX;
    for (size_t c : labels)
      if (trim(t.cell(r, c)).empty()) missing = c;
    if (missing == SIZE_MAX) {
      rows.push_back(static_cast<uint32_t>(r));
      continue;
    }
    if (!o.skip_missing) {
      throw Error(at(d.path, t.lines[r],
                     "empty label in " + cols.describe(missing) +
                         "; every example needs a label (--skip-missing leaves such rows out)"));
    }
    if (++s.skipped <= 5) skipped_lines += (s.skipped > 1 ? ", " : "") + std::to_string(t.lines[r]);
  }
  if (s.skipped)
    s.warnings.push_back(std::to_string(s.skipped) + (s.skipped == 1 ? " row" : " rows") +
                         " without a label left out (--skip-missing): line" + (s.skipped == 1 ? " " : "s ") +
                         skipped_lines + (s.skipped > 5 ? ", ..." : ""));
  if (o.require_labels && rows.empty())
    throw Error(at(d.path, cols.header_line(), "no row has a label (every one was left out by --skip-missing)"));

  std::vector<uint32_t> lines;
  lines.reserve(rows.size());
  for (size_t r : rows) lines.push_back(t.lines[r]);
  // Labels first: a bad label column fails before the texts are copied.
  if (labels.size() == 1) {
    const size_t label = labels[0];
    const detail::LabelValues values(rows.size(), [&](size_t i) { return trim(t.cell(rows[i], label)); });
    detail::set_class_labels(d, values, lines, {cols.label_name(labels[0]), cols.label_column(labels[0]),
                                                cols.header_line()}, o);
    check_header(d, cols, head_check(t, labels[0], text), labels[0]);
  } else if (labels.size() > 1) {
    std::vector<std::vector<std::string_view>> cells(labels.size());
    std::vector<LabelSource> sources;
    for (size_t k = 0; k < labels.size(); ++k) {
      sources.push_back({cols.label_name(labels[k]), cols.label_column(labels[k]), cols.header_line()});
      cells[k].reserve(rows.size());
      for (size_t r : rows) cells[k].push_back(trim(t.cell(r, labels[k])));
    }
    detail::set_multi_labels(d, cells, lines, sources, o);
  } else if (!o.label_names.empty() || !o.positive.empty()) {
    detail::check_class_options(d, o, "this command reads no labels");
  }
  if (o.require_labels) check_unused(d, cols, column_fill(t, first), t.rows() - first, text, labels);
  if (spool) {
    // The texts went to the spool as they were read, one per data row: keep those of `rows`.
    if (rows.size() != t.rows() - first) {
      for (uint32_t& r : rows) r -= static_cast<uint32_t>(first);
      spool->keep(rows);
    }
    d.spool = std::move(spool);
  } else {
    std::vector<std::string> texts;
    texts.reserve(rows.size());
    for (size_t r : rows) {
      texts.emplace_back(t.cell(r, text));
      t.release_before(r * t.columns);  // the table is not read after this
    }
    take_texts(d, texts, o);
  }
  d.lines = std::move(lines);
}

// `spool`: the lines' texts, spooled as they were read, or null (in f.texts).
void read_fasttext(Dataset& d, FastTextLines& f, const ReaderOptions& o, std::shared_ptr<TextSpool> spool) {
  const auto texts_to_d = [&] {
    if (spool)
      d.spool = std::move(spool);
    else
      take_texts(d, f.texts, o);
  };
  DataSummary& s = d.summary;
  if (!o.text_column.empty() || !o.label_columns.empty()) {
    throw Error(at(d.path, 0, "a fastText file has no columns; drop the text/label column options"));
  }
  if (f.texts.empty()) throw Error(at(d.path, 1, "the file has no examples (only blank lines)"));
  s.header = false;
  s.text_rule = "the line without its __label__ tokens";
  if (!o.require_labels) {
    texts_to_d();
    d.lines = std::move(f.lines);
    return;
  }
  s.label_rule = "the __label__ tokens of each line";
  // Lines without a label: left out with skip_missing; in a file whose other lines have one label
  // each, an error (they would silently make it multi-label).
  size_t unlabelled = 0, several = 0, first_unlabelled = 0;
  for (size_t r = 0; r < f.labels.size(); ++r) {
    if (f.labels[r].empty() && unlabelled++ == 0) first_unlabelled = f.lines[r];
    several += f.labels[r].size() > 1;
  }
  if (unlabelled == f.labels.size())
    throw Error(at(d.path, f.lines[0], "no labels: each line needs a __label__NAME token (fastText's format)"));
  if (unlabelled && (o.skip_missing || several == 0)) {
    if (!o.skip_missing) {
      throw Error(at(d.path, static_cast<uint32_t>(first_unlabelled),
                     "this line has no __label__, while every other labelled line has one; every example needs a "
                     "label (--skip-missing leaves such lines out)"));
    }
    size_t w = 0;
    std::vector<uint32_t> kept;
    for (size_t r = 0; r < f.labels.size(); ++r) {
      if (f.labels[r].empty()) continue;
      if (spool) kept.push_back(static_cast<uint32_t>(r));
      if (w != r) {
        f.labels[w] = std::move(f.labels[r]);
        f.texts[w] = std::move(f.texts[r]);
        f.lines[w] = f.lines[r];
      }
      ++w;
    }
    f.labels.resize(w);
    f.texts.resize(w);
    f.lines.resize(w);
    if (spool) spool->keep(kept);
    s.skipped = unlabelled;
    s.warnings.push_back(std::to_string(unlabelled) + (unlabelled == 1 ? " line" : " lines") +
                         " without a label left out (--skip-missing), the first on line " +
                         std::to_string(first_unlabelled));
    if (f.texts.empty()) throw Error(at(d.path, 1, "no line has a __label__"));
  }
  const size_t rows = f.texts.size();
  if (several == 0) {
    const detail::LabelValues values(rows, [&](size_t r) { return std::string_view(f.labels[r][0]); });
    detail::set_class_labels(d, values, f.lines, {"", "the fastText label set", f.lines[0]}, o);
  } else {
    detail::check_class_options(d, o, "this fastText file has lines with several labels (multi-label)");
    std::map<std::string, size_t> counts;
    for (size_t r = 0; r < rows; ++r)
      for (const auto& name : f.labels[r]) {
        detail::check_label_name(d.path, f.lines[r], name);
        ++counts[name];
      }
    detail::check_label_count(d.path, f.lines[0], "the fastText label set", counts.size());
    std::map<std::string, size_t> index;
    for (const auto& [name, count] : counts) {
      if (count == rows && !o.allow_one_class) {
        throw Error(at(d.path, f.lines[0],
                       "label " + quoted(name) + " is on every line, so it has only one class; a classifier "
                                                 "needs examples without it too"));
      }
      index[name] = d.label_names.size();
      d.label_names.push_back(name);
      s.classes.emplace_back(name, count);
    }
    d.kind = LabelKind::kMultiLabel;
    d.targets.assign(rows * d.label_names.size(), 0);
    for (size_t r = 0; r < rows; ++r)
      for (const auto& name : f.labels[r]) d.targets[r * d.label_names.size() + index[name]] = 1;
  }
  texts_to_d();
  d.lines = std::move(f.lines);
}

// Row counts, empty texts (refused when labels are read: nothing to learn from), duplicates and
// class balance.
void finish_summary(Dataset& d, const ReaderOptions& o) {
  DataSummary& s = d.summary;
  s.rows = d.size();
  // Each text's hash (for the duplicates below) and whether it is blank, in one pass (streamed
  // rows: their own pass, the duplicates counted there too).
  std::vector<std::pair<uint64_t, uint64_t>> order(o.require_labels && !d.streamed() ? d.size() : 0);  // (hash, row)
  if (d.streamed()) {
    detail::streamed_texts(d, o.require_labels, s);
  } else {
    d.for_each_text(0, d.size(), [&](size_t r, std::string_view text) {
      s.empty_texts += detail::blank(text);
      if (!order.empty()) order[r] = {std::hash<std::string_view>()(text), r};
    });
  }
  if (!o.require_labels) return;
  const uint32_t first_line = d.streamed() ? d.first_line : d.lines.empty() ? 0 : d.lines[0];
  const std::string column = s.text_column.empty() ? "the text" : "the text column " + s.text_column;
  if (s.empty_texts == s.rows) {
    throw Error(at(d.path, first_line,
                   column + " is empty on every row (" + s.text_rule +
                       "); choose the text column with --text"));
  }
  if (s.empty_texts * 2 > s.rows) {
    throw Error(at(d.path, first_line,
                   column + " is mostly empty: " + std::to_string(s.empty_texts) + " of " + std::to_string(s.rows) +
                       " rows have no text (" + s.text_rule + "); choose the text column with --text"));
  }
  if (s.empty_texts * 20 >= s.rows) {
    s.warnings.push_back(std::to_string(s.empty_texts) + " of " + std::to_string(s.rows) + " rows (" +
                         std::to_string(s.empty_texts * 100 / s.rows) + "%) have an empty text");
  }
  s.kind = d.kind == LabelKind::kBinary ? "binary" : d.kind == LabelKind::kMultiClass ? "multi-class" : "multi-label";
  // Duplicates: the same text as an earlier row, with the same labels or with other labels. The
  // rows sorted by their text's hash (one array rather than a hash map's node per row); rows of
  // equal hash are compared by text, so the counts are exact. Each row is compared with the
  // first row of its text.
  if (!d.streamed()) {
    const size_t k = d.outputs();
    detail::count_repeats(
        order, [&](uint64_t r, std::string& buf) -> std::string_view { return d.text(r, buf); },
        [&](uint64_t r, uint64_t e) {
          return std::equal(d.targets.begin() + static_cast<std::ptrdiff_t>(r * k),
                            d.targets.begin() + static_cast<std::ptrdiff_t>((r + 1) * k),
                            d.targets.begin() + static_cast<std::ptrdiff_t>(e * k));
        },
        s);
  }
  if (s.duplicates * 20 >= s.rows || s.conflicts) {
    s.warnings.push_back(std::to_string(s.duplicates) + " rows repeat an earlier row's text and labels" +
                         (s.conflicts ? ", " + std::to_string(s.conflicts) + " repeat a text with other labels" : "") +
                         "; a test split may share them with the training split");
  }
  // Balance: the rarest class (or a label's rarer side) under 1% of the rows.
  for (const auto& [name, count] : s.classes) {
    const uint64_t rare = d.kind == LabelKind::kMultiClass ? count : std::min<uint64_t>(count, s.rows - count);
    if (rare == 0 || rare * 100 >= s.rows) continue;
    s.warnings.push_back("extreme imbalance: " + quoted(name) + " has " + std::to_string(count) + " of " +
                         std::to_string(s.rows) + " rows");
    if (d.kind == LabelKind::kBinary) break;  // both values are listed; one warning
  }
}

// Reads `source` to its end: each chunk's complete lines checked as UTF-8, its complete records
// parsed into t or f, then after_chunk(). `buf` holds the bytes read so far, from the file's
// offset `bom` (after its byte order mark).
void parse_chunks(const std::string& path, detail::ByteSource& source, std::string& buf, uint64_t bom, Format format,
                  char delimiter, Table& t, FastTextLines& f, const std::function<void()>& after_chunk) {
  uint64_t before = bom;  // the file's bytes before buf
  size_t checked = 0;     // the bytes of buf checked as UTF-8
  uint32_t line = 1;      // the line buf starts on
  for (;;) {
    const bool final = source.eof();
    const size_t complete = final ? buf.size() : buf.rfind('\n') + 1;
    if (complete > checked) {
      const size_t bad = checked + utf8_invalid_at(buf.data() + checked, complete - checked);
      if (bad != complete) {
        static const char* kHex = "0123456789ABCDEF";
        auto byte = static_cast<unsigned char>(buf[bad]);
        const uint32_t at_line = line + static_cast<uint32_t>(std::count(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(bad), '\n'));
        throw Error(at(path, at_line,
                       "invalid UTF-8 at byte offset " + std::to_string(before + bad) + " (byte 0x" + kHex[byte >> 4] +
                           kHex[byte & 15] + "); convert the file to UTF-8 (e.g. iconv -f cp1252 -t utf-8)"));
      }
      checked = complete;
    }
    const std::string_view text = std::string_view(buf).substr(0, checked);
    const size_t used = format == Format::kFastText ? detail::parse_fasttext_chunk(f, path, text, line, final)
                        : format == Format::kCsv    ? detail::parse_csv_chunk(t, path, text, delimiter, line, final)
                                                    : detail::parse_tsv_chunk(t, path, text, line, final);
    after_chunk();
    if (final) break;
    before += used;
    checked -= used;
    buf.erase(0, used);
    source.read(buf, detail::kChunkBytes);
  }
}

// The first chunk of a data source: the bytes after the byte order mark and any leading line
// ends... kept; returns the BOM's length (buf starts after it).
size_t first_chunk(detail::ByteSource& source, std::string& buf) {
  source.read(buf, detail::kChunkBytes);
  const size_t bom = detail::bom_length(buf);
  while (!source.eof() && buf.find_first_not_of("\r\n", bom) == std::string::npos) source.read(buf, detail::kChunkBytes);
  return bom;
}

// A first pass over a CSV/TSV file (the streamed path's, when the column rules need every row):
// the column statistics of its data rows; the same checks and errors as the reading proper.
ColumnStats column_stats(const std::string& file, const std::string& path, Format format, char delimiter,
                         bool header) {
  detail::ByteSource source(file);
  std::string buf;
  const size_t bom = first_chunk(source, buf);
  buf.erase(0, bom);
  Table t;
  FastTextLines f;
  ColumnStats st;
  const size_t first = header ? 1 : 0;
  parse_chunks(path, source, buf, bom, format, delimiter, t, f, [&] {
    if (t.rows() <= first) return;
    st.add(t, first);
    t.truncate(first * t.columns);
    t.lines.resize(first);
  });
  st.add(t, first);  // every column counted, rows or not
  return st;
}

}  // namespace

uint64_t Dataset::text_bytes() const {
  if (records) return record_text_bytes;
  if (spool) return spool->bytes();
  uint64_t n = 0;
  for (const auto& t : texts) n += t.size();
  return n;
}

size_t Dataset::class_of(size_t row) const {
  if (kind == LabelKind::kBinary) return target(row, 0);
  if (kind == LabelKind::kMultiClass) {
    for (size_t k = 0; k < outputs(); ++k)
      if (target(row, k)) return k;
  }
  throw std::logic_error("Dataset::class_of: row " + std::to_string(row) + " has no single class");
}

Dataset read_dataset(const std::string& file, const ReaderOptions& options) {
  // "-": standard input, read once into memory (the format is sniffed from those bytes) and
  // named "stdin" in messages and in the summary.
  const std::string path = file == "-" ? "stdin" : file;
  Dataset d;
  d.path = path;
  DataSummary& s = d.summary;
  s.file = base_name(path);
  // The file is read in chunks of kChunkBytes: the format and delimiter are sniffed from the
  // first chunk (its complete lines), then each chunk is checked as UTF-8 (its complete lines:
  // a chunk may end inside a character) and its complete records parsed.
  detail::ByteSource source(file);
  std::string buf;
  const size_t bom = first_chunk(source, buf);
  if (buf.compare(0, 8, "TTXTMODL") == 0) {
    throw Error(at(path, 0, "this is a tinytext model file, not data; give a CSV, TSV or fastText file (a "
                            "command that takes both wants the model first: tinytext eval MODEL DATA)"));
  }
  if (buf.find_first_not_of("\r\n", bom) == std::string::npos) {
    throw Error(at(path, 1, std::string("the file is empty; expected ") +
                                (options.header ? "a header line and examples" : "examples")));
  }
  buf.erase(0, bom);
  Format format = options.format;
  char delimiter = options.delimiter;
  {
    const size_t complete = source.eof() ? buf.size() : buf.rfind('\n') + 1;
    const std::string_view text = std::string_view(buf).substr(0, complete ? complete : buf.size());
    if (format == Format::kAuto) {
      format = format_from_name(path, text, delimiter != 0, &s.format_rule);
      if (format == Format::kCsv && !delimiter) {
        const detail::Sniffed sn = detail::sniff_delimiter(text);
        // A tab from a name that says neither csv nor tsv: TSV, as before (no quoting).
        if (sn.delimiter == '\t' && s.format_rule == "sniffed from the first records") format = Format::kTsv;
        delimiter = sn.delimiter;
        s.delimiter_rule = sn.rule;
        if (sn.ambiguous) s.warnings.push_back("the delimiter is a guess: " + sn.rule);
      }
    } else {
      s.format_rule = "--format";
    }
    if (format == Format::kCsv) {
      if (!delimiter) {
        const detail::Sniffed sn = detail::sniff_delimiter(text);
        delimiter = sn.delimiter;
        s.delimiter_rule = sn.rule;
        if (sn.ambiguous) s.warnings.push_back("the delimiter is a guess: " + sn.rule);
      } else if (s.delimiter_rule.empty()) {
        s.delimiter_rule = "--delimiter";
      }
      s.delimiter = delimiter == '\t' ? "tab" : std::string(1, delimiter);
    }
  }
  s.format = format_name(format);
  s.header = options.header;

  Table t;
  FastTextLines f;
  // Beyond options.text_memory bytes of text, the texts go to a spool as they are read: the
  // text column must be known from the first record for that (text_by_name), else read_table
  // spools them once every row is read.
  std::shared_ptr<TextSpool> spool;
  const bool fasttext = format == Format::kFastText;
  size_t text_col = SIZE_MAX;  // csv/tsv: the text column, when known from the first record
  bool decided = fasttext;
  size_t seen = fasttext || !options.header ? 0 : 1;  // the rows whose texts were counted or spooled
  uint64_t held = 0;  // their bytes, before spooling
  // Beyond the budget, with the label columns known from the header too (always for fastText):
  // every row goes to a record as it is parsed (the streamed form, data/streamed.h).
  std::unique_ptr<detail::RowStream> stream;
  std::vector<size_t> label_cols;
  bool labels_known = fasttext && options.require_labels;
  const size_t first_row = fasttext || !options.header ? 0 : 1;
  const auto spool_texts = [&] {
    if (options.text_memory == UINT64_MAX) return;
    if (stream) {
      if (fasttext)
        stream->add_lines(f);
      else
        stream->add_rows(t, first_row);
      return;
    }
    if (!decided) {
      if (t.rows() == 0) return;
      decided = true;
      try {
        DataSummary scratch;
        size_t c = 0;
        const Columns cols(path, t, options.header);
        if (text_by_name(cols, options, scratch, &c)) {
          text_col = c;
          labels_known = detail::labels_from_header(cols, c, options, &label_cols);
        }
      } catch (const Error&) {
        // read_table gives the error
      }
      struct stat st {};
      if (!labels_known && options.require_labels && file != "-" && ::stat(file.c_str(), &st) == 0 &&
          static_cast<uint64_t>(st.st_size) > options.text_memory) {
        // The column rules read every row: a first pass over the file decides them (the file is
        // larger than the budget, so its text may be too).
        try {
          const Columns cols(path, t, options.header);
          const ColumnStats stats = column_stats(file, path, format, delimiter, options.header);
          DataSummary scratch;
          const size_t text = detail::pick_text(cols, stats, options, scratch);
          std::vector<size_t> labels = detail::pick_labels(path, cols, stats, text, options, scratch);
          if (!labels.empty() && std::find(labels.begin(), labels.end(), text) == labels.end()) {
            text_col = text;
            label_cols = std::move(labels);
            labels_known = true;
          }
        } catch (const Error&) {
          // a column choice the reading proper refuses, or bad bytes it reports
        }
      }
    }
    if (!fasttext && text_col == SIZE_MAX) return;
    const size_t rows = fasttext ? f.texts.size() : t.rows();
    size_t from = seen;  // the first row whose text goes to the spool now
    if (!spool) {
      for (size_t r = seen; r < rows; ++r) held += fasttext ? f.texts[r].size() : t.cell(r, text_col).size();
      seen = rows;
      if (held <= options.text_memory) return;
      if (labels_known) {
        if (fasttext) {
          stream = std::make_unique<detail::RowStream>(path, options);
          stream->add_lines(f);
        } else {
          stream = std::make_unique<detail::RowStream>(path, Columns(path, t, options.header), text_col, label_cols,
                                                       options);
          stream->add_rows(t, first_row);
        }
        return;
      }
      spool = std::make_shared<TextSpool>(path);
      from = fasttext || !options.header ? 0 : 1;
    }
    if (fasttext) {
      for (size_t r = from; r < rows; ++r) {
        spool->append(f.texts[r]);
        std::string().swap(f.texts[r]);
      }
    } else {
      // The rows from `from` on, written again without their texts' bytes.
      std::vector<std::string> rest;
      for (size_t i = from * t.columns; i < t.cell_count(); ++i) {
        if (i % t.columns == text_col)
          spool->append(t.cell_at(i));
        else
          rest.emplace_back(t.cell_at(i));
      }
      t.truncate(from * t.columns);
      for (size_t r = from, k = 0; r < rows; ++r)
        for (size_t c = 0; c < t.columns; ++c) t.add(c == text_col ? std::string_view() : std::string_view(rest[k++]));
    }
    seen = rows;
  };
  parse_chunks(path, source, buf, bom, format, delimiter, t, f, spool_texts);
  buf = std::string();
  if (spool) spool->finish();
  if (stream) {
    if (fasttext)
      stream->finish_fasttext(d);
    else
      stream->finish_table(d, t);
    stream.reset();
  } else if (format == Format::kFastText) {
    read_fasttext(d, f, options, std::move(spool));
  } else {
    read_table(d, t, options, std::move(spool));
  }
  t = Table();  // the summary's pass below holds its own per-row array
  f = FastTextLines();
  finish_summary(d, options);
  return d;
}

Dataset read_rows(const std::string& name, size_t columns, std::vector<std::string> cells, const ReaderOptions& options) {
  if (columns == 0 || cells.size() % columns != 0)
    throw std::logic_error("read_rows: " + std::to_string(cells.size()) + " cells for " + std::to_string(columns) +
                           " columns");
  Dataset d;
  d.path = name;
  DataSummary& s = d.summary;
  s.file = name;
  s.format = "rows";
  s.format_rule = "rows in memory";
  s.header = options.header;
  Table t;
  t.columns = columns;
  for (std::string& c : cells) {
    t.add(c);
    std::string().swap(c);
  }
  cells = std::vector<std::string>();
  // Line numbers: 0 for the header (messages then name no line), r for the r-th row after it.
  const size_t first = options.header ? 1 : 0;
  for (size_t r = 0; r < t.cell_count() / columns; ++r) t.lines.push_back(static_cast<uint32_t>(r + 1 - first));
  for (size_t i = 0; i < t.cell_count(); ++i) {
    const std::string_view c = t.cell_at(i);
    const size_t bad = utf8_invalid_at(c.data(), c.size());
    if (bad != c.size())
      throw Error(at(name, t.lines[i / columns],
                     "invalid UTF-8 at byte " + std::to_string(bad) + " of column " + std::to_string(i % columns + 1)));
  }
  read_table(d, t, options, nullptr);
  finish_summary(d, options);
  return d;
}

Dataset held_form(const Dataset& d) {
  Dataset h = d;
  h.records.reset();
  h.id_targets.clear();
  h.skip_id.clear();
  h.record_rows = h.record_text_bytes = 0;
  h.first_line = 0;
  auto spool = std::make_shared<TextSpool>(d.path);
  const size_t K = d.outputs();
  h.targets.reserve(d.size() * K);
  h.lines.reserve(d.size());
  d.for_each_row([&](size_t, uint32_t line, const uint8_t* y, std::string_view text) {
    spool->append(text);
    h.targets.insert(h.targets.end(), y, y + K);
    h.lines.push_back(line);
  });
  spool->finish();
  h.spool = std::move(spool);
  return h;
}

}  // namespace tt::data
