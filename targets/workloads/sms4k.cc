// Workload "sms4k": the 4 KB SMS spam model (tinytext train --max-flash 4K, quantised, exported)
// classifies the first ~18 KB of the SMS test split on every board: M0+, M4, rv32imc, 328P, 2560
// (the ATmega328P's 32 KB of flash holds the runtime, the model and these texts). See classify.h.
// run.sh data-symbols: ^(tt_text|sms4k_model_data)
// run.sh baseline
// run.sh targets: host m0 m4 rv32 avr mega
#include "board.h"
#include "workload_data.h"
#include "classify.h"
