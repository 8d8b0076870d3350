// USB HID boot-protocol keyboard decoder, and an editing layer that makes Backspace exact for a
// streaming classifier.
//
// Freestanding C++11: only "config.h" (<stdint.h>, <stddef.h>); no heap, exceptions, RTTI, float or
// mutable statics. Every table read goes through TT_READ_BYTE so the tables can live in PROGMEM.
//
// Input
//   * Boot reports, 8 bytes: modifier bitmap, reserved, six key codes (hid_feed_report).
//   * Press events (code, modifiers), as Arduino's USBHost KeyboardController::OnKeyDown gives
//     them (hid_feed_press).
//   A press is a code present in a report and absent from the previous one; a key held over many
//   reports is one press. A report with an error code (0x01 ErrorRollOver, 0x02 POSTFail,
//   0x03 ErrorUndefined) in any key slot is ignored entirely: nothing is decoded and the
//   previous-report memory keeps the last good report. Codes outside the layout tables, and
//   codes whose table entry is empty (F-keys, arrows, Escape, ...), are skipped.
//
// Output: events (HidEvent) of three kinds: a text byte, Backspace, End-of-message (Enter and
//   keypad Enter). Text is UTF-8: ASCII keys give one byte; the layouts' non-ASCII characters
//   (£ ¬ ¦ on UK; ß ä ö ü Ä Ö Ü § ° ´ ² ³ µ € on DE) give their 2- or 3-byte UTF-8 sequence, one
//   event per byte, so the byte tokenizer keeps them inside a word (it treats bytes >= 0x80 as
//   word bytes). Tables store one byte per character: 0x20..0x7E ASCII, 0xA0..0xFF the Latin-1
//   code point, 0x80 the euro sign (as in cp1252); 0x08 Backspace, 0x09 Tab, 0x0A End; 0 nothing.
//
// Modifiers
//   * Either Shift selects the shifted character. Caps Lock toggles on each press (whatever the
//     modifiers) and swaps Shift for letters only: keys whose unshifted character is a lower-case
//     letter (a-z, and à-þ such as ä ö ü) with the upper-case letter on Shift. Caps Lock starts
//     off; this decoder does not drive the keyboard's LEDs.
//   * Any Ctrl, GUI or left Alt held: the key gives nothing (chords are commands, not text;
//     that includes Ctrl+Backspace and Ctrl+Enter).
//   * Right Alt is AltGr on layouts with an AltGr table (UK, DE): it selects that table and Shift
//     is ignored; a key with no AltGr character gives nothing. On US, right Alt is plain Alt.
//   * Keypad: NumLock is taken as always on (the NumLock key is ignored, not tracked), because a
//     host-side decoder does not own the LED state and most hosts boot with NumLock on. Keypad
//     keys give their digit or operator with or without Shift; the keypad decimal key is '.' on
//     US/UK and ',' on DE, as on those hosts.
//   * Dead keys: none. DE '^', '´' and '`' are emitted at once (like xkb "de(nodeadkeys)").
#ifndef TINYTEXT_HID_H
#define TINYTEXT_HID_H

#include "config.h"
#include "pgm.h"  // TT_READ_BYTE, TT_PROGMEM: every table read goes through it

