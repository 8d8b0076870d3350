// Workload "stream10000": a generated 10000-byte text through the sms4k model (see stream.h); its RAM
// and stack must equal those of the other stream workload.
// run.sh data-symbols: ^sms4k_model_data
// run.sh baseline
#define TT_STREAM_BYTES 10000u
#include "board.h"
#include "workload_data.h"
#include "stream.h"
