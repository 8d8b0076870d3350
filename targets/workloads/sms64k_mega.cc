// Workload "sms64k_mega": the model `tinytext train --board mega2560` picks for the SMS data (the
// largest that fits the Arduino Mega 2560: a 65.5 KB image, past what one AVR object or a 16-bit
// flash address reaches) on the ATmega2560. The generated model file places the image above the
// code and the runtime reads it with far addresses (ELPM, pgm.h's TT_FAR_FLASH, set by the model
// header); the texts (the first ~24 KB of the SMS test split, as sms32k_mega) stay near PROGMEM.
// See classify.h.
// run.sh data-symbols: ^(tt_text|sms64k_mega_model_data)
// run.sh baseline
// run.sh targets: host mega
#include "board.h"
#include "workload_data.h"
#include "classify.h"
