// The exact table's selection: which features get an exact slot (ModelShape::table_groups). A
// component of its own, reusing the model's forward pass, the loss and the AdaGrad optimiser.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/dataset.h"
#include "model/float_model.h"
#include "train/features.h"

namespace tt::train {

struct TableSelectOptions {
  uint32_t entries = 0;          // features to place, at most
  float l2 = 0;                  // the selection model's L2 penalty (not on the text row and biases)
  float lr = 0;                  // initial learning rate, decayed linearly to 0
  uint32_t epochs = 0;
  uint32_t batch = 32;
  uint64_t seed = 1;
  uint64_t max_text_bytes = 0;   // beyond this much text, a seeded sample of whole rows
};

struct TableSelection {
  std::vector<uint8_t> fingerprints;  // kTableWays per group, group-major
  uint32_t placed = 0;                // features placed
  size_t rows_read = 0;               // rows the pass trained on
};

// The exact table's selection pass (TrainRequest::exact_table): a linear model on the
// unhashed features of the training rows (every distinct 32-bit hash its own weight vector, plus
// the text row as a bias-like feature counted c times), pooled as the model pools, trained with
// AdaGrad, TableSelectOptions::l2 (not on the text row and the biases), the learning rate and
// its linear decay and the batches of the final training, TableSelectOptions::epochs, on one
// thread in a seeded order (the result
// does not depend on --threads). Features are ranked by the norm of their weight vector (ties: the
// lower hash first) and put into their groups greedily: a feature whose group is full, or holds
// its fingerprint already, is skipped (it will reach that slot by its fingerprint anyway); the
// pass stops after `entries` features or at the end of the ranking. An empty slot gets the lowest
// byte not yet in its group (a row only false matches reach).
TableSelection select_table(const data::Dataset& d, const ModelShape& shape, const Rows& rows,
                            const TableSelectOptions& o, const ClassWeights& cw);

}  // namespace tt::train
