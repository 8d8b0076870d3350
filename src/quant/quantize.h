// Post-training quantisation of a float model into the full-integer int8 model (kind 1), and the
// kind-1 model file. The int8 model *is* its device image (include/tinytext/model.h): the file
// stores the image as a section, and the host scores texts by running the device runtime on
// those very bytes. docs/numerics.md describes every scale, range and rounding.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/float_model.h"
#include "numerics/int8.h"
#include "tinytext/model.h"

namespace tt::quant {

// Ranges from calibration texts (the float model's forward pass), or from the weights alone
// when `texts` is empty.
numerics::Ranges calibrate(const FloatModel& m, const std::vector<std::string>& texts,
                           const numerics::QuantOptions& opt);

// The quantised model: the device image plus the host-side metadata kept in the file.
struct QuantModel {
  ModelShape shape;
  std::vector<std::string> labels;
  std::vector<float> float_threshold;  // the parent's thresholds (probabilities), for reference
  std::string info;                    // the parent's info text
  std::string qinfo;                   // how it was quantised (calibration, margin, method)
  std::string data;                    // the parent's training data summary (FloatModel::data)
  std::string image;                   // the device image (include/tinytext/model.h layout)

  // The image opened by the device runtime (throws tt::Error if it does not open).
  tt::Model view() const;
};

// Quantises `m` with the given activation ranges. Throws tt::Error if the model cannot be
// represented (e.g. labels longer than the image allows).
QuantModel quantize(const FloatModel& m, const numerics::Ranges& ranges, const std::string& qinfo = "");

// Sets the device image's decision thresholds (Q16.16 logits, one per output; what the device's
// model_positive compares) and its CRC, and the file's reference thresholds to their
// probabilities. Throws tt::Error when the count differs from the outputs.
void set_thresholds(QuantModel& q, const std::vector<int32_t>& q16);

// The kind-1 model file. Sections: SHAP, LABL, THRS as in kind 0; IMAG (critical) the device
// image; info, qinf (ancillary) text.
std::string serialize_quant(const QuantModel& q);
// Throws tt::Error naming `name` on: a bad container (truncated, corrupt, other version), kind
// 0, missing/duplicate/unknown critical sections, an image the device runtime refuses (with its
// Status), or an image that disagrees with SHAP/LABL.
QuantModel parse_quant(const std::string& bytes, const std::string& name);
void save_quant(const std::string& path, const QuantModel& q);
QuantModel load_quant(const std::string& path);

// The device's integer outputs for one text.
struct IntScores {
  std::vector<int32_t> logit;  // Q16.16
  std::vector<int32_t> rank;   // sigmoid: the logit; softmax: probability in Q30
  std::vector<uint16_t> prob;  // Q15
  uint16_t best = 0;
  uint32_t features = 0;
  std::vector<uint8_t> positive;  // model_positive per output
};

// Runs the device runtime (model.h) on a QuantModel's image. Not thread-safe per instance
// (one state); make one per thread.
class Runner {
 public:
  explicit Runner(const QuantModel& q);
  ~Runner();
  Runner(Runner&&) noexcept;
  IntScores score(const std::string& text);
  const tt::Model& model() const { return model_; }

 private:
  struct State;
  std::string image_;  // owned copy: model_ points into it
  tt::Model model_{};
  std::unique_ptr<State> state_;
};

// Helpers shared with export and tests.
// (mult, shift) with mult * 2^-shift ~= real, mult in [2^30, 2^31) (0 for real == 0), shift in
// [1, 62]; throws tt::Error if real is negative, not finite, or >= 2^30.
void quantize_multiplier(double real, int32_t* mult, uint8_t* shift);
// Status names for messages.
const char* status_name(tt::Status s);

// Double score of a Q16.16 logit (sigmoid heads) and of a Q30 rank (softmax heads).
double score_of_logit_q16(int32_t logit);
double score_of_rank_q30(int32_t rank);

}  // namespace tt::quant
