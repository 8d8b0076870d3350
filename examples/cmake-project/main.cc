// Classifies each line of stdin with the exported model, streaming it byte by byte as a device
// would, and prints the labels the model calls positive (tab-separated, '-' for none): the first
// column of `tinytext predict`'s output for the same model.
#include <cstdio>

#include "example_model.h"

static example_model model;
static example_state state;
static example_scores scores;

static void report() {
  tt::model_read(model, state, scores);
  bool any = false;
  for (uint16_t k = 0; k < EXAMPLE_OUTPUTS; ++k) {
    if (!tt::model_positive(model, scores, k)) continue;
    uint8_t label[64];
    if (tt::model_label(model, k, label, sizeof label) != tt::kOk) return;
    std::printf("%s%s", any ? "," : "", reinterpret_cast<const char*>(label));
    any = true;
  }
  std::printf("%s\n", any ? "" : "-");
}

int main() {
  if (tt::model_reset(model, state) != tt::kOk) return 1;
  int c;
  while ((c = std::getchar()) != EOF) {
    if (c == '\n') {
      report();
      if (tt::model_reset(model, state) != tt::kOk) return 1;
    } else {
      tt::model_push(model, state, static_cast<uint8_t>(c));
    }
  }
  return 0;
}
