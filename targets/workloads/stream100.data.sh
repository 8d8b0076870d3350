#!/usr/bin/env bash
# Data of a stream workload: the sms4k model only (no texts; the text is generated on the board).
set -euo pipefail
out="$(dirname "$1")"
python3 "$TT_ROOT/targets/common/gen_model_data.py" --tinytext "$TT_TINYTEXT" \
  --data "$TT_SHARED_DATA/sms-spam-collection/SMSSpamCollection" \
  --reader "--format tsv --no-header --label 1 --text 2" --max-flash 4K --name sms4k \
  --work "$out/model" --gen "$out/gen" --out "$1.texts" --max-bytes 1
sed -n '/^#include "sms4k_model.h"/p;/^#define TT_W_OPEN/p;/^typedef/p' "$1.texts" >"$1"
