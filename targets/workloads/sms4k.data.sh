#!/usr/bin/env bash
# Data of the sms4k workload (called by targets/run.sh with OUT_HEADER; TT_ROOT, TT_TINYTEXT and
# TT_SHARED_DATA set): the 4 KB model from the pipeline and ~18 KB of SMS test texts.
set -euo pipefail
out="$(dirname "$1")"
exec python3 "$TT_ROOT/targets/common/gen_model_data.py" --tinytext "$TT_TINYTEXT" \
  --data "$TT_SHARED_DATA/sms-spam-collection/SMSSpamCollection" \
  --reader "--format tsv --no-header --label 1 --text 2" --max-flash 4K --name sms4k \
  --work "$out/model" --gen "$out/gen" --out "$1" --max-bytes 18000
