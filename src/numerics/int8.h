// The int8 numerics of a float model, below training and quantisation: the scales and integer
// tensors the device image stores (make_plan; docs/numerics.md), the float model they stand for
// (dequantized), and quantisation-aware training's fake quantisation (numerics/fake_quant.h).
// quant::quantize writes a plan into the device image; the trainer's --qat trains through
// dequantized weights.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/float_model.h"

namespace tt::numerics {

// Activation ranges: per pooled dim and per hidden unit, the largest |value| to represent.
struct Ranges {
  std::vector<double> pooled;  // D
  std::vector<double> hidden;  // H
  size_t examples = 0;         // calibration texts behind them (0: derived from the weights)
};

struct QuantOptions {
  // The range kept for an activation is `margin` x the largest value seen in calibration
  // (int16 activations have resolution to spare, clipping costs more than a coarser step).
  double margin = 2.0;
  // Without calibration data, sqrt and sum pooling are bounded assuming at most this many
  // features per text (mean pooling needs no assumption).
  uint32_t assumed_features = 256;
};

// Every integer tensor and real scale of the quantised model.
struct Int8Plan {
  std::vector<double> se, sp, sw1, sa, sw2, sx;  // scales: embedding columns, pooled, w1 rows, hidden, w2 rows, w2's input
  std::vector<int8_t> emb, w1, w2;
  std::vector<int32_t> b1, b2, thr;
  std::vector<double> mpool, m1, m2;  // real requantisation factors
  uint16_t ap = 0, ah = 0;            // activation limits of the pooled and hidden vectors
};

// The plan of `m` under activation ranges `r` (embedding per column, dense layers per row with
// the input scales folded in, biases at the accumulator scale). Throws tt::Error when the device
// runtime cannot hold the shape.
Int8Plan make_plan(const FloatModel& m, const Ranges& r);

// A float model whose weights are exactly the dequantised int8 weights of make_plan (embedding
// per column, dense layers per row, biases as rounded int32): the forward pass of
// quantisation-aware training uses it.
FloatModel dequantized(const FloatModel& m, const Ranges& ranges);

// A sigmoid threshold (probability) as the smallest Q16.16 logit at or above it.
int32_t threshold_q16(double p);

}  // namespace tt::numerics