namespace tt {

// Usage IDs (HID Usage Tables, page 0x07) and modifier bits that the decoder treats specially.
enum HidKey {
  kHidKeyErrorRollOver = 0x01,
  kHidKeyErrorUndefined = 0x03,  // 0x01..0x03 are the error codes
  kHidKeyCapsLock = 0x39
};
enum HidMod {
  kHidModLeftCtrl = 0x01,
  kHidModLeftShift = 0x02,
  kHidModLeftAlt = 0x04,
  kHidModLeftGui = 0x08,
  kHidModRightCtrl = 0x10,
  kHidModRightShift = 0x20,
  kHidModRightAlt = 0x40,  // AltGr on layouts that have it
  kHidModRightGui = 0x80
};

static const uint8_t kHidReportSize = 8;          // boot protocol keyboard report
static const uint8_t kHidTableSize = 0x65;        // usage IDs 0x00..0x64 (0x64: ISO key left of Z)
static const uint8_t kHidMaxEventsPerKey = 3;     // the euro sign: E2 82 AC
static const uint8_t kHidMaxEventsPerReport = 18; // six new keys

enum HidEventKind { kHidText = 0, kHidBackspace = 1, kHidEnd = 2 };

struct HidEvent {
  uint8_t kind;  // HidEventKind
  uint8_t byte;  // the text byte for kHidText, else 0
};

// A keyboard layout: three tables of kHidTableSize bytes, indexed by usage ID (see the top of
// this file for the byte encoding). Read them only through hid_layout_char().
struct HidLayout {
  const uint8_t* normal;
  const uint8_t* shift;
  const uint8_t* altgr;  // NULL: the layout has no AltGr and right Alt is plain Alt
};

// Per-keyboard state: the previous report's key slots, Caps Lock, the layout: 7 bytes + a pointer.
struct HidKeyboard {
  const HidLayout* layout;
  uint8_t prev[6];
  uint8_t caps;
};

enum HidPlane { kHidPlaneNormal = 0, kHidPlaneShift = 1, kHidPlaneAltGr = 2 };

// Table byte for (code, plane); 0 when the code is out of range or the layout has no such plane.
inline uint8_t hid_layout_char(const HidLayout& layout, uint8_t code, uint8_t plane) {
  if (code >= kHidTableSize) return 0;
  const uint8_t* table = plane == kHidPlaneNormal  ? layout.normal
                         : plane == kHidPlaneShift ? layout.shift
                         : plane == kHidPlaneAltGr ? layout.altgr
                                                   : (const uint8_t*)0;
  if (table == 0) return 0;
  return TT_READ_BYTE(table + code);
}

// True when Caps Lock swaps Shift for a key with these normal/shifted table bytes.
inline bool hid_caps_affects(uint8_t normal, uint8_t shifted) {
  bool lower = (normal >= 'a' && normal <= 'z') || (normal >= 0xE0u && normal <= 0xFEu && normal != 0xF7u);
  return lower && shifted == (uint8_t)(normal - 0x20u);
}

// Events for one table byte; returns how many were written to out (at most kHidMaxEventsPerKey).
inline uint8_t hid_char_events(uint8_t c, HidEvent* out) {
  if (c == 0x08u) {
    out[0].kind = kHidBackspace;
    out[0].byte = 0;
    return 1;
  }
  if (c == 0x0Au) {
    out[0].kind = kHidEnd;
    out[0].byte = 0;
    return 1;
  }
  if (c == 0x09u || (c >= 0x20u && c <= 0x7Eu)) {
    out[0].kind = kHidText;
    out[0].byte = c;
    return 1;
  }
  if (c == 0x80u) {  // euro sign U+20AC
    out[0].kind = out[1].kind = out[2].kind = kHidText;
    out[0].byte = 0xE2u;
    out[1].byte = 0x82u;
    out[2].byte = 0xACu;
    return 3;
  }
  if (c >= 0xA0u) {  // Latin-1 U+00A0..U+00FF
    out[0].kind = out[1].kind = kHidText;
    out[0].byte = (uint8_t)(0xC0u | ((unsigned)c >> 6));
    out[1].byte = (uint8_t)(0x80u | (c & 0x3Fu));
    return 2;
  }
  return 0;  // 0, other control bytes, 0x81..0x9F: nothing
}

inline void hid_keyboard_init(HidKeyboard& kb, const HidLayout* layout) {
  TT_ASSERT(layout != 0);
  kb.layout = layout;
  for (uint8_t i = 0; i < 6; ++i) kb.prev[i] = 0;
  kb.caps = 0;
}

// Table byte a press of `code` with modifiers `mods` types (0: nothing). Updates Caps Lock.
inline uint8_t hid_press_char(HidKeyboard& kb, uint8_t code, uint8_t mods) {
  TT_ASSERT(kb.layout != 0);
  if (code == kHidKeyCapsLock) {
    kb.caps = (uint8_t)(kb.caps ^ 1u);
    return 0;
  }
  const HidLayout& layout = *kb.layout;
  if (mods & (kHidModLeftCtrl | kHidModRightCtrl | kHidModLeftGui | kHidModRightGui | kHidModLeftAlt)) return 0;
  if (mods & kHidModRightAlt) return hid_layout_char(layout, code, kHidPlaneAltGr);
  uint8_t normal = hid_layout_char(layout, code, kHidPlaneNormal);
  uint8_t shifted = hid_layout_char(layout, code, kHidPlaneShift);
  bool shift = (mods & (kHidModLeftShift | kHidModRightShift)) != 0;
  if (kb.caps && hid_caps_affects(normal, shifted)) shift = !shift;
  return shift ? shifted : normal;
}

// One press event (Arduino KeyboardController::OnKeyDown(mod, key)). Writes at most
// kHidMaxEventsPerKey events; *count gets how many. Does not touch the previous-report memory.
TT_NODISCARD inline Status hid_feed_press(HidKeyboard& kb, uint8_t code, uint8_t mods, HidEvent* out,
                                          size_t cap, uint8_t* count) {
  TT_VERIFY(out != 0 && count != 0 && cap >= kHidMaxEventsPerKey, kBadArgument);
  *count = hid_char_events(hid_press_char(kb, code, mods), out);
  return kOk;
}

// True when a boot report carries an error code (0x01..0x03) in a key slot: a phantom state
// (ErrorRollOver: too many keys held) that the decoder ignores. `report` has kHidReportSize bytes.
inline bool hid_is_error_report(const uint8_t* report) {
  for (uint8_t i = 2; i < kHidReportSize; ++i) {
    if (report[i] >= kHidKeyErrorRollOver && report[i] <= kHidKeyErrorUndefined) return true;
  }
  return false;
}

// One boot report of `len` bytes (must be kHidReportSize: else kBadSize and nothing changes).
// `cap` must be at least kHidMaxEventsPerReport (else kOverflow and nothing changes); *count
// gets the number of events written. ErrorRollOver reports return kOk with no events.
TT_NODISCARD inline Status hid_feed_report(HidKeyboard& kb, const uint8_t* report, size_t len, HidEvent* out,
                                           size_t cap, uint8_t* count) {
  TT_VERIFY(count != 0, kBadArgument);
  *count = 0;
  TT_VERIFY(report != 0 && len == kHidReportSize, kBadSize);
  TT_VERIFY(out != 0 && cap >= kHidMaxEventsPerReport, kOverflow);
  if (hid_is_error_report(report)) return kOk;
  const uint8_t* keys = report + 2;
  uint8_t n = 0;
  for (uint8_t i = 0; i < 6; ++i) {
    uint8_t code = keys[i];
    if (code == 0) continue;
    bool seen = false;
    for (uint8_t j = 0; j < i; ++j) seen = seen || keys[j] == code;  // duplicate slot
    for (uint8_t j = 0; j < 6; ++j) seen = seen || kb.prev[j] == code;  // held
    if (seen) continue;
    n = (uint8_t)(n + hid_char_events(hid_press_char(kb, code, report[0]), out + n));
  }
  for (uint8_t i = 0; i < 6; ++i) kb.prev[i] = keys[i];
  *count = n;
  return kOk;
}

// ---------------------------------------------------------------------------------------------
// Layouts. Template static members give one copy of each table per program (C++11 has no inline
// variables); hid_layout_us() etc. return them.
namespace detail {

template <int Unused>
struct HidTables {
  static const uint8_t us_normal[kHidTableSize];
  static const uint8_t us_shift[kHidTableSize];
  static const uint8_t uk_normal[kHidTableSize];
  static const uint8_t uk_shift[kHidTableSize];
  static const uint8_t uk_altgr[kHidTableSize];
  static const uint8_t de_normal[kHidTableSize];
  static const uint8_t de_shift[kHidTableSize];
  static const uint8_t de_altgr[kHidTableSize];
  static const HidLayout us;
  static const HidLayout uk;
  static const HidLayout de;
};

// Rows shared by every layout: 0x39..0x53 (Caps Lock, F1-F12, navigation, NumLock) type nothing.
#define TT_HID_ROW_NONE_27 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
#define TT_HID_ROW_NONE_16 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
// Keypad 0x54..0x63 with NumLock on; the last entry is the decimal key.
#define TT_HID_KEYPAD(dec) '/', '*', '-', '+', '\n', '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', dec
#define TT_HID_LETTERS_LOWER(y, z)                                                                   \
  'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', \
      'u', 'v', 'w', 'x', y, z
#define TT_HID_LETTERS_UPPER(y, z)                                                                   \
  'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T', \
      'U', 'V', 'W', 'X', y, z
// 0x1E..0x2C unshifted: the digit row, then Enter, Esc (types nothing), Backspace, Tab, Space.
#define TT_HID_DIGITS_ENTER_SPACE '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '\n', 0, 0x08, '\t', ' '
// 0x28..0x2C with a modifier held: Enter, Esc, Backspace, Tab and Space type as unshifted.
#define TT_HID_ENTER_SPACE '\n', 0, 0x08, '\t', ' '

// Layout of each table, by usage ID:
//   0x00-0x03 nothing | 0x04-0x1D letters | 0x1E-0x27 digit row | 0x28 Enter, 0x29 Esc,
//   0x2A Backspace, 0x2B Tab, 0x2C Space | 0x2D-0x38 punctuation | 0x39-0x53 nothing |
//   0x54-0x63 keypad | 0x64 ISO key left of Z.

// US and UK share the QWERTY tables but for the keys named in the arguments: the key at 0x31 and
// 0x32 (both usages type the same), and shifted 2, 3, the quote key and the grave key.
#define TT_HID_QWERTY_NORMAL(k31)                                                                    \
  0, 0, 0, 0, TT_HID_LETTERS_LOWER('y', 'z'), TT_HID_DIGITS_ENTER_SPACE, '-', '=', '[', ']', k31, k31, ';', '\'', \
      '`', ',', '.', '/', TT_HID_ROW_NONE_27, TT_HID_KEYPAD('.'), '\\'
#define TT_HID_QWERTY_SHIFT(s2, s3, k31, quote, grave)                                                       \
  0, 0, 0, 0, TT_HID_LETTERS_UPPER('Y', 'Z'), '!', s2, s3, '$', '%', '^', '&', '*', '(', ')', TT_HID_ENTER_SPACE, \
      '_', '+', '{', '}', k31, k31, ':', quote, grave, '<', '>', '?', TT_HID_ROW_NONE_27, TT_HID_KEYPAD('.'), '|'

// US (ANSI; 0x32 and 0x64 repeat \ |, as Linux and Windows map them on a US layout).
template <int U>
const uint8_t HidTables<U>::us_normal[kHidTableSize] TT_PROGMEM = {TT_HID_QWERTY_NORMAL('\\')};
template <int U>
const uint8_t HidTables<U>::us_shift[kHidTableSize] TT_PROGMEM = {TT_HID_QWERTY_SHIFT('@', '#', '|', '"', '~')};

// UK (ISO; 0x31 repeats the # ~ key as xkb "gb" does). AltGr: 4 -> euro, ` -> broken bar.
template <int U>
const uint8_t HidTables<U>::uk_normal[kHidTableSize] TT_PROGMEM = {TT_HID_QWERTY_NORMAL('#')};
template <int U>
const uint8_t HidTables<U>::uk_shift[kHidTableSize] TT_PROGMEM = {
    TT_HID_QWERTY_SHIFT('"', 0xA3 /* £ */, '~', '@', 0xAC /* ¬ */)};
template <int U>
const uint8_t HidTables<U>::uk_altgr[kHidTableSize] TT_PROGMEM = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0x80 /* € */, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xA6 /* ¦ */, 0, 0, 0,
    TT_HID_ROW_NONE_27, TT_HID_ROW_NONE_16, 0};

// German (QWERTZ, ISO; 0x31 repeats # '). AltGr: q @, e €, m µ, 2 ², 3 ³, 7 {, 8 [, 9 ], 0 },
// ß \, + ~, < |.
template <int U>
const uint8_t HidTables<U>::de_normal[kHidTableSize] TT_PROGMEM = {
    0, 0, 0, 0, TT_HID_LETTERS_LOWER('z', 'y'),
    TT_HID_DIGITS_ENTER_SPACE, 0xDF /* ß */, 0xB4 /* ´ */, 0xFC /* ü */, '+', '#', '#', 0xF6 /* ö */,
    0xE4 /* ä */, '^', ',', '.', '-',
    TT_HID_ROW_NONE_27, TT_HID_KEYPAD(','), '<'};
template <int U>
const uint8_t HidTables<U>::de_shift[kHidTableSize] TT_PROGMEM = {
    0, 0, 0, 0, TT_HID_LETTERS_UPPER('Z', 'Y'),
    '!', '"', 0xA7 /* § */, '$', '%', '&', '/', '(', ')', '=',
    TT_HID_ENTER_SPACE, '?', '`', 0xDC /* Ü */, '*', '\'', '\'', 0xD6 /* Ö */,
    0xC4 /* Ä */, 0xB0 /* ° */, ';', ':', '_',
    TT_HID_ROW_NONE_27, TT_HID_KEYPAD(','), '>'};
template <int U>
const uint8_t HidTables<U>::de_altgr[kHidTableSize] TT_PROGMEM = {
    0, 0, 0, 0,
    0, 0, 0, 0, 0x80 /* e: € */, 0, 0, 0, 0, 0, 0, 0, 0xB5 /* m: µ */, 0, 0, 0, '@' /* q */, 0, 0, 0,
    0, 0, 0, 0, 0, 0,
    0, 0xB2 /* ² */, 0xB3 /* ³ */, 0, 0, 0, '{', '[', ']', '}',
    0, 0, 0, 0, 0, '\\' /* ß */, 0, 0, '~' /* + */, 0, 0, 0, 0, 0, 0, 0, 0,
    TT_HID_ROW_NONE_27, TT_HID_ROW_NONE_16, '|'};

#undef TT_HID_ROW_NONE_27
#undef TT_HID_ROW_NONE_16
#undef TT_HID_KEYPAD
#undef TT_HID_LETTERS_LOWER
#undef TT_HID_LETTERS_UPPER
#undef TT_HID_DIGITS_ENTER_SPACE
#undef TT_HID_ENTER_SPACE
#undef TT_HID_QWERTY_NORMAL
#undef TT_HID_QWERTY_SHIFT

template <int U>
const HidLayout HidTables<U>::us = {HidTables<U>::us_normal, HidTables<U>::us_shift, 0};
template <int U>
const HidLayout HidTables<U>::uk = {HidTables<U>::uk_normal, HidTables<U>::uk_shift, HidTables<U>::uk_altgr};
template <int U>
const HidLayout HidTables<U>::de = {HidTables<U>::de_normal, HidTables<U>::de_shift, HidTables<U>::de_altgr};

}  // namespace detail

