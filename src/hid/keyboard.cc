#include "hid/keyboard.h"

#include <cstdio>

#include "common/rng.h"

namespace tt::hid {
namespace {

constexpr uint8_t kKeyBackspace = 0x2A;

struct Stroke {
  uint8_t code = 0;  // 0: the layout cannot type this table byte
  uint8_t mods = 0;
};

// Table byte -> the key and modifiers that type it, derived from the layout's own tables.
// Planes in order normal, Shift, AltGr; keys in order main block, ISO key, keypad: the first
// key found wins (so '1' is the digit row, not the keypad; Enter is the main Enter).
struct ReverseMap {
  std::array<Stroke, 256> of{};

  explicit ReverseMap(const HidLayout& layout) {
    std::vector<uint8_t> order;
    for (unsigned c = 0x04; c <= 0x38; ++c) order.push_back(static_cast<uint8_t>(c));
    order.push_back(0x64);
    for (unsigned c = 0x54; c <= 0x63; ++c) order.push_back(static_cast<uint8_t>(c));
    const uint8_t mods[3] = {0, kHidModLeftShift, kHidModRightAlt};
    for (uint8_t plane = 0; plane < 3; ++plane) {
      for (uint8_t code : order) {
        uint8_t b = hid_layout_char(layout, code, plane);
        if (b != 0 && of[b].code == 0) of[b] = Stroke{code, mods[plane]};
      }
    }
  }
};

// Physical rows of the main block (usage IDs), for typo neighbours.
constexpr uint8_t kRows[4][13] = {
    {0x35, 0x1E, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2D, 0x2E},
    {0x14, 0x1A, 0x08, 0x15, 0x17, 0x1C, 0x18, 0x0C, 0x12, 0x13, 0x2F, 0x30, 0},
    {0x04, 0x16, 0x07, 0x09, 0x0A, 0x0B, 0x0D, 0x0E, 0x0F, 0x33, 0x34, 0x32, 0},
    {0x64, 0x1D, 0x1B, 0x06, 0x19, 0x05, 0x11, 0x10, 0x36, 0x37, 0x38, 0, 0},
};

// The left (side 0) or right (side 1) neighbour of a main-block key; 0 if none.
uint8_t neighbour(uint8_t code, int side) {
  for (const auto& row : kRows) {
    for (int i = 0; i < 13 && row[i] != 0; ++i) {
      if (row[i] != code) continue;
      int j = side == 0 ? i - 1 : i + 1;
      return j >= 0 && j < 13 ? row[j] : 0;
    }
  }
  return 0;
}

// Decodes one UTF-8 character at text[i]; returns its length (0: invalid) and sets *cp.
size_t utf8_char(std::string_view text, size_t i, uint32_t* cp) {
  auto b = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  uint8_t c = b(i);
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
  if (n == 0 || i + n > text.size()) return 0;
  uint32_t v = c & (0x7Fu >> n);
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b(i + k) & 0x3Fu);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10FFFF)) || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return n;
}

// The table byte for a code point (see tinytext/hid.h), or 0 if tables cannot hold it.
uint8_t table_byte(uint32_t cp) {
  if (cp == '\t' || cp == '\n' || (cp >= 0x20 && cp <= 0x7E)) return static_cast<uint8_t>(cp);
  if (cp >= 0xA0 && cp <= 0xFF) return static_cast<uint8_t>(cp);
  if (cp == 0x20AC) return 0x80;
  return 0;
}

uint8_t plane_of(uint8_t mods) {
  if (mods & kHidModRightAlt) return kHidPlaneAltGr;
  return (mods & kHidModLeftShift) ? kHidPlaneShift : kHidPlaneNormal;
}

bool is_text_byte(uint8_t b) { return b == '\t' || (b >= 0x20 && b != 0x7F && !(b >= 0x81 && b <= 0x9F)); }

void type_key(std::vector<Report>& out, uint8_t code, uint8_t mods) {
  out.push_back(Report{mods, 0, code, 0, 0, 0, 0, 0});
  out.push_back(Report{});
}

