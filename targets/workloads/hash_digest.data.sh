#!/usr/bin/env bash
# Data header of the hash_digest workload. Called by targets/run.sh as
#   hash_digest.data.sh OUT_HEADER
# with TT_ROOT (repo root) and TT_CORPUS (SMSSpamCollection) in the environment.
set -euo pipefail
exec python3 "$TT_ROOT/targets/common/gen_texts.py" --corpus "$TT_CORPUS" --out "$1" --count 300 --max-bytes 20000
