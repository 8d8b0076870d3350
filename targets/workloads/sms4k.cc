// Workload "sms4k": the 4 KB SMS spam model (tinytext train --max-flash 4K, quantised, exported)
// classifies the first ~18 KB of the SMS test split on every board (the ATmega328P's 32 KB of
// flash holds the runtime, the model and these texts). See classify.h.
// run.sh data-symbols: ^(tt_text|sms4k_model_data)
// run.sh baseline
#include "board.h"
#include "workload_data.h"
#include "classify.h"