std::string describe(uint32_t cp) {
  char buf[32];
  if (cp >= 0x20 && cp < 0x7F)
    std::snprintf(buf, sizeof buf, "'%c' (U+%04X)", static_cast<char>(cp), static_cast<unsigned>(cp));
  else
    std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

}  // namespace

const HidLayout* layout_by_name(std::string_view name) {
  if (name == "us") return hid_layout_us();
  if (name == "uk") return hid_layout_uk();
  if (name == "de") return hid_layout_de();
  return nullptr;
}

const char* layout_names() { return "us, uk, de"; }

bool can_type(uint32_t cp, const HidLayout& layout) {
  uint8_t b = table_byte(cp);
  return b != 0 && ReverseMap(layout).of[b].code != 0;
}

std::string keep_typeable(std::string_view text, const HidLayout& layout) {
  ReverseMap map(layout);
  std::string out;
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    size_t n = utf8_char(text, i, &cp);
    if (n == 0) {
      ++i;
      continue;
    }
    uint8_t b = table_byte(cp);
    if (b != 0 && map.of[b].code != 0) out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

std::vector<Report> encode_text(std::string_view text, const HidLayout& layout, const EncodeOptions& options) {
  ReverseMap map(layout);
  SplitMix64 rng(options.seed);
  std::vector<Report> out;
  out.reserve(text.size() * 2);
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    size_t n = utf8_char(text, i, &cp);
    if (n == 0) throw EncodeError(i, "byte offset " + std::to_string(i) + ": invalid UTF-8");
    uint8_t b = table_byte(cp);
    Stroke s = b ? map.of[b] : Stroke{};
    if (s.code == 0) {
      throw EncodeError(i, "byte offset " + std::to_string(i) + ": " + describe(cp) +
                               " cannot be typed on this layout (keep_typeable() drops such characters)");
    }
    if (options.typo_rate > 0 && (neighbour(s.code, 0) != 0 || neighbour(s.code, 1) != 0) &&
        static_cast<double>(rng.next() >> 11) * 0x1.0p-53 < options.typo_rate) {
      int side = static_cast<int>(rng.next() & 1);
      for (int k = 0; k < 2; ++k, side ^= 1) {
        uint8_t wrong = neighbour(s.code, side);
        if (wrong != 0 && is_text_byte(hid_layout_char(layout, wrong, plane_of(s.mods)))) {
          type_key(out, wrong, s.mods);
          type_key(out, kKeyBackspace, 0);
          break;
        }
      }
    }
    type_key(out, s.code, s.mods);
    i += n;
  }
  return out;
}

void erase_last_char(std::string& text) {
  while (!text.empty() && (static_cast<uint8_t>(text.back()) & 0xC0) == 0x80) text.pop_back();
  if (!text.empty()) text.pop_back();
}

std::vector<std::string> decode_reports(const std::vector<Report>& reports, const HidLayout& layout,
                                        DecodeStats* stats) {
  DecodeStats local;
  DecodeStats& st = stats ? *stats : local;
  HidKeyboard kb;
  hid_keyboard_init(kb, &layout);
  std::vector<std::string> messages;
  std::string text;
  HidEvent events[kHidMaxEventsPerReport];
  for (const Report& r : reports) {
    ++st.reports;
    if (hid_is_error_report(r.data())) ++st.rollover;
    uint8_t n = 0;
    if (hid_feed_report(kb, r.data(), r.size(), events, kHidMaxEventsPerReport, &n) != kOk) {
      throw std::logic_error("hid_feed_report refused a well-formed call");
    }
    for (uint8_t i = 0; i < n; ++i) {
      switch (events[i].kind) {
        case kHidText:
          text.push_back(static_cast<char>(events[i].byte));
          break;
        case kHidBackspace:
          ++st.backspaces;
          erase_last_char(text);
          break;
        case kHidEnd:
          ++st.ends;
          messages.push_back(std::move(text));
          text.clear();
          break;
        default:
          break;
      }
    }
  }
  if (!text.empty()) messages.push_back(std::move(text));
  return messages;
}

}  // namespace tt::hid
