// Host side of the USB HID keyboard: layouts by name, text -> boot reports (with optional typos
// corrected by Backspace), and reports -> text through the device decoder (tinytext/hid.h).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "tinytext/hid.h"

namespace tt::hid {

// One boot-protocol report: modifiers, reserved, six key codes.
using Report = std::array<uint8_t, kHidReportSize>;

// "us", "uk", "de"; nullptr for any other name.
const HidLayout* layout_by_name(std::string_view name);
// The names layout_by_name() knows, for --help: "us, uk, de".
const char* layout_names();

// A text the layout cannot type (or that is not valid UTF-8). offset: byte offset in the text.
class EncodeError : public Error {
 public:
  EncodeError(size_t offset, const std::string& what) : Error(what), offset_(offset) {}
  size_t offset() const { return offset_; }

 private:
  size_t offset_;
};

struct EncodeOptions {
  // Before each character typed on the main block (letters, digits, punctuation), with this
  // probability, first type a neighbouring key on the same row (with the same modifiers) and
  // then Backspace.
  double typo_rate = 0.0;
  // The same seed gives the same reports everywhere: tt::SplitMix64(seed); per character
  // on the main block, u = (next() >> 11) * 2^-53 and a typo when u < typo_rate; the typo's side
  // is next() & 1 (0: left neighbour), the other side if that key types no text.
  uint64_t seed = 0;
};

// The reports a keyboard sends to type `utf8`: per character a press report (the key, with left
// Shift or right Alt (AltGr) as needed) and an all-zero release report. '\n' is Enter (the
// decoder's End-of-message), '\t' is Tab. Caps Lock is never used. Throws EncodeError for a
// character the layout cannot type, '\r', other control characters and invalid UTF-8.
std::vector<Report> encode_text(std::string_view utf8, const HidLayout& layout, const EncodeOptions& options = {});

// `utf8` with every character the layout cannot type removed (invalid UTF-8 bytes count as such
// characters); what encode_text() accepts.
std::string keep_typeable(std::string_view utf8, const HidLayout& layout);

// Whether the layout can type this Unicode code point.
bool can_type(uint32_t code_point, const HidLayout& layout);

struct DecodeStats {
  uint64_t reports = 0;      // reports fed to the decoder
  uint64_t rollover = 0;     // ErrorRollOver (phantom) reports, ignored
  uint64_t backspaces = 0;   // Backspace events
  uint64_t ends = 0;         // End-of-message events
};

// Decodes reports with a fresh HidKeyboard and applies Backspace as a text field does (it erases
// the last UTF-8 character; on an empty message it does nothing). Returns one message per
// End-of-message (Enter, keypad Enter; empty ones included), then the unterminated rest if it is
// not empty.
std::vector<std::string> decode_reports(const std::vector<Report>& reports, const HidLayout& layout,
                                        DecodeStats* stats = nullptr);

// Erases the last UTF-8 character of `text` (no-op when empty); what Backspace does.
void erase_last_char(std::string& text);

}  // namespace tt::hid
