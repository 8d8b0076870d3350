// Workload "sms64k_mega_checked": sms64k_mega on the generic path (tt::Model filled by model_open,
// as sms4k_checked): the run-time checks (sizes, CRC-32 over the whole image, parameter ranges)
// and the kernels that read the shape from the model, on a far image (TT_FAR_FLASH: 24-bit
// addresses, ELPM) on the ATmega2560. See classify.h.
// run.sh data-symbols: ^(tt_text|sms64k_mega_model_data)
// run.sh baseline
// run.sh targets: host mega
#define TT_W_RUNTIME_CHECK 1
#include "board.h"
#include "workload_data.h"
#include "classify.h"
