#!/usr/bin/env bash
# Data of the sms64k_mega workload (see sms4k.data.sh): the model train --board mega2560 picks (a 65.5 KB
# image) and the first ~24 KB of the SMS test split.
set -euo pipefail
out="$(dirname "$1")"
exec python3 "$TT_ROOT/targets/common/gen_model_data.py" --tinytext "$TT_TINYTEXT" \
  --data "$TT_SHARED_DATA/sms-spam-collection/SMSSpamCollection" \
  --reader "--format tsv --no-header --label 1 --text 2" --board mega2560 --name sms64k_mega \
  --work "$out/model" --gen "$out/gen" --out "$1" --max-bytes 24000
