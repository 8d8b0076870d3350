// Workload "stream100": a generated 100-byte text through the sms4k model (see stream.h); its RAM
// and stack must equal those of the other stream workload.
// run.sh data-symbols: ^sms4k_model_data
// run.sh baseline
#define TT_STREAM_BYTES 100u
#include "board.h"
#include "workload_data.h"
#include "stream.h"
