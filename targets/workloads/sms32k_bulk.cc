// Workload "sms32k_bulk": sms32k through the bulk API, tt::model_push_text (each text in one
// call) instead of model_push per byte. The texts are read through a plain pointer, which the
// Cortex-M0+ maps to flash; the ATmega328P would need them in RAM (and sms32k does not fit it).
// See classify.h.
// run.sh data-symbols: ^(tt_text|sms32k_model_data)
// run.sh baseline
// run.sh targets: host m0
#define TT_W_BULK 1
#include "board.h"
#include "workload_data.h"
#include "classify.h"

#if TT_M0_ASM
// This workload is about the Thumb-1 loop: a model that model_push_text would not give it
// (M0Asm: e.g. one that keeps its digits) fails the build instead of measuring the C++ code.
static_assert(tt::detail::M0Asm<TT_W_MODEL, 1>::value, "sms32k's model runs m0_push_run");
#endif
