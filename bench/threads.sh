#!/usr/bin/env bash
# The training step on 1 and 2 threads: CPU seconds (user + sys) and wall time (/usr/bin/time) of
# `tinytext train --max-flash 32K --threads T` on the synthetic rows of bench/scale.sh (100k and
# 1M rows), the two thread counts alternating, each run with the 1-minute load average before it
# (the machine may be shared: a wall time means something only next to its load and its peer of
# the same round). The models of both thread counts are compared byte for byte.
#
# Usage: bench/threads.sh [ROUNDS] [BUILD]   (default 2 rounds; BUILD/scale-data as scale.sh leaves it)
# Writes bench/results/threads.md.
set -euo pipefail
ROUNDS="${1:-2}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$(cd "${2:-$ROOT/build}" && pwd)"
T="$BUILD/tinytext"
[ -x "$T" ] || { echo "threads.sh: $T not found (build tinytext first)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "threads.sh: /usr/bin/time not found (apt-get install time)" >&2; exit 1; }
DATA="$BUILD/scale-data"
WORK="$BUILD/threads-logs"
mkdir -p "$WORK"
for n in 100000 1000000; do
  [ -s "$DATA/syn$n.csv" ] || { echo "threads.sh: $DATA/syn$n.csv missing (run bench/scale.sh first)" >&2; exit 1; }
done
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD)"
CPU="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
OUT="$ROOT/bench/results/threads.md"
TMP="$OUT.tmp"
{
  echo "# Training on 1 and 2 threads (bench/threads.sh)"
  echo
  echo "Commit $COMMIT; $(nproc) CPUs ($CPU); \`tinytext train syn*.csv --max-flash 32K --threads T\`"
  echo "(features fed from their temporary file, 10 epochs); rounds alternate the thread counts."
  echo "CPU = user + sys seconds. ex/s = the mean of the epochs' examples per second."
  echo
  echo "| rows | round | threads | load before | CPU s | wall s | ex/s | model |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---|"
} >"$TMP"
for n in 100000 1000000; do
  for r in $(seq "$ROUNDS"); do
    for t in 1 2; do
      load="$(cut -d' ' -f1 /proc/loadavg)"
      log="$WORK/syn$n-r$r-t$t.log"
      /usr/bin/time -f "TIME %U %S %e" -o "$log.time" "$T" train "$DATA/syn$n.csv" --max-flash 32K --threads "$t" \
        -o "$WORK/syn$n-t$t.ttm" >"$log" 2>&1 || { echo "threads.sh: run failed, see $log" >&2; exit 1; }
      read -r _ user sys wall <"$log.time"
      eps="$(grep -o '[0-9]* ex/s  loss' "$log" | awk '{s+=$1; k++} END {printf "%.0f", k ? s/k : 0}')"
      same="-"
      [ "$t" = 2 ] && { cmp -s "$WORK/syn$n-t1.ttm" "$WORK/syn$n-t2.ttm" && same="same bytes as 1 thread" || same="DIFFERS"; }
      echo "| $n | $r | $t | $load | $(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}') | $wall | $eps | $same |" >>"$TMP"
      echo "threads.sh: $n rows, round $r, $t threads: load $load, cpu $user+$sys s, wall $wall s" >&2
    done
  done
done
mv "$TMP" "$OUT"
echo "threads.sh: wrote $OUT" >&2
