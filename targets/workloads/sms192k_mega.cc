// Workload "sms192k_mega": an SMS embedding model with a hidden layer (train --max-flash 200K --dim
// 3 --hidden 4: 65,536 buckets x 3 dims, a 196 KB image) on the ATmega2560: far reads up to the
// image's end past 192 KB of flash, and the dense layers' far reads (sms64k_mega's linear model has
// none). The texts as sms32k_mega. See classify.h.
// run.sh data-symbols: ^(tt_text|sms192k_mega_model_data)
// run.sh baseline
// run.sh targets: host mega
#include "board.h"
#include "workload_data.h"
#include "classify.h"
