// Minimal JSON output helpers for --json: string escaping and shortest round-trip numbers.
#pragma once

#include <string>

namespace tt::eval {

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

}  // namespace tt::eval
