// Minimal JSON string helpers: quoting any byte string (UTF-8 passes through, control bytes are
// escaped) and reading back one JSON string literal.
#pragma once

#include <string>

namespace tt {

// `s` as a JSON string literal, quotes included.
std::string json_quote(const std::string& s);

// Decodes the JSON string literal at the start of `in` (surrogate pairs become one UTF-8
// sequence). Throws tt::Error when it is not a valid literal.
std::string json_unquote(const std::string& in);

}  // namespace tt
