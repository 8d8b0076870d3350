#!/usr/bin/env bash
# Data of the sms32k_mega workload (see sms4k.data.sh): the 32 KB model and the first ~24 KB of the SMS test split (low 64 KB of the Mega's flash).
set -euo pipefail
out="$(dirname "$1")"
exec python3 "$TT_ROOT/targets/common/gen_model_data.py" --tinytext "$TT_TINYTEXT" \
  --data "$TT_SHARED_DATA/sms-spam-collection/SMSSpamCollection" \
  --reader "--format tsv --no-header --label 1 --text 2" --max-flash 32K --name sms32k_mega \
  --work "$out/model" --gen "$out/gen" --out "$1" --max-bytes 24000
