// `tinytext hid` and `tinytext hid-type`, end to end through the CLI binary:
//   * round trip of every text of the SMS test split (split --test 0.2 --seed 1; train
//     --max-flash 4K; quantize): hid-type, then hid --json gives back the normalised text
//     (hid::typeable_text) and exactly predict --json's scores and labels, int8 and float, UK and
//     US layouts, hex / pcap / raw-on-stdin captures; with --typos 0.05 the same lines again;
//   * Backspace past the editor's reach: refused as on the device, message marked inexact, and
//     the printed text is still the one the scores belong to;
//   * bad captures (malformed hex line, raw file of the wrong length, truncated pcap, a pcap that
//     is not a keyboard, foreign packets to skip) and usage errors: the readers' errors and
//     skips, exit codes 1 / 2, never a crash;
//   * the MKR Zero example's glue (examples/arduino-mkrzero/), compiled and run on the host.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "../examples/arduino-mkrzero/keyboard_verdict.h"
#include "data/dataset.h"
#include "hid/capture.h"
#include "hid/classify.h"
#include "hid/keyboard.h"
#include "quant/any_model.h"
#include "quant/quantize.h"
#include "test_util.h"

namespace tt {
namespace {

using test::cli;
using test::run;
using test::RunResult;

std::string q(const std::string& s) { return "'" + s + "'"; }

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out = test::split(s, '\n');
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

void write_text(const std::string& path, const std::string& s) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  ASSERT_EQ(std::fwrite(s.data(), 1, s.size(), f), s.size());
  std::fclose(f);
}

// One trained + quantised SMS model and the test split, shared by every test here.
class HidCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/tt_hidcli_XXXXXX";
    dir_ = mkdtemp(tmpl);
    const std::string data = test::shared_path("data/sms-spam-collection/SMSSpamCollection");
    RunResult r = run(cli() + " split " + q(data) + " --test 0.2 --seed 1 -o " + q(dir_ + "/sms"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = run(cli() + " train " + q(dir_ + "/sms.train.csv") + " --max-flash 4K --quiet --threads 1 -o " +
            q(dir_ + "/sms.ttm"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = run(cli() + " quantize " + q(dir_ + "/sms.ttm") + " --calib " + q(dir_ + "/sms.train.csv") + " -o " +
            q(dir_ + "/sms.q8"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    data::ReaderOptions ro;
    texts_ = data::read_dataset(dir_ + "/sms.test.csv", ro).texts;
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(dir_); }

  // The normalised texts for `layout`, one per line (typeable_text leaves no control byte).
  static std::string typeable_lines(const char* layout, size_t* changed = nullptr) {
    const HidLayout* l = hid::layout_by_name(layout);
    std::string s;
    size_t n = 0;
    for (const auto& t : texts_) {
      const std::string u = hid::typeable_text(t, *l);
      n += u != t;
      s += u + "\n";
    }
    if (changed) *changed = n;
    return s;
  }

  // hid --json lines must start with predict --json's line (text, scores, label in the very same
  // form) and continue with the hid fields; every message ended by Enter and exact.
  static void expect_same_as_predict(const std::string& hid_json, const std::string& predict_json) {
    const std::vector<std::string> h = lines_of(hid_json), p = lines_of(predict_json);
    ASSERT_EQ(h.size(), p.size());
    for (size_t i = 0; i < h.size(); ++i) {
      const std::string head = p[i].substr(0, p[i].size() - 1);  // without the closing '}'
      const std::string tail = ",\"message\":" + std::to_string(i + 1) + ",\"end\":\"enter\",\"inexact\":false";
      ASSERT_EQ(h[i].compare(0, head.size() + tail.size(), head + tail), 0)
          << "message " << i + 1 << "\n hid:     " << h[i] << "\n predict: " << p[i];
    }
  }

  static std::string dir_;
  static std::vector<std::string> texts_;
};

std::string HidCli::dir_;
std::vector<std::string> HidCli::texts_;

TEST_F(HidCli, EveryTestTextRoundTripsWithPredictsScores) {
  ASSERT_EQ(texts_.size(), 1115u);
  for (const char* layout : {"uk", "us"}) {
    SCOPED_TRACE(layout);
    size_t changed = 0;
    const std::string lines = typeable_lines(layout, &changed);
    write_text(dir_ + "/texts.txt", lines);
    const std::string lay = std::string(" --layout ") + layout;
    const std::string cap = dir_ + "/cap.pcap";
    RunResult r = run(cli() + " hid-type" + lay + " --format pcap -o " + q(cap), lines);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* model : {"sms.q8", "sms.ttm"}) {
      SCOPED_TRACE(model);
      const std::string m = q(dir_ + "/" + model);
      const RunResult pred = run(cli() + " predict --json " + m, lines);
      ASSERT_EQ(pred.exit_code, 0) << pred.err;
      const RunResult hid = run(cli() + " hid --json" + lay + " " + m + " " + q(cap));
      ASSERT_EQ(hid.exit_code, 0) << hid.err;
      // The reader counts the URB submissions (one per report) as skipped packets; no message is inexact.
      EXPECT_NE(hid.err.find("skipped "), std::string::npos) << hid.err;
      EXPECT_EQ(hid.err.find("inexact"), std::string::npos) << hid.err;
      expect_same_as_predict(hid.out, pred.out);
    }
    // The normalisation is not a no-op on this data (the proof covers real differences): on UK
    // only control bytes and characters like emoji or curly quotes change.
    EXPECT_GT(changed, 0u);
  }
}

TEST_F(HidCli, TyposGiveTheSameTextsAndScores) {
  const std::string lines = typeable_lines("uk");
  const RunResult clean = run(cli() + " hid-type --layout uk", lines);
  const RunResult typo = run(cli() + " hid-type --layout uk --typos 0.05 --seed 7", lines);
  ASSERT_EQ(clean.exit_code, 0) << clean.err;
  ASSERT_EQ(typo.exit_code, 0) << typo.err;
  // Typos are there: each one adds a wrong key, a Backspace and their releases.
  size_t backspaces = 0;
  for (const auto& l : lines_of(typo.out)) backspaces += l == "00 00 2a 00 00 00 00 00";
  EXPECT_GT(backspaces, 1000u);
  EXPECT_EQ(lines_of(typo.out).size(), lines_of(clean.out).size() + 4 * backspaces);

  write_text(dir_ + "/typo.hex", typo.out);
  const std::string m = q(dir_ + "/sms.q8");
  const RunResult pred = run(cli() + " predict --json " + m, lines);
  const RunResult hid = run(cli() + " hid --json --layout uk --format hex " + m + " " + q(dir_ + "/typo.hex"));
  ASSERT_EQ(hid.exit_code, 0) << hid.err;
  expect_same_as_predict(hid.out, pred.out);

  // The same capture as raw bytes on stdin (format sniffed).
  std::vector<hid::Report> reports = hid::parse_hex(typo.out, "typo").reports;
  std::string raw;
  for (const auto& r : reports) raw.append(reinterpret_cast<const char*>(r.data()), r.size());
  const RunResult hid_raw = run(cli() + " hid --json --layout uk " + m + " -", raw);
  ASSERT_EQ(hid_raw.exit_code, 0) << hid_raw.err;
  EXPECT_EQ(hid_raw.out, hid.out);
}

TEST_F(HidCli, LiveLinesEndWithTheMessage) {
  const std::string m = q(dir_ + "/sms.q8");
  const RunResult typed = run(cli() + " hid-type --no-enter 'Win a FREE prize' 'ok see you'");
  ASSERT_EQ(typed.exit_code, 0) << typed.err;
  const RunResult hid = run(cli() + " hid --json --live " + m + " -", typed.out);
  ASSERT_EQ(hid.exit_code, 0) << hid.err;
  const std::vector<std::string> l = lines_of(hid.out);
  ASSERT_EQ(l.size(), 16u + 1 + 10 + 1);  // a live line per key, then the message
  EXPECT_EQ(l[0].rfind("{\"text\":\"W\",", 0), 0u) << l[0];
  EXPECT_NE(l[16].find("\"message\":1,\"end\":\"enter\""), std::string::npos) << l[16];
  EXPECT_NE(l[27].find("\"text\":\"ok see you\""), std::string::npos) << l[27];
  EXPECT_NE(l[27].find("\"message\":2,\"end\":\"capture\""), std::string::npos) << l[27];
  // The last live line of a message scores what the message line scores.
  const std::string live = l[15].substr(0, l[15].find(",\"message\""));
  EXPECT_EQ(l[16].compare(0, live.size(), live), 0) << l[15] << "\n" << l[16];
}

TEST_F(HidCli, EmptyMessagesScoreLikePredictOfTheEmptyText) {
  // Enter alone, a lone space, a typo erased back to nothing: texts with no feature at all.
  // (`timeout`: a hang in the runtime is a failure here, not a stuck test run.)
  const std::string m = q(dir_ + "/sms.q8");
  const RunResult typed = run(cli() + " hid-type '' ' ' 'x'");
  ASSERT_EQ(typed.exit_code, 0) << typed.err;
  const RunResult hid = run("timeout 5 " + cli() + " hid --json --live " + m + " -", typed.out);
  ASSERT_EQ(hid.exit_code, 0) << hid.err;
  const RunResult pred = run("timeout 5 " + cli() + " predict --json " + m, "\n \nx\n");
  ASSERT_EQ(pred.exit_code, 0) << pred.err;
  const std::vector<std::string> h = lines_of(hid.out), p = lines_of(pred.out);
  ASSERT_EQ(h.size(), 5u);  // message 1; live + message 2; live + message 3
  EXPECT_EQ(h[0].compare(0, p[0].size() - 1, p[0], 0, p[0].size() - 1), 0) << h[0];
  EXPECT_EQ(h[2].compare(0, p[1].size() - 1, p[1], 0, p[1].size() - 1), 0) << h[2];
  EXPECT_EQ(h[4].compare(0, p[2].size() - 1, p[2], 0, p[2].size() - 1), 0) << h[4];
}

// The MKR Zero example's logic (examples/arduino-mkrzero/keyboard_verdict.h) on the host: key
// presses as KeyboardController gives them, the LED after every key, the Serial line at Enter.
TEST_F(HidCli, ArduinoGlueGivesTheCliVerdict) {
  const quant::QuantModel qm = quant::load_quant(dir_ + "/sms.q8");
  const tt::Model m = qm.view();
  using App = example::KeyboardApp<8, 8, 4>;
  auto app = std::make_unique<App>();
  ASSERT_EQ(example::keyboard_begin(*app, m, hid_layout_us(), 0), kOk);
  EXPECT_EQ(example::keyboard_begin(*app, m, hid_layout_us(), 1), kBadArgument);  // no output 1
  ASSERT_EQ(example::keyboard_begin(*app, m, hid_layout_us(), 0), kOk);

  quant::LoadedModel lm = quant::LoadedModel::load(dir_ + "/sms.q8");
  const std::vector<std::string> texts = {"WINNER!! claim your FREE prize now, call 09061701461",
                                          "ok see you at 5", "Sorry, I'll call later"};
  for (const std::string& text : texts) {
    SCOPED_TRACE(text);
    // OnKeyDown gets only presses: the press reports of hid-type's encoding, with 5% typos.
    hid::EncodeOptions eo;
    eo.typo_rate = 0.05;
    eo.seed = 3;
    example::KeyUpdate last{};
    std::string typed;
    for (const hid::Report& r : hid::encode_text(text + "\n", *hid_layout_us(), eo)) {
      if (r[2] == 0) continue;  // release
      last = example::keyboard_press(*app, r[0], r[2]);
      if (!last.message) {
        ASSERT_TRUE(last.changed);
      }
    }
    ASSERT_TRUE(last.message);
    EXPECT_FALSE(last.inexact);
    const quant::IntScores want = lm.raw(text);
    EXPECT_EQ(last.led, want.positive[0]);
    // "spam 0.dddd -> spam" or "... -> -", the probability rounded from the device's Q15.
    const uint32_t p4 = (static_cast<uint32_t>(want.prob[0]) * 10000u + 16384u) >> 15;
    char num[16];
    std::snprintf(num, sizeof num, "%u.%04u", p4 / 10000u, p4 % 10000u);
    EXPECT_EQ(std::string(last.line), "spam " + std::string(num) + " -> " + (want.positive[0] ? "spam" : "-"));
  }
}

TEST_F(HidCli, BackspacePastTheEditorIsRefusedAndMarkedInexact) {
  const HidLayout* us = hid_layout_us();
  const std::string typed = "free entry in a weekly competition to win cup final tickets text now to 87121 please";
  ASSERT_GT(typed.size(), size_t{hid::kEditorBytes} + 10);
  std::vector<hid::Report> reports = hid::encode_text(typed, *us);
  hid::Report press{}, release{};
  press[2] = 0x2A;  // Backspace
  const size_t erase = typed.size() - 5;  // all but "free " -- beyond the last 64 bytes
  for (size_t i = 0; i < erase; ++i) {
    reports.push_back(press);
    reports.push_back(release);
  }
  const std::vector<hid::Report> tail = hid::encode_text("win\n", *us);
  reports.insert(reports.end(), tail.begin(), tail.end());
  hid::write_hex(dir_ + "/bs.hex", reports);

  // The device keeps the last 64 bytes erasable: the first typed.size() - 64 bytes stay.
  const std::string seen = typed.substr(0, typed.size() - hid::kEditorBytes) + "win";
  const std::string m = q(dir_ + "/sms.q8");
  const RunResult hid = run(cli() + " hid --json " + m + " " + q(dir_ + "/bs.hex"));
  ASSERT_EQ(hid.exit_code, 0) << hid.err;
  EXPECT_NE(hid.err.find("1 message(s) inexact"), std::string::npos) << hid.err;
  const RunResult pred = run(cli() + " predict --json " + m + " " + q(seen));
  const std::string head = pred.out.substr(0, pred.out.size() - 2);
  EXPECT_EQ(hid.out.compare(0, head.size(), head), 0) << hid.out << "\n" << pred.out;
  EXPECT_NE(hid.out.find("\"inexact\":true"), std::string::npos);

  // A float model has no such limit: it scores the text on screen, "free win".
  const RunResult hf = run(cli() + " hid --json " + q(dir_ + "/sms.ttm") + " " + q(dir_ + "/bs.hex"));
  ASSERT_EQ(hf.exit_code, 0) << hf.err;
  EXPECT_EQ(hf.out.rfind("{\"text\":\"free win\",", 0), 0u) << hf.out;
}

TEST_F(HidCli, BadCapturesFailCleanlyOrAreSkipped) {
  const std::string m = q(dir_ + "/sms.q8");
  const std::vector<hid::Report> reports = hid::encode_text("call now\n", *hid_layout_us());

  // Malformed hex line: exit 1, file and line named.
  write_text(dir_ + "/bad.hex", "00 00 06 00 00 00 00 00\n00 00 00 00 00 00 00 00\n00 00 0g 00 00 00 00 00\n");
  RunResult r = run(cli() + " hid " + m + " " + q(dir_ + "/bad.hex"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.hex:3:"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");

  // Raw file of the wrong length: the truncated last record is named.
  std::string raw;
  for (const auto& rep : reports) raw.append(reinterpret_cast<const char*>(rep.data()), rep.size());
  write_text(dir_ + "/bad.raw", raw.substr(0, raw.size() - 3));
  r = run(cli() + " hid --format raw " + m + " " + q(dir_ + "/bad.raw"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.raw:" + std::to_string(reports.size()) + ": truncated record"), std::string::npos)
      << r.err;

  // Truncated pcap (cut inside the last packet): an error naming the file, not a crash.
  const std::string pcap = hid::format_usbmon(hid::keyboard_packets(reports));
  write_text(dir_ + "/cut.pcap", pcap.substr(0, pcap.size() - 5));
  r = run(cli() + " hid " + m + " " + q(dir_ + "/cut.pcap"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cut.pcap"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Segmentation"), std::string::npos);

  // A usbmon capture of a mass-storage device: not a keyboard.
  std::vector<hid::UsbmonPacket> disk;
  for (uint64_t i = 0; i < 4; ++i) {
    hid::UsbmonPacket p;
    p.id = i;
    p.transfer = 3;  // bulk
    p.endpoint = 0x82;
    p.data.assign(64, 0x55);
    disk.push_back(p);
  }
  write_text(dir_ + "/disk.pcap", hid::format_usbmon(disk));
  r = run(cli() + " hid --format pcap " + m + " " + q(dir_ + "/disk.pcap"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not a keyboard"), std::string::npos) << r.err;

  // The keyboard among foreign packets: they are skipped, counted on stderr, the text survives.
  std::vector<hid::UsbmonPacket> mixed = hid::keyboard_packets(reports);
  mixed.insert(mixed.begin() + 3, disk.begin(), disk.end());
  write_text(dir_ + "/mixed.pcapng", hid::format_usbmon(mixed, 189, true));
  r = run(cli() + " hid --json " + m + " " + q(dir_ + "/mixed.pcapng"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("{\"text\":\"call now\",", 0), 0u) << r.out;
  EXPECT_NE(r.err.find("skipped"), std::string::npos) << r.err;

  // An empty capture: no message, success.
  write_text(dir_ + "/empty.hex", "# nothing typed\n");
  r = run(cli() + " hid " + m + " " + q(dir_ + "/empty.hex"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");

  // Not a model.
  r = run(cli() + " hid " + q(dir_ + "/empty.hex") + " " + q(dir_ + "/empty.hex"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("empty.hex"), std::string::npos) << r.err;
}

// Windows USBPcap captures (link type 249), pcap and pcapng, decode as their usbmon twins do; a
// packet whose USBPcap header does not fit it is an error naming the packet; foreign packets are
// skipped as in usbmon.
TEST_F(HidCli, UsbPcapCapturesReadLikeUsbmon) {
  const std::string m = q(dir_ + "/sms.q8");
  const std::string texts = q("WINNER! Claim your prize") + " " + q("ok see you at 5");
  RunResult u = run(cli() + " hid-type --format pcapng -o " + q(dir_ + "/k.usbmon.pcapng") + " " + texts);
  ASSERT_EQ(u.exit_code, 0) << u.err;
  const RunResult want = run(cli() + " hid --json " + m + " " + q(dir_ + "/k.usbmon.pcapng"));
  ASSERT_EQ(want.exit_code, 0) << want.err;
  for (const char* fmt : {"pcap", "pcapng"}) {
    const std::string f = dir_ + "/k.usbpcap." + fmt;
    RunResult w = run(cli() + " hid-type --format " + fmt + " --link usbpcap -o " + q(f) + " " + texts);
    ASSERT_EQ(w.exit_code, 0) << w.err;
    const std::string bytes = test::read_file(f);
    ASSERT_GT(bytes.size(), 24u);
    RunResult r = run(cli() + " hid --json " + m + " " + q(f));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, want.out) << fmt;
  }
  // The link type in the pcap header is 249, and a completion carries the report after a 27-byte header.
  const std::vector<hid::Report> reports = hid::encode_text("hi\n", *hid_layout_us());
  std::string pcap = hid::format_usbmon(hid::keyboard_packets(reports), 249);
  EXPECT_EQ(static_cast<unsigned char>(pcap[20]), 249);
  // The second record is the first completion: pcap header 24 + record 16 + USBPcap 27 (the
  // submission) + record 16; its header length is the first two bytes.
  const size_t completion = 24 + 16 + 27 + 16;
  ASSERT_EQ(static_cast<unsigned char>(pcap[completion]), 27);
  EXPECT_EQ(pcap.substr(completion + 27, 8), std::string(reinterpret_cast<const char*>(reports[0].data()), 8));
  pcap[completion] = 100;  // longer than the 35 captured bytes
  write_text(dir_ + "/badhdr.pcap", pcap);
  RunResult b = run(cli() + " hid " + m + " " + q(dir_ + "/badhdr.pcap"));
  EXPECT_EQ(b.exit_code, 1);
  EXPECT_NE(b.err.find("badhdr.pcap:2: USBPcap header length 100 does not fit the packet's 35 bytes"),
            std::string::npos) << b.err;
  // A usbmon-only option is refused with a clear usage error.
  EXPECT_EQ(run(cli() + " hid-type --link usbpcap hi").exit_code, 2);
}

TEST_F(HidCli, UsageAndEncodeErrors) {
  const std::string m = q(dir_ + "/sms.q8");
  RunResult r = run(cli() + " hid " + m);
  EXPECT_EQ(r.exit_code, 2);
  r = run(cli() + " hid " + m + " x.hex --layout fr");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("us, uk, de"), std::string::npos) << r.err;
  r = run(cli() + " hid " + m + " x.hex --format wav");
  EXPECT_EQ(r.exit_code, 2);
  r = run(cli() + " hid --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--live"), std::string::npos);
  r = run(cli() + " hid-type --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("[default: us]"), std::string::npos) << r.out;
  r = run(cli() + " hid-type --format raw hello");
  EXPECT_EQ(r.exit_code, 2);
  r = run(cli() + " hid-type --typos 2 hello");
  EXPECT_EQ(r.exit_code, 2);
  // A character US cannot type: named, exit 1; --typeable drops it.
  r = run(cli() + " hid-type ok 'costs \xC2\xA3" "5'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("argument 2: byte 6: U+00A3"), std::string::npos) << r.err;
  r = run("(" + cli() + " hid-type --typeable 'costs \xC2\xA3" "5' | " + cli() + " hid --json " + m + " -)");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("{\"text\":\"costs 5\",", 0), 0u) << r.out;
  // Written atomically: a failed write leaves nothing behind.
  r = run(cli() + " hid-type -o " + q(dir_ + "/no/such/dir/x.hex") + " hello");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/no/such/dir"));
}

}  // namespace
}  // namespace tt
