#!/usr/bin/env bash
# Data of the sms192k_mega workload (see sms4k.data.sh): an SMS model with D = 3, H = 4 in a 200K budget
# (a 196 KB image) and the first ~24 KB of the SMS test split.
set -euo pipefail
out="$(dirname "$1")"
exec python3 "$TT_ROOT/targets/common/gen_model_data.py" --tinytext "$TT_TINYTEXT" \
  --data "$TT_SHARED_DATA/sms-spam-collection/SMSSpamCollection" \
  --reader "--format tsv --no-header --label 1 --text 2" --max-flash 200K --train-opts "--dim 3 --hidden 4" \
  --name sms192k_mega --work "$out/model" --gen "$out/gen" --out "$1" --max-bytes 24000
