// Quantisation-aware training pieces, for the trainer (src/train) to call; below the trainer and
// the quantiser (numerics/int8.h), so training does not depend on quant/.
//
// Forward: run the float forward/backward on a *shadow* model whose weights are exactly the
// dequantised int8 weights the device will use (numerics::dequantized: embedding per column, dense
// layers per row with the activation scales folded in, biases rounded at the accumulator scale).
// Backward: the straight-through estimator: the gradient w.r.t. each shadow weight is applied to
// the master (float) weight unchanged (the rounding's derivative is taken as 1; weights are never
// clipped because every scale is the row/column max). Activation ranges are running maxima of the
// float activations, times the margin, as in post-training calibration.
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/float_model.h"
#include "numerics/int8.h"

namespace tt::numerics {

class FakeQuant {
 public:
  explicit FakeQuant(const ModelShape& s, QuantOptions opt = {});
  // Records the activations of one example under `master` (call for each example of a batch,
  // or for a sample of the training data before the first epoch).
  void observe(const FloatModel& master, const uint16_t* features, size_t n);
  // Records activations the caller has already computed for one example: the pooled vector (D
  // values; ignored for linear models) and the hidden activations after ReLU (H values, or
  // nullptr when H = 0). The trainer passes the shadow model's activations, i.e. those of the
  // int8 model it will write, which costs no second forward pass.
  void observe_activations(const float* pooled, const float* hidden);
  // Rewrites `shadow` from `master` (same shape): call at the start of every batch, then compute
  // the batch's gradients with `shadow`'s weights and apply them to `master`.
  void refresh(const FloatModel& master, FloatModel& shadow) const;
  // The ranges to quantise with at the end (pass to quant::quantize()).
  Ranges ranges() const;
  // Examples observed so far.
  size_t seen() const { return seen_; }

 private:
  ModelShape shape_;
  QuantOptions opt_;
  std::vector<double> pooled_max_, hidden_max_;
  size_t seen_ = 0;
};

}  // namespace tt::numerics
