#!/usr/bin/env bash
# Data of the sms4k_p99 workload: sms4k's model and texts, its threshold chosen for precision
# 0.99 on those texts (gen_model_data.py --threshold-precision), and their labels.
set -euo pipefail
out="$(dirname "$1")"
exec python3 "$TT_ROOT/targets/common/gen_model_data.py" --tinytext "$TT_TINYTEXT" \
  --data "$TT_SHARED_DATA/sms-spam-collection/SMSSpamCollection" \
  --reader "--format tsv --no-header --label 1 --text 2" --max-flash 4K --name sms4k_p99 \
  --work "$out/model" --gen "$out/gen" --out "$1" --max-bytes 18000 --threshold-precision 0.99
