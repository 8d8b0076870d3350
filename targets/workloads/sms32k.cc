// Workload "sms32k": the 32 KB SMS spam model classifies the whole SMS test split (1,115 texts,
// about 91 KB) on the Cortex-M0+, the Cortex-M4 and the rv32imc. It does not fit the ATmega328P
// (32 KB flash in all); the ATmega2560 runs it in sms32k_mega (fewer texts). See classify.h.
// run.sh data-symbols: ^(tt_text|sms32k_model_data)
// run.sh baseline
// run.sh targets: host m0 m4 rv32
#include "board.h"
#include "workload_data.h"
#include "classify.h"
