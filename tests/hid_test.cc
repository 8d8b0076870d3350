// USB HID keyboard: the device decoder (hand-checked cases), text -> reports -> text round trips
// on the SMS texts, the capture readers and writers, and the HidEditor's exact Backspace.
#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <initializer_list>

#include "common/rng.h"
#include "eval/split.h"
#include "hid/capture.h"
#include "hid/keyboard.h"
#include "test_util.h"
#include "tinytext/hid.h"

namespace tt {
namespace {

using hid::Report;

constexpr uint8_t kShift = kHidModLeftShift;
constexpr uint8_t kAltGr = kHidModRightAlt;

Report rep(uint8_t mods, std::initializer_list<uint8_t> keys) {
  Report r{};
  r[0] = mods;
  size_t i = 2;
  for (uint8_t k : keys) r[i++] = k;
  return r;
}

// Feeds reports to a keyboard; renders events as text with '\b' for Backspace, '\n' for End.
std::string events(HidKeyboard& kb, const std::vector<Report>& reports) {
  std::string out;
  HidEvent ev[kHidMaxEventsPerReport];
  for (const Report& r : reports) {
    uint8_t n = 99;
    EXPECT_EQ(hid_feed_report(kb, r.data(), r.size(), ev, kHidMaxEventsPerReport, &n), kOk);
    for (uint8_t i = 0; i < n; ++i) {
      out += ev[i].kind == kHidText ? static_cast<char>(ev[i].byte) : ev[i].kind == kHidBackspace ? '\b' : '\n';
    }
  }
  return out;
}

std::string events(const HidLayout* layout, const std::vector<Report>& reports) {
  HidKeyboard kb;
  hid_keyboard_init(kb, layout);
  return events(kb, reports);
}

// Press and release of one key.
std::vector<Report> tap(uint8_t mods, uint8_t code) { return {rep(mods, {code}), Report{}}; }

std::vector<Report> cat(std::initializer_list<std::vector<Report>> parts) {
  std::vector<Report> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::string round_trip(const std::string& text, const HidLayout* layout, const hid::EncodeOptions& o = {}) {
  auto msgs = hid::decode_reports(hid::encode_text(text, *layout, o), *layout);
  std::string out;
  for (size_t i = 0; i < msgs.size(); ++i) out += (i ? "\n" : "") + msgs[i];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decoder: hand-checked cases.

TEST(HidDecode, LettersShiftAndHeldKeys) {
  const HidLayout* us = hid_layout_us();
  EXPECT_EQ(events(us, tap(0, 0x04)), "a");
  EXPECT_EQ(events(us, tap(kShift, 0x04)), "A");
  EXPECT_EQ(events(us, tap(kHidModRightShift, 0x1D)), "Z");
  // Held over four reports: one press. Released and pressed again: a second one.
  EXPECT_EQ(events(us, {rep(0, {0x0B}), rep(0, {0x0B}), rep(0, {0x0B}), rep(0, {0x0B}), Report{}, rep(0, {0x0B})}),
            "hh");
  // Shift pressed while a key is held does not repeat it.
  EXPECT_EQ(events(us, {rep(0, {0x04}), rep(kShift, {0x04}), rep(kShift, {0x04, 0x05})}), "aB");
  // A code repeated in one report counts once.
  EXPECT_EQ(events(us, {rep(0, {0x04, 0x04, 0x04})}), "a");
}

TEST(HidDecode, CapsLockAffectsLettersOnly) {
  const HidLayout* us = hid_layout_us();
  auto caps = tap(0, kHidKeyCapsLock);
  EXPECT_EQ(events(us, cat({caps, tap(0, 0x04), tap(kShift, 0x04), tap(0, 0x1E), tap(kShift, 0x1E), tap(0, 0x36)})),
            "Aa1!,");
  // Toggled on press, whatever the modifiers; held Caps Lock toggles once.
  EXPECT_EQ(events(us, cat({{rep(kShift, {0x39}), rep(kShift, {0x39}), Report{}}, tap(0, 0x05), caps, tap(0, 0x05)})),
            "Bb");
  const HidLayout* de = hid_layout_de();
  // German: umlauts follow Caps Lock, ß does not.
  EXPECT_EQ(events(de, cat({caps, tap(0, 0x33), tap(0, 0x34), tap(0, 0x2F), tap(0, 0x2D), tap(kShift, 0x34)})),
            "\xC3\x96\xC3\x84\xC3\x9C\xC3\x9F\xC3\xA4");  // Ö Ä Ü ß ä
}

TEST(HidDecode, RolloverOfSeveralKeys) {
  // c, a, t arrive in one report (slot order), then s joins while they are held.
  EXPECT_EQ(events(hid_layout_us(), {rep(0, {0x06, 0x04, 0x17}), rep(0, {0x06, 0x04, 0x17, 0x16}),
                                     rep(0, {0x17, 0x16}), Report{}}),
            "cats");
  // One key, three bytes: AltGr+E on DE is the euro sign.
  HidKeyboard kb;
  hid_keyboard_init(kb, hid_layout_de());
  EXPECT_EQ(events(kb, {rep(kAltGr, {0x08})}), "\xE2\x82\xAC");
}

TEST(HidDecode, ErrorRollOverIgnored) {
  const HidLayout* us = hid_layout_us();
  Report phantom = rep(0, {1, 1, 1, 1, 1, 1});
  // 'a' held, phantom, 'a' still held: the phantom did not replace the previous report.
  EXPECT_EQ(events(us, {rep(0, {0x04}), phantom, rep(0, {0x04}), Report{}, rep(0, {0x04})}), "aa");
  // A phantom never types anything, even with new codes beside it; POSTFail/ErrorUndefined too.
  EXPECT_EQ(events(us, {rep(0, {0x04, 0x01}), rep(0, {0x05, 0x02}), rep(0, {0x06, 0x03})}), "");
  EXPECT_EQ(events(us, {rep(0, {0x04}), phantom, Report{}, rep(0, {0x04})}), "aa");
  EXPECT_EQ(events(us, {phantom, rep(0, {0x04, 0x05})}), "ab");
}

TEST(HidDecode, ChordsAreSilent) {
  const HidLayout* us = hid_layout_us();
  for (uint8_t mod : {kHidModLeftCtrl, kHidModRightCtrl, kHidModLeftAlt, kHidModRightAlt, kHidModLeftGui,
                      kHidModRightGui}) {
    SCOPED_TRACE(mod);
    EXPECT_EQ(events(us, cat({tap(mod, 0x06), tap(mod | kShift, 0x06), tap(mod, 0x28), tap(mod, 0x2A),
                              tap(mod, 0x2C)})),
              "");
  }
  EXPECT_EQ(events(us, cat({tap(kHidModLeftCtrl, 0x06), tap(0, 0x06)})), "c");
  // German: left Alt and Ctrl+AltGr are chords; AltGr alone types.
  const HidLayout* de = hid_layout_de();
  EXPECT_EQ(events(de, cat({tap(kHidModLeftAlt, 0x14), tap(kHidModLeftCtrl | kAltGr, 0x14), tap(kAltGr, 0x14)})),
            "@");
}

TEST(HidDecode, UnknownCodesSkipped) {
  std::vector<Report> r;
  for (unsigned code = 0x65; code <= 0xFF; ++code) r.push_back(rep(0, {static_cast<uint8_t>(code)}));
  for (unsigned code = 0x3A; code <= 0x53; ++code) r.push_back(rep(0, {static_cast<uint8_t>(code)}));  // F-keys..
  r.push_back(rep(0, {0x29}));  // Escape
  r.push_back(rep(0, {0x29, 0x04}));
  for (const HidLayout* l : {hid_layout_us(), hid_layout_uk(), hid_layout_de()}) EXPECT_EQ(events(l, r), "a");
  // Every code with every modifier byte decodes to at most 3 bytes of valid UTF-8.
  for (const HidLayout* l : {hid_layout_us(), hid_layout_uk(), hid_layout_de()}) {
    for (unsigned mods = 0; mods < 256; ++mods) {
      for (unsigned code = 0; code < 256; ++code) {
        HidKeyboard kb;
        hid_keyboard_init(kb, l);
        HidEvent ev[kHidMaxEventsPerKey];
        uint8_t n = 0;
        ASSERT_EQ(hid_feed_press(kb, static_cast<uint8_t>(code), static_cast<uint8_t>(mods), ev, 3, &n), kOk);
        ASSERT_LE(n, kHidMaxEventsPerKey);
        if (n > 1) {
          ASSERT_GE(ev[0].byte, 0xC2);
          for (uint8_t i = 1; i < n; ++i) ASSERT_EQ(ev[i].byte & 0xC0, 0x80);
        }
      }
    }
  }
}

TEST(HidDecode, EnterBackspaceTabSpaceKeypad) {
  const HidLayout* us = hid_layout_us();
  EXPECT_EQ(events(us, cat({tap(0, 0x04), tap(0, 0x2C), tap(0, 0x2B), tap(0, 0x2A), tap(0, 0x28), tap(0, 0x58)})),
            "a \t\b\n\n");
  std::vector<Report> keypad;
  for (unsigned code = 0x53; code <= 0x63; ++code) keypad.push_back(rep(0, {static_cast<uint8_t>(code)}));
  // NumLock (0x53) is ignored and taken as on; keypad Enter ends the message.
  EXPECT_EQ(events(us, keypad), "/*-+\n1234567890.");
  for (auto& r : keypad) r[0] = kShift;
  EXPECT_EQ(events(us, keypad), "/*-+\n1234567890.");
  EXPECT_EQ(events(hid_layout_de(), keypad), "/*-+\n1234567890,");
}

TEST(HidDecode, GermanLayout) {
  const HidLayout* de = hid_layout_de();
  // QWERTZ: the US 'y' and 'z' positions swap.
  EXPECT_EQ(events(de, cat({tap(0, 0x1C), tap(0, 0x1D), tap(kShift, 0x1C)})), "zyZ");
  EXPECT_EQ(events(de, cat({tap(0, 0x2D), tap(0, 0x34), tap(0, 0x33), tap(0, 0x2F), tap(kShift, 0x34),
                            tap(kShift, 0x33), tap(kShift, 0x2F)})),
            "ß" "ä" "ö" "ü" "Ä" "Ö" "Ü");
  EXPECT_EQ(events(de, cat({tap(kShift, 0x1F), tap(kShift, 0x20), tap(kShift, 0x24), tap(kShift, 0x27),
                            tap(kShift, 0x2D), tap(kShift, 0x35), tap(0, 0x35), tap(0, 0x64), tap(kShift, 0x64),
                            tap(0, 0x38), tap(kShift, 0x36)})),
            "\"§/=?°^<>-;");
  // AltGr (right Alt): @ € { [ ] } \ ~ | µ ² ³; Shift does not change AltGr characters.
  EXPECT_EQ(events(de, cat({tap(kAltGr, 0x14), tap(kAltGr, 0x08), tap(kAltGr, 0x24), tap(kAltGr, 0x25),
                            tap(kAltGr, 0x26), tap(kAltGr, 0x27), tap(kAltGr, 0x2D), tap(kAltGr, 0x30),
                            tap(kAltGr, 0x64), tap(kAltGr, 0x10), tap(kAltGr, 0x1F), tap(kAltGr | kShift, 0x20)})),
            "@€{[]}\\~|µ²³");
  // AltGr on a key without an AltGr character types nothing.
  EXPECT_EQ(events(de, cat({tap(kAltGr, 0x04), tap(kAltGr, 0x2C)})), "");
}

TEST(HidDecode, UkLayout) {
  const HidLayout* uk = hid_layout_uk();
  EXPECT_EQ(events(uk, cat({tap(kShift, 0x20), tap(kShift, 0x1F), tap(kShift, 0x34), tap(0, 0x32), tap(kShift, 0x32),
                            tap(0, 0x64), tap(kShift, 0x64), tap(kShift, 0x35), tap(kAltGr, 0x21),
                            tap(kAltGr, 0x35)})),
            "£\"@#~\\|¬€¦");
  // On US the same keys give the US characters, and right Alt is plain Alt.
  EXPECT_EQ(events(hid_layout_us(), cat({tap(kShift, 0x20), tap(kShift, 0x1F), tap(kShift, 0x34), tap(kAltGr, 0x21)})),
            "#@\"");
}

TEST(HidDecode, BadCallsChangeNothing) {
  HidKeyboard kb;
  hid_keyboard_init(kb, hid_layout_us());
  HidEvent ev[kHidMaxEventsPerReport];
  uint8_t n = 7;
  Report a = rep(0, {0x04});
  EXPECT_EQ(hid_feed_report(kb, a.data(), 7, ev, kHidMaxEventsPerReport, &n), kBadSize);
  EXPECT_EQ(n, 0);
  EXPECT_EQ(hid_feed_report(kb, a.data(), 9, ev, kHidMaxEventsPerReport, &n), kBadSize);
  EXPECT_EQ(hid_feed_report(kb, a.data(), 8, ev, kHidMaxEventsPerReport - 1, &n), kOverflow);
  EXPECT_EQ(hid_feed_press(kb, 0x04, 0, ev, 2, &n), kBadArgument);
  EXPECT_EQ(events(kb, {a}), "a");  // the refused calls did not record 'a' as held
}

TEST(HidDecode, PressEventsAsArduinoGivesThem) {
  HidKeyboard kb;
  hid_keyboard_init(kb, hid_layout_de());
  std::string out;
  const uint8_t presses[][2] = {{0x0B, kShift}, {0x08, 0}, {0x0F, 0}, {0x0F, 0}, {0x12, 0}, {0x2A, 0},
                                {0x39, 0},      {0x34, 0}, {0x14, kAltGr}, {0x28, 0}};
  for (const auto& p : presses) {
    HidEvent ev[kHidMaxEventsPerKey];
    uint8_t n = 0;
    ASSERT_EQ(hid_feed_press(kb, p[0], p[1], ev, kHidMaxEventsPerKey, &n), kOk);
    for (uint8_t i = 0; i < n; ++i) out += ev[i].kind == kHidText ? static_cast<char>(ev[i].byte) : ev[i].kind == kHidBackspace ? '\b' : '\n';
  }
  EXPECT_EQ(out, "Hello\bÄ@\n");
}

TEST(HidDecode, StateIsSmall) {
  static_assert(sizeof(HidKeyboard) <= sizeof(void*) + 8, "HidKeyboard: a pointer and 7 bytes");
  SUCCEED();
}

// ---------------------------------------------------------------------------------------------
// Encoder and round trips.

TEST(HidEncode, EveryPrintableAsciiRoundTripsOnUs) {
  const HidLayout* us = hid_layout_us();
  std::string all;
  for (int c = 0x20; c <= 0x7E; ++c) {
    std::string s(1, static_cast<char>(c));
    EXPECT_EQ(round_trip(s, us), s) << "char " << c;
    all += s;
  }
  EXPECT_EQ(round_trip(all + "\t" + all, us), all + "\t" + all);
  EXPECT_EQ(round_trip("two\nmessages", us), "two\nmessages");
  EXPECT_EQ(hid::decode_reports(hid::encode_text("ab\n", *us), *us), std::vector<std::string>{"ab"});
  // Two reports per character: the press (with Shift when needed), then the release.
  EXPECT_EQ(hid::encode_text("A1", *us), (std::vector<Report>{rep(kShift, {0x04}), Report{}, rep(0, {0x1E}), Report{}}));
}

TEST(HidEncode, UkAndGermanCharacters) {
  EXPECT_EQ(round_trip("£5 #1 \"quoted\" @home ~ ¬ € ¦ \\|", hid_layout_uk()), "£5 #1 \"quoted\" @home ~ ¬ € ¦ \\|");
  EXPECT_EQ(hid::encode_text("£", *hid_layout_uk()), (std::vector<Report>{rep(kShift, {0x20}), Report{}}));
  const std::string de = "Grüße aus Köln: Äpfel, Öl, Übermut; 5 € @ {[]} \\ ~ | ° § ² ³ µ ´ ` ^ yz";
  EXPECT_EQ(round_trip(de, hid_layout_de()), de);
  EXPECT_EQ(hid::encode_text("@", *hid_layout_de()), (std::vector<Report>{rep(kAltGr, {0x14}), Report{}}));
  EXPECT_TRUE(hid::can_type(0xA3, *hid_layout_uk()));
  EXPECT_FALSE(hid::can_type(0xA3, *hid_layout_us()));
  EXPECT_FALSE(hid::can_type(0xFC, *hid_layout_uk()));
  EXPECT_TRUE(hid::can_type(0xFC, *hid_layout_de()));
}

TEST(HidEncode, UntypeableTextIsAnErrorOrDropped) {
  const HidLayout* us = hid_layout_us();
  try {
    (void)hid::encode_text("ok £5", *us);
    FAIL() << "expected EncodeError";
  } catch (const hid::EncodeError& e) {
    EXPECT_EQ(e.offset(), 3u);
    EXPECT_NE(std::string(e.what()).find("U+00A3"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)hid::encode_text("a\xFF", *us), hid::EncodeError);
  EXPECT_THROW((void)hid::encode_text("a\r\n", *us), hid::EncodeError);
  EXPECT_EQ(hid::keep_typeable("ok £5 \xFF gr\xC3\xBC\xC3\x9F\x65 \xE2\x82\xAC!", *us), "ok 5  gre !");
  EXPECT_EQ(hid::keep_typeable("gr\xC3\xBC\xC3\x9F\x65 \xE2\x82\xAC", *hid_layout_de()), "grüße €");
}

TEST(HidEncode, SplitMix64Reference) {
  // splitmix64 from seed 0: the published first outputs; the typo stream depends on them.
  tt::SplitMix64 rng(0);
  EXPECT_EQ(rng.next(), 0xE220A8397B1DCDAFull);
  EXPECT_EQ(rng.next(), 0x6E789E6AA1B965F4ull);
  EXPECT_EQ(rng.next(), 0x06C45D188009454Full);
}

TEST(HidEncode, TyposAreDeterministicAndCorrected) {
  const HidLayout* us = hid_layout_us();
  const std::string text = "The quick brown fox jumps over the lazy dog 1234567890";
  hid::EncodeOptions o;
  o.typo_rate = 0.3;
  o.seed = 42;
  auto a = hid::encode_text(text, *us, o);
  EXPECT_EQ(a, hid::encode_text(text, *us, o));
  o.seed = 43;
  EXPECT_NE(a, hid::encode_text(text, *us, o));
  EXPECT_GT(a.size(), hid::encode_text(text, *us).size());
  hid::DecodeStats st;
  EXPECT_EQ(hid::decode_reports(a, *us, &st), std::vector<std::string>{text});
  EXPECT_EQ(st.reports, a.size());
  EXPECT_EQ(st.backspaces * 4 + text.size() * 2, a.size());  // each typo: wrong key + Backspace
  // Hand-checked: with seed 42 the events show each typo and its Backspace.
  std::string ev = events(us, a);
  EXPECT_NE(ev.find('\b'), std::string::npos);
  EXPECT_EQ(ev.size(), text.size() + 2 * st.backspaces);
  // typo_rate 1 on every key.
  o.typo_rate = 1.0;
  hid::DecodeStats all;
  EXPECT_EQ(hid::decode_reports(hid::encode_text("qwerty", *us, o), *us, &all), std::vector<std::string>{"qwerty"});
  EXPECT_EQ(all.backspaces, 6u);
}

// Every SMS text, normalised to what the layout can type (untypeable characters removed), comes
// back exactly; with typos too.
void sms_round_trip(const HidLayout* layout, size_t expect_changed_min) {
  size_t changed = 0, n = 0, typos = 0;
  for (const std::string& raw : test::sms_texts()) {
    std::string text = hid::keep_typeable(raw, *layout);
    changed += text != raw;
    std::vector<std::string> want;
    if (!text.empty()) want.push_back(text);
    ASSERT_EQ(hid::decode_reports(hid::encode_text(text, *layout), *layout), want) << raw;
    hid::EncodeOptions o;
    o.typo_rate = 0.05;
    o.seed = n;
    hid::DecodeStats st;
    ASSERT_EQ(hid::decode_reports(hid::encode_text(text, *layout, o), *layout, &st), want) << raw;
    typos += st.backspaces;
    ++n;
  }
  EXPECT_EQ(n, 5574u);
  EXPECT_GE(changed, expect_changed_min);
  EXPECT_GT(typos, 10000u);
  std::printf("[   info   ] %zu texts, %zu changed by normalisation, %zu typos corrected\n", n, changed, typos);
}

TEST(HidRoundTrip, SmsCollectionUs) { sms_round_trip(hid_layout_us(), 400); }
TEST(HidRoundTrip, SmsCollectionUk) { sms_round_trip(hid_layout_uk(), 150); }
TEST(HidRoundTrip, SmsCollectionDe) { sms_round_trip(hid_layout_de(), 150); }

// ---------------------------------------------------------------------------------------------
// Captures.

class HidCapture : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tt_hid_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  void put(const std::string& name, const std::string& bytes) const {
    std::FILE* f = std::fopen(path(name).c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
  }
  // The CaptureError a read throws (file, record, message), or a failure.
  static hid::CaptureError error_of(const std::string& p, const hid::CaptureFormat* f = nullptr) {
    try {
      (void)hid::read_capture(p, f);
    } catch (const hid::CaptureError& e) {
      return e;
    }
    ADD_FAILURE() << p << ": no CaptureError";
    return hid::CaptureError(p, 0, "none");
  }
  std::string dir_;
  std::vector<Report> reports_ = hid::encode_text("Hi, Bob!\n", *hid_layout_us());
};

TEST_F(HidCapture, WritersAndReadersRoundTrip) {
  reports_.push_back(rep(0, {1, 1, 1, 1, 1, 1}));  // phantom reports are kept
  hid::write_hex(path("a.hex"), reports_);
  hid::write_raw(path("a.raw"), reports_);
  auto packets = hid::keyboard_packets(reports_);
  hid::write_usbmon(path("a189.pcap"), packets, 189);
  hid::write_usbmon(path("a220.pcap"), packets, 220);
  hid::write_usbmon(path("a220.pcapng"), packets, 220, true);
  hid::write_usbmon(path("a189.pcapng"), packets, 189, true);
  for (const char* name : {"a.hex", "a.raw", "a189.pcap", "a220.pcap", "a220.pcapng", "a189.pcapng"}) {
    SCOPED_TRACE(name);
    hid::Capture c = hid::read_capture(path(name));
    EXPECT_EQ(c.reports, reports_);
    EXPECT_FALSE(std::filesystem::exists(path(name) + ".tmp"));
  }
  hid::Capture c = hid::read_capture(path("a220.pcapng"));
  EXPECT_EQ(c.skipped, reports_.size());  // the submissions
  EXPECT_EQ(c.bus, 1);
  EXPECT_EQ(c.device, 2);
  EXPECT_EQ(c.endpoint, 0x81);
  EXPECT_EQ(hid::format_hex({rep(kShift, {0x04, 0xFF})}), "02 00 04 ff 00 00 00 00\n");
  EXPECT_EQ(hid::decode_reports(hid::read_capture(path("a.raw")).reports, *hid_layout_us()),
            std::vector<std::string>{"Hi, Bob!"});
}

// libpcap's own writer (what tcpdump uses) gives the same bytes as format_usbmon's pcap.
TEST_F(HidCapture, PcapWriterMatchesLibpcap) {
  auto packets = hid::keyboard_packets(reports_);
  for (int link : {189, 220}) {
    std::string mine = hid::format_usbmon(packets, link);
    pcap_t* dead = pcap_open_dead(link, 65535);
    pcap_dumper_t* d = pcap_dump_open(dead, path("lib.pcap").c_str());
    ASSERT_NE(d, nullptr);
    size_t off = 24;
    while (off < mine.size()) {
      pcap_pkthdr h{};
      uint32_t f[4];
      std::memcpy(f, mine.data() + off, 16);
      h.ts.tv_sec = f[0];
      h.ts.tv_usec = f[1];
      h.caplen = f[2];
      h.len = f[3];
      pcap_dump(reinterpret_cast<u_char*>(d), &h, reinterpret_cast<const u_char*>(mine.data() + off + 16));
      off += 16 + f[2];
    }
    pcap_dump_close(d);
    pcap_close(dead);
    EXPECT_EQ(test::read_file(path("lib.pcap")), mine) << "link " << link;
  }
}

TEST_F(HidCapture, HexFormatDetails) {
  put("ok.hex",
      "# a capture\n"
      "\n"
      "0000040000000000   # 'a'\r\n"
      "00 00 00 00 00 00 00 00\r\n"
      "  02 00 0B 00 00 00 00 00\t\n"
      "0200 0b00 0000 0000");  // no final newline
  auto c = hid::read_capture(path("ok.hex"));
  EXPECT_EQ(c.reports.size(), 4u);
  EXPECT_EQ(hid::decode_reports(c.reports, *hid_layout_us()), std::vector<std::string>{"aH"});

  put("bad1.hex", "00 00 04 00 00 00 00 00\n00 00 04 00 00 00 00\n");
  auto e = error_of(path("bad1.hex"));
  EXPECT_EQ(e.record(), 2u);
  EXPECT_EQ(e.file(), path("bad1.hex"));
  EXPECT_NE(std::string(e.what()).find(path("bad1.hex") + ":2: 14 hex digits"), std::string::npos) << e.what();

  put("bad2.hex", "# x\n00 00 04 00 00 00 00 00\n00 00 0g 00 00 00 00 00\n");
  e = error_of(path("bad2.hex"));
  EXPECT_EQ(e.record(), 3u);
  EXPECT_NE(std::string(e.what()).find("'g' in column 8"), std::string::npos) << e.what();

  put("bad3.hex", "00 00 04 00 00 00 00 00 00\n");
  EXPECT_EQ(error_of(path("bad3.hex")).record(), 1u);
  put("bad4.hex", "0x00 00 04 00 00 00 00 00\n");
  EXPECT_EQ(error_of(path("bad4.hex")).record(), 1u);
}

TEST_F(HidCapture, RawTruncated) {
  std::string bytes(8 * 3 + 5, '\0');
  put("t.raw", bytes);
  auto e = error_of(path("t.raw"));
  EXPECT_EQ(e.record(), 4u);
  EXPECT_NE(std::string(e.what()).find("truncated record: 5 of 8 bytes"), std::string::npos) << e.what();
  hid::CaptureFormat raw = hid::CaptureFormat::kRaw;
  put("empty", "");
  EXPECT_TRUE(hid::read_capture(path("empty"), &raw).reports.empty());
  EXPECT_TRUE(hid::read_capture(path("empty")).reports.empty());  // sniffed as hex
  EXPECT_THROW((void)hid::read_capture(path("missing.raw")), hid::CaptureError);
}

TEST_F(HidCapture, UsbmonTruncatedAndCorrupt) {
  for (bool ng : {false, true}) {
    SCOPED_TRACE(ng ? "pcapng" : "pcap");
    std::string full = hid::format_usbmon(hid::keyboard_packets(reports_), 220, ng);
    // Cut in the middle of the last packet record.
    size_t header = ng ? 48 : 24;  // file header (pcapng: section and interface blocks)
    put("cut.pcap", full.substr(0, full.size() - 30));
    auto e = error_of(path("cut.pcap"));
    EXPECT_EQ(e.record(), 2 * reports_.size());
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
    put("head.pcap", full.substr(0, header - 3));
    EXPECT_EQ(error_of(path("head.pcap")).record(), 0u);
  }
  // A usbmon packet shorter than its header.
  hid::UsbmonPacket p;
  p.data = {0, 0, 4, 0, 0, 0, 0, 0};
  std::string one = hid::format_usbmon({p}, 189);
  uint32_t short_len = 20;
  std::memcpy(&one[24 + 8], &short_len, 4);
  std::memcpy(&one[24 + 12], &short_len, 4);
  put("short.pcap", one.substr(0, 24 + 16 + short_len));
  auto e = error_of(path("short.pcap"));
  EXPECT_EQ(e.record(), 1u);
  EXPECT_NE(std::string(e.what()).find("shorter than the usbmon header"), std::string::npos) << e.what();
}

TEST_F(HidCapture, UsbmonNotAKeyboard) {
  // A mouse (4-byte interrupt reports), bulk traffic from a disk, control transfers: no reports.
  std::vector<hid::UsbmonPacket> packets;
  for (int i = 0; i < 10; ++i) {
    hid::UsbmonPacket mouse;
    mouse.data = {0, 1, 0xFF, 0};
    mouse.device = 3;
    packets.push_back(mouse);
    hid::UsbmonPacket disk;
    disk.transfer = 3;
    disk.endpoint = 0x82;
    disk.data.assign(8, 0x55);
    packets.push_back(disk);
    hid::UsbmonPacket out;  // interrupt OUT with 8 bytes
    out.endpoint = 0x02;
    out.data.assign(8, 0);
    packets.push_back(out);
  }
  hid::write_usbmon(path("mouse.pcapng"), packets, 220, true);
  auto e = error_of(path("mouse.pcapng"));
  EXPECT_EQ(e.record(), 0u);
  EXPECT_NE(std::string(e.what()).find("in 30 packets: not a keyboard capture"), std::string::npos) << e.what();
  // Ethernet (link type 1) is not a USB capture at all.
  std::string eth = hid::format_usbmon({}, 189);
  uint32_t one = 1;
  std::memcpy(&eth[20], &one, 4);
  put("eth.pcap", eth);
  EXPECT_NE(std::string(error_of(path("eth.pcap")).what()).find("link type 1 is not Linux usbmon"), std::string::npos);
  // Forcing the usbmon reader on a hex file.
  put("text.hex", "00 00 04 00 00 00 00 00\n");
  hid::CaptureFormat usbmon = hid::CaptureFormat::kUsbmon;
  EXPECT_NE(std::string(error_of(path("text.hex"), &usbmon).what()).find("not a readable pcap"), std::string::npos);
}

TEST_F(HidCapture, UsbmonPicksTheKeyboardEndpoint) {
  // A keyboard on 1/5 ep 0x81 and a device with a few 8-byte interrupt-IN reports on 2/7 ep 0x83,
  // plus an error completion and a short completion on the keyboard endpoint.
  auto kbd = hid::keyboard_packets(reports_, 1, 5, 0x81);
  std::vector<hid::UsbmonPacket> packets;
  for (int i = 0; i < 3; ++i) {
    hid::UsbmonPacket other;
    other.bus = 2;
    other.device = 7;
    other.endpoint = 0x83;
    other.data.assign(8, 0x04);
    packets.push_back(other);
  }
  packets.insert(packets.end(), kbd.begin(), kbd.end());
  hid::UsbmonPacket err = kbd.back();
  err.status = -108;  // -ESHUTDOWN: unplugged
  err.data.clear();
  packets.push_back(err);
  hid::UsbmonPacket shorter = kbd.back();
  shorter.data.resize(6);
  packets.push_back(shorter);
  hid::write_usbmon(path("mixed.pcap"), packets, 189);
  auto c = hid::read_capture(path("mixed.pcap"));
  EXPECT_EQ(c.reports, reports_);
  EXPECT_EQ(c.skipped, packets.size() - reports_.size());
  EXPECT_EQ(c.bus, 1);
  EXPECT_EQ(c.device, 5);
  hid::UsbmonFilter f;
  f.device = 7;
  f.endpoint = 3;
  hid::CaptureFormat usbmon = hid::CaptureFormat::kUsbmon;
  auto other = hid::read_capture(path("mixed.pcap"), &usbmon, f);
  EXPECT_EQ(other.reports.size(), 3u);
  EXPECT_EQ(other.endpoint, 0x83);
  f.device = 9;
  EXPECT_THROW((void)hid::read_capture(path("mixed.pcap"), &usbmon, f), hid::CaptureError);
}

TEST_F(HidCapture, SniffAndFormatNames) {
  EXPECT_EQ(hid::sniff_format("\xD4\xC3\xB2\xA1...."), hid::CaptureFormat::kUsbmon);
  EXPECT_EQ(hid::sniff_format(std::string("\x0A\x0D\x0D\x0A", 4)), hid::CaptureFormat::kUsbmon);
  EXPECT_EQ(hid::sniff_format(std::string(8, '\0')), hid::CaptureFormat::kRaw);
  EXPECT_EQ(hid::sniff_format("00 00 04 00 00 00 00 00\n"), hid::CaptureFormat::kHex);
  EXPECT_EQ(hid::format_by_name("pcapng"), hid::CaptureFormat::kUsbmon);
  EXPECT_THROW((void)hid::format_by_name("csv"), UsageError);
  EXPECT_THROW(hid::write_hex(path("no/such/dir/x.hex"), reports_), Error);
}

// ---------------------------------------------------------------------------------------------
// HidEditor.

// A stand-in classifier: FNV-1a over the bytes, plus a count.
struct FoldClassifier {
  uint32_t hash;
  uint32_t count;
  void reset() {
    hash = 2166136261u;
    count = 0;
  }
  void push(uint8_t b) {
    hash = (hash ^ b) * 16777619u;
    ++count;
  }
  bool operator==(const FoldClassifier& o) const { return hash == o.hash && count == o.count; }
};

FoldClassifier classify(const std::string& text) {
  FoldClassifier c;
  c.reset();
  for (char b : text) c.push(static_cast<uint8_t>(b));
  return c;
}

constexpr uint8_t kN = 32;
using Editor = HidEditor<FoldClassifier, kN>;
static_assert(sizeof(Editor) == 2 * sizeof(FoldClassifier) + kN + 4, "HidEditor RAM: 2 states + N + 4 bytes");

void type(Editor& ed, const std::string& s) {
  for (char b : s) ed.push(static_cast<uint8_t>(b));
}

TEST(HidEditor, BackspaceIsExactWithinTheLimit) {
  Editor ed;
  ed.reset();
  type(ed, "hello worle");
  ASSERT_EQ(ed.backspace(), kOk);
  type(ed, "d");
  EXPECT_EQ(ed.current, classify("hello world"));
  // A multi-byte character is erased whole.
  type(ed, " gr\xC3\xBC\xE2\x82\xAC");
  ASSERT_EQ(ed.backspace(), kOk);
  EXPECT_EQ(ed.current, classify("hello world gr\xC3\xBC"));
  ASSERT_EQ(ed.backspace(), kOk);
  EXPECT_EQ(ed.current, classify("hello world gr"));
  // Backspace on an empty text does nothing.
  ed.reset();
  type(ed, "abc");
  for (int i = 0; i < 5; ++i) ASSERT_EQ(ed.backspace(), kOk);
  EXPECT_EQ(ed.current, classify(""));
  EXPECT_EQ(ed.inexact, 0);
}

TEST(HidEditor, StatedLimit) {
  // After typing 100 bytes, exactly N Backspaces are exact; the next is refused and changes nothing.
  Editor ed;
  ed.reset();
  std::string text;
  for (int i = 0; i < 100; ++i) text += static_cast<char>('a' + i % 26);
  type(ed, text);
  for (int i = 0; i < kN; ++i) {
    ASSERT_EQ(ed.backspace(), kOk) << i;
    text.pop_back();
    ASSERT_EQ(ed.current, classify(text));
  }
  EXPECT_EQ(ed.backspace(), kOverflow);
  EXPECT_EQ(ed.current, classify(text));
  EXPECT_EQ(ed.inexact, 1);
  // Retyping refills the buffer; the committed prefix stays as it is.
  type(ed, "xyz");
  text += "xyz";
  EXPECT_EQ(ed.current, classify(text));
  for (int i = 0; i < 3; ++i) ASSERT_EQ(ed.backspace(), kOk);
  EXPECT_EQ(ed.backspace(), kOverflow);
  // A character whose lead byte is committed cannot be erased in part.
  ed.reset();
  type(ed, "\xC3\xBC" + std::string(kN - 1, 'x'));  // the lead byte has N bytes after it
  for (int i = 0; i < kN - 1; ++i) ASSERT_EQ(ed.backspace(), kOk);
  EXPECT_EQ(ed.current, classify("\xC3\xBC"));
  EXPECT_EQ(ed.backspace(), kOverflow);
  EXPECT_EQ(ed.current, classify("\xC3\xBC"));
  ed.reset();
  EXPECT_EQ(ed.inexact, 0);
}

// Reference: the text as bytes, each with a committed flag; a byte is committed once N bytes
// have followed it. Backspace erases the last UTF-8 character unless a byte of it is committed.
struct ReferenceEditor {
  std::string text;
  std::vector<bool> committed;
  void push(char b) {
    text += b;
    committed.push_back(false);
    for (size_t i = 0; i + kN < text.size(); ++i) committed[i] = true;
  }
  Status backspace() {
    size_t n = text.size();
    size_t k = n;
    while (k > 0 && (static_cast<uint8_t>(text[k - 1]) & 0xC0) == 0x80) --k;
    if (k > 0) --k;
    for (size_t i = k; i < n; ++i) {
      if (committed[i]) return kOverflow;
    }
    text.resize(k);
    committed.resize(k);
    return kOk;
  }
};

TEST(HidEditor, RandomEditsOnSmsTexts) {
  auto texts = test::sms_texts();
  tt::SplitMix64 rng(7);
  size_t overflows = 0, checks = 0, sequences = 0;
  const char* junk[] = {"x", "Q", " ", "\xC3\xA4", "\xE2\x82\xAC", "\xC2\xA3"};
  for (size_t t = 0; t < texts.size(); t += 2, ++sequences) {  // 2,787 sequences
    const std::string& target = texts[t];
    Editor ed;
    ed.reset();
    ReferenceEditor ref;
    // As many edits as the text has bytes: its bytes in order, junk, runs of Backspaces.
    for (size_t step = 0, next = 0; step < target.size(); ++step) {
      uint64_t op = rng.below(100);
      if (op < 70) {
        ed.push(static_cast<uint8_t>(target[next]));
        ref.push(target[next]);
        next = (next + 1) % target.size();
      } else if (op < 85) {
        for (const char* p = junk[rng.below(6)]; *p; ++p) {
          ed.push(static_cast<uint8_t>(*p));
          ref.push(*p);
        }
      } else {
        // A run of Backspaces, sometimes past the limit.
        uint64_t run = 1 + rng.below(op < 98 ? 4 : kN + 8);
        for (uint64_t i = 0; i < run; ++i) {
          Status want = ref.backspace();
          ASSERT_EQ(ed.backspace(), want);
          overflows += want == kOverflow;
        }
      }
      ASSERT_EQ(ed.current, classify(ref.text)) << "text " << t << " step " << step;
      ++checks;
    }
  }
  EXPECT_GT(sequences, 2000u);
  EXPECT_GT(overflows, 100u);
  std::printf("[   info   ] %zu edit sequences, %zu states checked, %zu refused Backspaces\n", sequences, checks,
              overflows);
}

// Decoder -> editor on every SMS text with typos: the classifier sees exactly the final text.
TEST(HidEditor, DecoderToEditorOnSmsTexts) {
  const HidLayout* uk = hid_layout_uk();
  size_t n = 0;
  for (const std::string& raw : test::sms_texts()) {
    std::string text = hid::keep_typeable(raw, *uk);
    hid::EncodeOptions o;
    o.typo_rate = 0.1;
    o.seed = 1000 + n++;
    auto reports = hid::encode_text(text + "\n", *uk, o);
    HidKeyboard kb;
    hid_keyboard_init(kb, uk);
    Editor ed;
    ed.reset();
    bool ended = false;
    HidEvent ev[kHidMaxEventsPerReport];
    for (const Report& r : reports) {
      uint8_t k = 0;
      ASSERT_EQ(hid_feed_report(kb, r.data(), r.size(), ev, kHidMaxEventsPerReport, &k), kOk);
      for (uint8_t i = 0; i < k; ++i) {
        bool end = false;
        ASSERT_EQ(ed.apply(ev[i], &end), kOk);
        ended = ended || end;
      }
    }
    ASSERT_TRUE(ended);
    ASSERT_EQ(ed.current, classify(text)) << raw;
    ASSERT_EQ(ed.inexact, 0);
  }
}

}  // namespace
}  // namespace tt
