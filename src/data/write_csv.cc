#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string_view>

#include "common/error.h"
#include "common/file.h"
#include "data/dataset.h"

namespace tt::data {

namespace {

void append_field(std::string& out, std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += s;
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

std::string format_csv(const Dataset& d, const std::vector<size_t>& rows) {
  for (size_t r : rows)
    if (r >= d.size())
      throw std::out_of_range("write_csv: row " + std::to_string(r) + " of " + std::to_string(d.size()));
  const bool multiclass = d.kind == LabelKind::kMultiClass;
  std::string out;
  append_field(out, "text");
  if (multiclass) {
    out += ",label";
  } else {
    for (const auto& name : d.label_names) {
      out += ',';
      append_field(out, name);
    }
  }
  out += '\n';
  for (size_t r : rows) {
    append_field(out, d.texts[r]);
    if (multiclass) {
      out += ',';
      append_field(out, d.label_names[d.class_of(r)]);
    } else {
      for (size_t k = 0; k < d.outputs(); ++k) out += d.target(r, k) ? ",1" : ",0";
    }
    out += '\n';
  }

  return out;
}

void write_csv(const std::string& path, const Dataset& d, const std::vector<size_t>& rows) {
  write_file_atomic(path, format_csv(d, rows));
}

}  // namespace tt::data
