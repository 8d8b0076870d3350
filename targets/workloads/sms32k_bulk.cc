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
