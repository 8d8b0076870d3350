// Why a model scored a text: each feature's contribution to each label's logit.
//
// - Float linear model: logit_k = b2_k + s * sum_i E[r_i][k] (s: the pooling scale, r_i the
//   feature's row), so feature i contributes s * E[r_i][k]: exact.
// - Float model with a dense head: at this text's activations the head is linear in the pooled
//   vector (each ReLU unit is either on, passing its input, or off), so with the on/off pattern
//   of this text held fixed, logit_k = bias_k + s * sum_i v_k . E[r_i], v_k = sum over the units
//   on of w2[k][h] W1[h]; feature i contributes s * v_k . E[r_i] and the sum is the logit (up to
//   float rounding). bias_k = b2_k + sum over the units on of w2[k][h] b1[h]. A unit's on/off
//   state depends on every feature, so this says how the logit splits at this input, not what
//   removing a feature would do.
// - Int8 linear model: the device sums the int8 rows in int32 (sum_k = sum_i Q[r_i][k]) and then
//   pools and requantises sum_k into the Q16.16 logit; feature i contributes its integer Q[r_i][k]
//   and the integer sum is what the board adds. The logit recomputed from it by the device's own
//   functions is checked against the device's logit.
// - Int8 model with a dense head: feature i adds its int8 row Q[r_i] to the board's D int32 sums
//   (exact). Its share of the logit is carried through the layers as in the float case, with the
//   ReLU on/off pattern of the device's own integer activations held fixed and every layer's
//   requantiser taken as the real factor the device multiplies by: in Q16.16 logit units,
//   c_i = M2_k sum over the units on of W2[k][h] M1_h sum_d W1[h][d] P Mpool_d Q[r_i][d]
//   (P the pooling factor), bias = M2_k (b2_k + sum over the units on of W2[k][h] M1_h b1_h),
//   each rounded to an integer. What the device's rounding, truncation and clamping in those
//   layers add is the remainder: the device's logit - bias - sum of c_i, so the parts add up to
//   the board's logit exactly.
// The text row (when the model has one) is one extra feature "(text row)" counted c times.
// Features whose n-gram texts differ but share an embedding row in this text are marked as
// collisions (the model cannot tell them apart).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "quant/any_model.h"

namespace tt::report {

struct Feature {
  std::string text;   // the word, "a b" bigram, char n-gram with < > markers, or "(text row)"
  std::string kind;   // "word", "bigram", "char", "text row"
  uint32_t pos = 0;   // byte offset of its word in the input
  uint32_t row = 0;   // the embedding row it reads
  std::vector<std::string> shares_row;  // other n-gram texts of this input reading the same row
};

struct LabelExplanation {
  std::string label;
  double logit = 0;             // float: the forward pass in double; int8: the device's Q16.16 logit / 65536
  double bias = 0;              // the part no feature carries (float models)
  std::vector<double> contrib;  // per feature (float: to the logit; int8 linear: integer Q[r][k];
                                // int8 dense: an integer in Q16.16 logit units)
  int64_t int_sum = 0;          // int8 linear: the device's integer sum (the sum of contrib)
  int32_t logit_q16 = 0;        // int8: the device's logit
  int64_t bias_q16 = 0;         // int8 dense: the part no feature carries
  int64_t remainder_q16 = 0;    // int8 dense: rounding and clamping in the int8 layers
                                // (logit_q16 = bias_q16 + sum of contrib + remainder_q16)
};

struct Explanation {
  bool int8 = false;
  bool dense = false;  // int8 with a dense head (bias_q16, remainder_q16, sums)
  double scale = 0;  // the pooling scale (float models)
  std::vector<int64_t> sums;  // int8 dense: the board's D int32 sums (of the features' int8 rows)
  std::vector<int32_t> hidden;  // int8 dense: the device's hidden activations (their on/off pattern)
  std::vector<Feature> features;
  std::vector<LabelExplanation> labels;
};

Explanation explain(quant::LoadedModel& model, const std::string& text);

// What one embedding row alone does to label k's logit, for the report's table of n-grams:
// a linear model's weight (float: E[row][k]; int8: the integer Q[row][k]); for a model with a
// dense head, the logit of a bag holding only that row (and the text row, if any) less the logit
// of the bag without it (int8: the board's logits, by the device runtime's layers). One weight per
// row of `rows`.
std::vector<double> row_weights(const quant::LoadedModel& model, const std::vector<uint32_t>& rows, size_t k);

}  // namespace tt::report
