// Workload "sms32k": the 32 KB SMS spam model classifies the whole SMS test split (1,115 texts,
// about 91 KB) on the Cortex-M0+ (256 KB flash). It does not fit the ATmega328P (32 KB flash in
// all), so that target is skipped. See classify.h.
// run.sh data-symbols: ^(tt_text|sms32k_model_data)
// run.sh baseline
// run.sh targets: host m0
#include "board.h"
#include "workload_data.h"
#include "classify.h"
