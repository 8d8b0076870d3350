// Workload "sms4k_checked": sms4k on the generic path, as for an image loaded at run time (an SD
// card, a radio): a tt::Model filled by model_open, which checks the image (magic, version,
// sizes, CRC-32, parameter ranges) before the first text, and kernels that read the model's shape
// from it. The other model workloads use the static path (the generated sms4k_model type: the
// shape compiled in, no open); the difference between the two is what the run-time check and the
// generic code cost. See classify.h.
// run.sh data-symbols: ^(tt_text|sms4k_model_data)
// run.sh baseline
#define TT_W_RUNTIME_CHECK 1
#include "board.h"
#include "workload_data.h"
#include "classify.h"
