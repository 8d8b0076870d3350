// libFuzzer target for the host model-file readers (built by tests/fuzz.cmake): the float model
// (parse_model, src/model/model_io.cc) and the int8 model (parse_quant, src/quant/quantize.cc),
// which share the container (read_container) and its shared sections.
//
// The input is a model file whose trailing CRC-32 is set to match before parsing (so the fuzzer
// explores the sections rather than the checksum). A reader must either throw tt::Error naming
// the file, or give a model that scores a text, and whose file written again reads back to the
// same bytes. The readers must allocate nothing the file's length does not justify: the bounded
// ctest run and bench/fuzz.sh use -rss_limit_mb and -malloc_limit_mb to catch that.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/error.h"
#include "model/model_io.h"
#include "quant/quantize.h"
#include "fuzz_check.h"

namespace {

const char kName[] = "fuzz.ttm";

void check_error(const tt::Error& e) {
  FUZZ_CHECK(std::string(e.what()).rfind(kName, 0) == 0);  // names the file
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  if (bytes.size() >= 20) {
    const uint32_t crc = tt::crc32(bytes.data(), bytes.size() - 4);
    for (int i = 0; i < 4; ++i) bytes[bytes.size() - 4 + size_t(i)] = static_cast<char>(crc >> (8 * i));
  }
  try {
    const tt::FloatModel m = tt::parse_model(bytes, kName);
    (void)m.scores("Free entry: WIN a prize 2day, call 08001234567 now!");
    const std::string again = tt::serialize_model(m);
    FUZZ_CHECK(tt::serialize_model(tt::parse_model(again, kName)) == again);
  } catch (const tt::Error& e) {
    check_error(e);
  }
  try {
    const tt::quant::QuantModel q = tt::quant::parse_quant(bytes, kName);
    tt::quant::Runner runner(q);
    const tt::quant::IntScores s = runner.score("Free entry: WIN a prize 2day, call 08001234567 now!");
    FUZZ_CHECK(s.logit.size() == q.shape.outputs);
    const std::string again = tt::quant::serialize_quant(q);
    FUZZ_CHECK(tt::quant::serialize_quant(tt::quant::parse_quant(again, kName)) == again);
  } catch (const tt::Error& e) {
    check_error(e);
  }
  return 0;
}
