// libFuzzer target for the device runtime (built by tests/fuzz.cmake with clang's
// -fsanitize=fuzzer,address,undefined and the integer checks that apply to it).
//
// The first input byte picks the path:
//   even: the run-time opened path. Bytes 1-2 are an image length L (little-endian, clipped to
//         what follows), then L image bytes, then the text. The image's size field (bytes 8-11) and
//         its trailing CRC-32 are set to match before model_open, so the fuzzer explores what the
//         structural checks accept rather than the checksum. Every image model_open accepts must
//         then run: model_reset, model_push byte by byte and model_push_text on the whole text
//         must give the same scores (read half-way and at the end), every label must read back.
//   odd:  the static path: the rest is text pushed into the exported model fz_model (generated
//         by tests/fuzz_seeds.sh, a StaticModel), byte by byte and in bulk, and into the same
//         image opened at run time: all three must give the same scores.
// Anything else, a sanitizer report or a broken check (abort), is a finding: if it is inside
// model_open or the push kernel, see docs/testing.md (fuzzing) for where it is recorded.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "fz_model.h"
#include "tinytext/model.h"
#include "fuzz_check.h"

namespace {

const uint16_t kMax = tt::kModelMaxDim;
typedef tt::ModelState<kMax, kMax, kMax> BigState;
typedef tt::ModelScores<kMax> BigScores;

template <uint16_t K>
bool same_scores(const tt::ModelScores<K>& a, const tt::ModelScores<K>& b, uint16_t outputs) {
  if (a.best != b.best || a.outputs != b.outputs || a.features != b.features) return false;
  for (uint16_t k = 0; k < outputs; ++k)
    if (a.logit[k] != b.logit[k] || a.rank[k] != b.rank[k] || a.prob[k] != b.prob[k]) return false;
  return true;
}

template <uint16_t K>
void check_scores(const tt::ModelScores<K>& s, uint16_t outputs) {
  FUZZ_CHECK(s.outputs == outputs && s.best < outputs);
  for (uint16_t k = 0; k < outputs; ++k) FUZZ_CHECK(s.prob[k] <= 32768u);
}

// Pushes `text` byte by byte into one state and in bulk into another; reads both half-way and at
// the end. Returns the final scores in `out`.
template <class M, uint16_t D, uint16_t H, uint16_t K>
void run(const M& m, tt::ModelState<D, H, K>& a, tt::ModelState<D, H, K>& b, tt::ModelScores<K>& sa,
         tt::ModelScores<K>& sb, const uint8_t* text, size_t n) {
  FUZZ_CHECK(tt::model_reset(m, a) == tt::kOk && tt::model_reset(m, b) == tt::kOk);
  const size_t half = n / 2;
  for (size_t i = 0; i < half; ++i) tt::model_push(m, a, text[i]);
  tt::model_push_text(m, b, text, half);
  tt::model_read(m, a, sa);
  tt::model_read(m, b, sb);
  check_scores(sa, m.outputs);
  FUZZ_CHECK(same_scores(sa, sb, m.outputs));
  for (size_t i = half; i < n; ++i) tt::model_push(m, a, text[i]);
  tt::model_push_text(m, b, text + half, n - half);
  tt::model_read(m, a, sa);
  tt::model_read(m, b, sb);
  check_scores(sa, m.outputs);
  FUZZ_CHECK(same_scores(sa, sb, m.outputs));
  for (uint16_t k = 0; k < m.outputs; ++k) (void)tt::model_positive(m, sa, k);
}

BigState g_a, g_b;
BigScores g_sa, g_sb;

void fuzz_opened(const uint8_t* data, size_t size) {
  if (size < 2) return;
  size_t len = size_t{data[0]} | size_t{data[1]} << 8;
  if (len > size - 2) len = size - 2;
  // An exact-size heap copy, so a read past the image is an ASan report.
  std::vector<uint8_t> image(data + 2, data + 2 + len);
  const uint8_t* text = data + 2 + len;
  const size_t n = size - 2 - len;
  if (len >= 12) {
    const uint32_t l = static_cast<uint32_t>(len);
    for (int i = 0; i < 4; ++i) image[tt::kHdrSize + size_t(i)] = static_cast<uint8_t>(l >> (8 * i));
  }
  if (len >= tt::kModelHeaderBytes + 4u) {
    const uint32_t crc = tt::detail::crc32_image(image.data(), static_cast<uint32_t>(len - 4));
    for (int i = 0; i < 4; ++i) image[len - 4 + size_t(i)] = static_cast<uint8_t>(crc >> (8 * i));
  }
  tt::Model m;
  if (tt::model_open(m, image.empty() ? nullptr : image.data(), static_cast<uint32_t>(len)) != tt::kOk) {
    FUZZ_CHECK(m.image == nullptr);
    return;
  }
  run(m, g_a, g_b, g_sa, g_sb, text, n);
  uint8_t label[4097];
  for (uint16_t k = 0; k < m.outputs; ++k) {
    FUZZ_CHECK(tt::model_label(m, k, label, sizeof label) == tt::kOk);
    (void)tt::model_threshold(m, k);
  }
  (void)tt::model_id(m);
  (void)tt::model_text_row_count(m);
}

void fuzz_static(const uint8_t* text, size_t n) {
  static fz_state a, b;
  static fz_scores sa, sb;
  fz_model m;
  run(m, a, b, sa, sb, text, n);
  // The same image opened at run time scores the same.
  tt::Model opened;
  FUZZ_CHECK(fz_open(opened) == tt::kOk);
  run(opened, g_a, g_b, g_sa, g_sb, text, n);
  FUZZ_CHECK(g_sa.best == sa.best && g_sa.features == sa.features);
  for (uint16_t k = 0; k < m.outputs; ++k)
    FUZZ_CHECK(g_sa.logit[k] == sa.logit[k] && g_sa.rank[k] == sa.rank[k] && g_sa.prob[k] == sa.prob[k]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  if (data[0] & 1)
    fuzz_static(data + 1, size - 1);
  else
    fuzz_opened(data + 1, size - 1);
  return 0;
}