inline const HidLayout* hid_layout_us() { return &detail::HidTables<0>::us; }
inline const HidLayout* hid_layout_uk() { return &detail::HidTables<0>::uk; }
inline const HidLayout* hid_layout_de() { return &detail::HidTables<0>::de; }

// ---------------------------------------------------------------------------------------------
// HidEditor: an editing layer between the decoder and a streaming classifier, so that Backspace
// is exact. Classifier needs reset(), push(uint8_t) and copy assignment.
//
// It keeps `committed` (the classifier after every byte that can no longer be erased), a ring
// buffer of the last N bytes, and `current` = committed + the buffer replayed. A byte push that
// finds the buffer full first commits the oldest buffered byte. Backspace drops the newest
// character (a whole UTF-8 sequence, 1-3 bytes from the decoder) and replays the rest of the
// buffer onto a copy of `committed` (at most N - 1 pushes).
//
// Limit: the last N bytes of the text are always erasable. A byte that has once had N bytes
// after it is committed for good; a Backspace that would erase it (or part of its character)
// returns kOverflow, changes nothing and sets `inexact` (sticky until reset). Backspace on an
// empty text is a no-op (kOk).
// RAM: 2 * sizeof(Classifier) + N + 4 bytes (+ padding).
template <class Classifier, uint8_t N>
struct HidEditor {
  static_assert(N > 0, "HidEditor needs a buffer of at least one byte");

