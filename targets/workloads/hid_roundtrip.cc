// Workload "hid_roundtrip": USB HID keyboard reports in, verdicts out, on the board.
//
// The data script (hid_roundtrip.data.sh) types test-split SMS texts with `tinytext hid-type`
// (UK layout, 5% typos corrected by Backspace), exports the quantised 4K model with
// `tinytext export`, and records the integer scores `tinytext hid --json --live` prints for the
// same reports. Here every report goes through the code the MKR Zero example runs
// (src/hid/verdict.h: decoder -> Backspace-exact HidEditor -> streaming model):
//   * after every report that changed the text, the live scores (model_read as if the text ended
//     now), as the sketch updates its LED after every key;
//   * at every Enter, the message's scores.
// Both are folded into FNV-1a digests (per output: the Q16.16 logit as 4 little-endian bytes,
// then the Q15 probability as 2) and compared with the host CLI's (TT_EXPECT_*): exit 1 if any
// differs, so the board, the host build of this file and `tinytext hid` agree bit for bit.
//
// Measured (tt_bench_begin/end): the whole loop. "bytes=" is the number of key presses, so the
// run.sh per_byte column reads instructions (M0) / cycles (AVR) per key press.
//
// run.sh data-symbols: tt_hid_reports|hidrt_model_data
#include "board.h"
#include "workload_data.h"

#include "../../src/hid/verdict.h"

namespace {

typedef tt::hid::KeyboardVerdict<HIDRT_DIM, HIDRT_HIDDEN, HIDRT_OUTPUTS, tt::hid::kEditorBytes> Verdict;
typedef tt::ModelScores<HIDRT_OUTPUTS> Scores;

const uint32_t kFnvOffset = 2166136261u;
const uint32_t kFnvPrime = 16777619u;

void fnv_byte(uint32_t& h, uint8_t b) {
  h ^= b;
  h *= kFnvPrime;
}

void fold(uint32_t& h, const Scores& s) {
  for (uint16_t k = 0; k < s.outputs; ++k) {
    const uint32_t logit = (uint32_t)s.logit[k];
    for (uint8_t i = 0; i < 4; ++i) fnv_byte(h, (uint8_t)(logit >> (8u * i)));
    fnv_byte(h, (uint8_t)(s.prob[k] & 0xFFu));
    fnv_byte(h, (uint8_t)(s.prob[k] >> 8));
  }
}

// Sees every event; folds each message's scores at its Enter.
struct Observer {
  Scores scores;
  uint32_t digest;
  uint32_t messages;
  uint32_t inexact;
  uint8_t dirty;  // the text changed in this report
  void operator()(const Verdict& v, const tt::HidEvent& e, tt::Status) {
    if (e.kind != tt::kHidEnd) {
      dirty = 1;
      return;
    }
    tt::hid::verdict_read(v, scores);
    fold(digest, scores);
    ++messages;
    inexact += v.editor.inexact;
    dirty = 0;
  }
};

static_assert(TT_HID_REPORTS < 65536u, "report index is 16-bit");

Verdict verdict;
Observer observer;
tt::hid::VerdictStep<HIDRT_OUTPUTS> step;
Scores live_scores;

}  // namespace

extern "C" int tt_workload_main(void) {
  tt::Model model;
  if (hidrt_open(model) != tt::kOk) return 2;
  if (tt::hid::verdict_init(verdict, model, tt::hid_layout_uk()) != tt::kOk) return 3;
  observer.digest = kFnvOffset;
  observer.messages = observer.inexact = 0;
  uint32_t live_digest = kFnvOffset;
  uint32_t live = 0, keys = 0, refused = 0;
  uint8_t report[tt::kHidReportSize];

  tt_bench_begin();
  for (uint16_t i = 0; i < TT_HID_REPORTS; ++i) {
    for (uint8_t j = 0; j < tt::kHidReportSize; ++j) report[j] = 0;
    report[0] = tt_flash_u8(&tt_hid_reports[2u * i]);
    report[2] = tt_flash_u8(&tt_hid_reports[2u * i + 1u]);
    if (report[2] != 0) ++keys;
    observer.dirty = 0;
    if (tt::hid::verdict_feed_report(verdict, report, sizeof report, &step, observer) != tt::kOk) return 4;
    refused += step.refused;
    if (observer.dirty) {
      tt::hid::verdict_read(verdict, live_scores);
      fold(live_digest, live_scores);
      ++live;
    }
  }
  if (!tt::hid::verdict_empty(verdict)) {  // text after the last Enter (none from hid-type)
    tt::hid::verdict_read(verdict, observer.scores);
    fold(observer.digest, observer.scores);
    ++observer.messages;
  }
  tt_bench_end();

  const bool match = observer.digest == TT_EXPECT_DIGEST && live_digest == TT_EXPECT_LIVE_DIGEST &&
                     observer.messages == TT_EXPECT_MESSAGES && live == TT_EXPECT_LIVE &&
                     observer.inexact == TT_EXPECT_INEXACT;
  tt::board::put_kv_dec("reports", TT_HID_REPORTS);
  tt::board::put_kv_dec("bytes", keys);
  tt::board::put_kv_dec("messages", observer.messages);
  tt::board::put_kv_dec("live_reads", live);
  tt::board::put_kv_dec("refused_backspaces", refused);
  tt::board::put_kv_dec("inexact", observer.inexact);
  tt::board::put_kv_hex("digest", observer.digest);
  tt::board::put_kv_hex("live_digest", live_digest);
  tt::board::put_kv_dec("cli_match", match ? 1u : 0u);
  return match ? 0 : 1;
}
