// libFuzzer target for the USB HID keyboard: the device decoder (reports and press events, through
// the HidEditor), the encoder round trip, and the capture readers (hex, raw, usbmon pcap/pcapng).
//
// The first input byte picks the target. Built with -DTT_HID_FUZZ_CAPTURE_ONLY (capture_fuzz,
// tests/fuzz.cmake) it picks among the capture readers only. Only CaptureError / EncodeError may escape a reader;
// anything else, a sanitizer report or a broken invariant (abort) is a finding.
// With TT_HID_FUZZ_SEEDS=dir in the environment, LLVMFuzzerInitialize writes seed inputs into dir
// (libFuzzer reads corpus directories after it), so the bounded ctest run starts from valid
// captures of every format.
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "hid/capture.h"
#include "hid/keyboard.h"
#include "tinytext/hid.h"
#include "fuzz_check.h"

namespace {

using namespace tt;

enum Target : uint8_t { kDecoder, kRoundTrip, kHex, kRaw, kUsbmon, kSniffed, kTargets };

const HidLayout* layout_of(uint8_t b) {
  const HidLayout* layouts[] = {hid_layout_us(), hid_layout_uk(), hid_layout_de()};
  return layouts[b % 3];
}

struct Fold {
  uint32_t hash, count;
  void reset() { hash = 2166136261u, count = 0; }
  void push(uint8_t b) { hash = (hash ^ b) * 16777619u, ++count; }
};

// True when the bytes are a sequence of whole, valid UTF-8 characters (the decoder emits only those).
bool valid_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<uint8_t>(s[i]);
    size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 0;
    if (n == 0 || (n == 2 && c < 0xC2) || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<uint8_t>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

void fuzz_decoder(const uint8_t* data, size_t size) {
  if (size < 1) return;
  HidKeyboard kb;
  hid_keyboard_init(kb, layout_of(data[0]));
  HidEditor<Fold, 16> ed;
  ed.reset();
  std::string text;  // text bytes since the last End, Backspace applied as the editor does
  size_t i = 1;
  while (i < size) {
    uint8_t ctl = data[i++];
    HidEvent ev[kHidMaxEventsPerReport + 1];
    uint8_t n = 0;
    if (ctl & 0x80) {  // a press event: code, modifiers
      if (i + 2 > size) return;
      FUZZ_CHECK(hid_feed_press(kb, data[i], data[i + 1], ev, kHidMaxEventsPerKey, &n) == kOk);
      FUZZ_CHECK(n <= kHidMaxEventsPerKey);
      i += 2;
    } else {  // a report of (ctl & 15) bytes, usually 8
      size_t len = (ctl & 0x40) ? (ctl & 15u) : kHidReportSize;
      if (i + len > size) return;
      Status st = hid_feed_report(kb, data + i, len, ev, kHidMaxEventsPerReport, &n);
      FUZZ_CHECK(st == (len == kHidReportSize ? kOk : kBadSize));
      FUZZ_CHECK(n <= kHidMaxEventsPerReport);
      i += len;
    }
    for (uint8_t k = 0; k < n; ++k) {
      bool end = false;
      Status st = ed.apply(ev[k], &end);
      FUZZ_CHECK(st == kOk || (st == kOverflow && ev[k].kind == kHidBackspace));
      if (ev[k].kind == kHidText) text.push_back(static_cast<char>(ev[k].byte));
      if (ev[k].kind == kHidBackspace && st == kOk) hid::erase_last_char(text);
      if (end) {
        FUZZ_CHECK(valid_utf8(text));
        if (!ed.inexact) {  // the editor's classifier saw exactly the final text
          Fold f;
          f.reset();
          for (char c : text) f.push(static_cast<uint8_t>(c));
          FUZZ_CHECK(f.hash == ed.current.hash && f.count == ed.current.count);
        }
        text.clear();
        ed.reset();
      }
    }
    FUZZ_CHECK(ed.len <= 16);
  }
  FUZZ_CHECK(valid_utf8(text));
}

void fuzz_round_trip(const uint8_t* data, size_t size) {
  if (size < 2) return;
  const HidLayout& layout = *layout_of(data[0]);
  std::string text = hid::keep_typeable(std::string(reinterpret_cast<const char*>(data + 2), size - 2), layout);
  hid::EncodeOptions o;
  o.typo_rate = data[1] / 255.0;
  o.seed = data[1];
  std::vector<std::string> msgs;
  try {
    msgs = hid::decode_reports(hid::encode_text(text, layout, o), layout);
  } catch (const hid::EncodeError&) {
    FUZZ_CHECK(false);  // keep_typeable's output must be typeable
  }
  std::string got;
  for (size_t k = 0; k < msgs.size(); ++k) got += (k ? "\n" : "") + msgs[k];
  // One message per Enter (empty ones too), then the unterminated rest if not empty.
  std::string want = text;
  if (!want.empty() && want.back() == '\n') want.pop_back();
  FUZZ_CHECK(got == want);
}

void fuzz_capture(uint8_t target, const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    hid::Capture c;
    switch (target) {
      case kHex:
        c = hid::parse_hex(bytes, "fuzz.hex");
        break;
      case kRaw:
        c = hid::parse_raw(bytes, "fuzz.raw");
        break;
      case kUsbmon:
        c = hid::parse_usbmon(bytes, "fuzz.pcap");
        break;
      default: {
        hid::CaptureFormat f = hid::sniff_format(bytes);
        c = f == hid::CaptureFormat::kHex   ? hid::parse_hex(bytes, "fuzz")
            : f == hid::CaptureFormat::kRaw ? hid::parse_raw(bytes, "fuzz")
                                            : hid::parse_usbmon(bytes, "fuzz");
      }
    }
    (void)hid::decode_reports(c.reports, *hid_layout_de());
    // What a writer writes, its reader reads back.
    FUZZ_CHECK(hid::parse_hex(hid::format_hex(c.reports), "again.hex").reports == c.reports);
  } catch (const hid::CaptureError&) {
  }
}

void write_seed(const std::string& dir, const std::string& name, uint8_t target, const std::string& body) {
  std::string path = dir + "/" + name;
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fputc(target, f);
    std::fwrite(body.data(), 1, body.size(), f);
    std::fclose(f);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* dir = std::getenv("TT_HID_FUZZ_SEEDS");
  if (!dir) return 0;
  mkdir(dir, 0755);
  const HidLayout& de = *hid_layout_de();
  hid::EncodeOptions o;
  o.typo_rate = 0.2;
  o.seed = 1;
  auto reports = hid::encode_text("Grüße, 5 € @ {x}\nok", de, o);
  reports.push_back(hid::Report{0, 0, 1, 1, 1, 1, 1, 1});
  reports.push_back(hid::Report{0, 0, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09});
  std::string raw;
  for (const auto& r : reports) raw.append(reinterpret_cast<const char*>(r.data()), r.size());
  auto packets = hid::keyboard_packets(reports);
  write_seed(dir, "decoder", kDecoder, std::string(1, '\2') + std::string(1, '\0') + raw);
  write_seed(dir, "roundtrip", kRoundTrip, "\2\40Grüße aus Köln, 5 € @ {x} ~ |\n\nok");
  write_seed(dir, "hex", kHex, "# comment\n" + hid::format_hex(reports));
  write_seed(dir, "raw", kRaw, raw);
  write_seed(dir, "pcap189", kUsbmon, hid::format_usbmon(packets, 189));
  write_seed(dir, "pcap220", kUsbmon, hid::format_usbmon(packets, 220));
  write_seed(dir, "pcapng", kSniffed, hid::format_usbmon(packets, 220, true));
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
#ifdef TT_HID_FUZZ_CAPTURE_ONLY
  uint8_t target = static_cast<uint8_t>(kHex + data[0] % (kTargets - kHex));
#else
  uint8_t target = static_cast<uint8_t>(data[0] % kTargets);
#endif
  if (target == kDecoder) {
    fuzz_decoder(data + 1, size - 1);
  } else if (target == kRoundTrip) {
    fuzz_round_trip(data + 1, size - 1);
  } else {
    fuzz_capture(target, data + 1, size - 1);
  }
  return 0;
}
