// What a caller owns per text: the streaming state (ModelState) and the scores model_read reports
// (ModelScores), and the limits of the feature count. Plain data of a size known at compile time.
#ifndef TINYTEXT_STATE_H
#define TINYTEXT_STATE_H

#include "config.h"
#include "image.h"
#include "tokenizer.h"

namespace tt {

static const uint32_t kMaxFeatureCount = 16777216u;  // 2^24: the count (and so |acc| / 128) stays below this

// model_push ignores bytes from this count on: room for one byte (<= 12), the pending word (<= 7)
// and the text row (<= 255) below kMaxFeatureCount.
static const uint32_t kSaturateAt = kMaxFeatureCount - 32u - 256u;

static const uint8_t kMaxPending = 8;           // features a tokenizer_finish can emit (<= 5 char + word + bigram)
static const uint8_t kMaxPerByte = 12;          // features one byte can emit (a punctuation byte ending a word)
static_assert(kMaxPerByte < 16, "model_push_text's runs assume at most 15 features per byte");

// What the streaming kernel (detail::push_run) reads and writes: ModelState's part that
// model_read copies to end the pending word (without `limit`: a smaller copy, nested under the
// kernel's frame).
template <uint16_t MaxDim>
struct SumsState {
  TokenizerState tok;
  uint32_t count;      // features summed so far, below kMaxFeatureCount
  int32_t acc[MaxDim]; // per embedding dim: sum of int8 weights; |acc| <= 128 * count < 2^31
};

// The streaming state of one text. Plain data; its size depends only on the template arguments
// (the largest D, H, K the caller will use); it does not grow with the text.
template <uint16_t MaxDim, uint16_t MaxHidden, uint16_t MaxOutputs>
struct ModelState : SumsState<MaxDim> {
  static_assert(MaxDim >= 1 && MaxDim <= kModelMaxDim, "MaxDim must be in [1, 4096]");
  static_assert(MaxHidden <= kModelMaxDim, "MaxHidden must be in [0, 4096]");
  static_assert(MaxOutputs >= 1 && MaxOutputs <= kModelMaxDim, "MaxOutputs must be in [1, 4096]");
  static const uint16_t kMaxDim = MaxDim;
  static const uint16_t kMaxHidden = MaxHidden;
  static const uint16_t kMaxOutputs = MaxOutputs;

  uint32_t limit;      // kSaturateAt after a successful model_reset, else 0: model_push ignores
                       // bytes while count >= limit (ready: limit != 0; saturated: count >= limit)
};

// What model_read reports.
template <uint16_t MaxOutputs>
struct ModelScores {
  int32_t logit[MaxOutputs];  // Q16.16 logit per output (saturated to int32)
  int32_t rank[MaxOutputs];   // monotone ranking score: sigmoid head = logit; softmax head = probability in Q30
  uint16_t prob[MaxOutputs];  // probability in Q15, 0 .. 32768 (sigmoid per output, or softmax)
  uint16_t best;              // argmax of logit, the lowest index on ties
  uint16_t outputs;           // K
  uint32_t features;          // features the scores are based on (pending word included)
};
}  // namespace tt

#endif  // TINYTEXT_STATE_H