  Classifier committed;
  Classifier current;
  uint8_t buf[N];
  uint8_t head;       // index of the oldest buffered byte
  uint8_t len;        // buffered bytes
  uint8_t has_committed;
  uint8_t inexact;    // a Backspace was refused since reset()

  void reset() {
    committed.reset();
    current.reset();
    head = len = has_committed = inexact = 0;
  }

  void push(uint8_t b) {
    if (len == N) {
      committed.push(buf[head]);
      head = (uint8_t)(head + 1u == N ? 0u : head + 1u);
      --len;
      has_committed = 1;
    }
    buf[slot(len)] = b;
    ++len;
    current.push(b);
  }

  // Erases the last character: one UTF-8 sequence (a lead byte and its continuation bytes), as
  // a text field does.
  TT_NODISCARD Status backspace() {
    uint8_t k = 0;  // bytes to drop
    while (k < len && (newest(k) & 0xC0u) == 0x80u) ++k;
    if (k < len) {
      ++k;
    } else if (has_committed) {  // the character (or its lead byte) is committed
      inexact = 1;
      return kOverflow;
    }
    if (k == 0) return kOk;  // nothing typed: nothing to erase
    len = (uint8_t)(len - k);
    current = committed;
    for (uint8_t i = 0; i < len; ++i) current.push(at(i));
    return kOk;
  }

  // Buffered byte i (0 = oldest), and the i-th newest.
  uint8_t slot(uint8_t i) const {
    unsigned k = (unsigned)head + i;
    return (uint8_t)(k >= N ? k - N : k);
  }
  uint8_t at(uint8_t i) const { return buf[slot(i)]; }
  uint8_t newest(uint8_t i) const { return at((uint8_t)(len - 1u - i)); }

  // Applies one decoder event. *end is set when it was End-of-message: read `current`, then
  // reset() for the next message.
  TT_NODISCARD Status apply(const HidEvent& e, bool* end) {
    TT_VERIFY(end != 0, kBadArgument);
    *end = false;
    if (e.kind == kHidText) {
      push(e.byte);
      return kOk;
    }
    if (e.kind == kHidBackspace) return backspace();
    if (e.kind == kHidEnd) {
      *end = true;
      return kOk;
    }
    return kBadArgument;
  }
};

}  // namespace tt

#endif  // TINYTEXT_HID_H
