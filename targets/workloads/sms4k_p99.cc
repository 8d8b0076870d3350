// Workload "sms4k_p99": sms4k with its threshold set by `tinytext threshold --precision 0.99` on
// exactly the embedded texts and labels; the board's model_positive decisions must have precision
// >= 0.99 on them (classify.h) and equal the CLI's (cli_match). See gen_model_data.py.
// run.sh data-symbols: ^(tt_text|tt_truth|sms4k_p99_model_data)
#include "board.h"
#include "workload_data.h"
#include "classify.h"
