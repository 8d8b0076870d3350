// Minimal JSON helpers: string escaping and shortest round-trip numbers for --json output, and
// reading back one string literal (the golden vector files quote their inputs as JSON).
#pragma once

#include <string>

namespace tt {

// Appends s as a quoted JSON string. Escapes '"', '\\', every byte below 0x20 and 0x7F, and
// U+2028/U+2029 (legal JSON, but they end lines in JavaScript). Other valid UTF-8 passes through
// unchanged; each byte of an invalid UTF-8 sequence becomes \ufffd, so the output is always
// valid JSON in valid UTF-8.
void json_string(std::string& out, const std::string& s);
std::string json_quote(const std::string& s);

// The shortest decimal text that reads back (strtod / strtof) as exactly the same value;
// "null" for NaN and infinities, which JSON cannot represent.
std::string json_number(double v);
std::string json_number(float v);

// Decodes the JSON string literal at the start of `in` (a surrogate pair becomes one UTF-8
// sequence). Throws tt::Error when it is not a valid literal.
std::string json_unquote(const std::string& in);

}  // namespace tt
