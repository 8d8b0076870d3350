// Workload "sms32k_mega": the 32 KB SMS spam model (the default export, 32,767 B image) on the
// ATmega2560 (Arduino Mega 2560: 256 KB flash). The image is one PROGMEM array of at most
// 32,767 bytes and, with the texts (the first ~24 KB of the SMS test split), stays in the low
// 64 KB of flash that pgm_read_byte (LPM, 16-bit address) reaches: the runtime runs unchanged.
// See classify.h.
// run.sh data-symbols: ^(tt_text|sms32k_mega_model_data)
// run.sh baseline
// run.sh targets: host mega
#include "board.h"
#include "workload_data.h"
#include "classify.h"
