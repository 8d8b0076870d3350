#!/usr/bin/env bash
# Kills real writes with SIGKILL at moments spread over a whole run and checks, after each kill,
# that every output is the old file or the complete new one (common/file.h):
#   split: P.train.csv + P.test.csv, a pair: whenever P.test.csv exists, the pair is the old pair or
#          the new pair (never a new train file beside an old test file); a lone P.train.csv is old
#          or new, whole;
#   train: the model file is the old model or the new one, byte for byte;
# then that one complete run leaves no temporary of the killed runs behind.
# Usage: tests/kill_writes.sh TINYTEXT SMS_FILE WORK_DIR [KILLS]
set -euo pipefail
tt=$1 sms=$2 work=$3 kills=${4:-24}
rm -rf "$work"
mkdir -p "$work"
cd "$work"
head -n 1500 "$sms" >sms.tsv
ro=(--format tsv --no-header --label 1 --text 2)
fail() { echo "kill_writes: FAIL: $*" >&2; exit 1; }
seen_old=0 seen_new=0 seen_lone=0 seen_tmp=0
count() {  # what a kill left: the old output, the new one, a lone train file, temporaries
  case $1 in old) seen_old=$((seen_old + 1)) ;; new) seen_new=$((seen_new + 1)) ;; lone) seen_lone=$((seen_lone + 1)) ;; esac
  if [ -n "$(find . -name '.*.tt-tmp.*' -print -quit)" ]; then seen_tmp=$((seen_tmp + 1)); fi
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
same() { cmp -s "$1" "$2"; }

# Kills `cmd` after each of KILLS delays spread over [0, 1.2 x its run time]; `check` after each.
campaign() {
  local what=$1 check=$2 restore=$3
  shift 3
  local t0 t1 span i delay pid
  seen_old=0 seen_new=0 seen_lone=0 seen_tmp=0
  t0=$(now_ms); "$@" >/dev/null 2>&1; t1=$(now_ms)
  span=$(((t1 - t0) * 12 / 10 + 1))
  for i in $(seq 1 "$kills"); do
    $restore
    delay=$((span * i / kills))
    "$@" >/dev/null 2>&1 &
    pid=$!
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    $check "$what after ${delay} ms"
  done
  echo "kill_writes: $what: $kills kills over ${span} ms: $seen_old left the old output, $seen_new the new," \
    "$seen_lone a lone train file; $seen_tmp a killed run's temporary"
}

# split: the old pair (seed 1) and the new pair (seed 2) are known.
"$tt" split sms.tsv "${ro[@]}" --seed 1 -o old 2>/dev/null
"$tt" split sms.tsv "${ro[@]}" --seed 2 -o new 2>/dev/null
split_restore() { rm -f .p.*.tt-tmp.*; cp old.train.csv p.train.csv; cp old.test.csv p.test.csv; }
split_check() {
  if [ -e p.test.csv ]; then
    if same p.train.csv old.train.csv && same p.test.csv old.test.csv; then count old
    elif same p.train.csv new.train.csv && same p.test.csv new.test.csv; then count new
    else fail "split: a mixed or partial pair ($1)"; fi
  elif [ -e p.train.csv ]; then
    same p.train.csv old.train.csv || same p.train.csv new.train.csv || fail "split: a partial train file ($1)"
    count lone
  fi
}
campaign split split_check split_restore "$tt" split sms.tsv "${ro[@]}" --seed 2 -o p

# train: the old model (seed 1) and the new one (seed 2).
topts=(--quiet --threads 1 --epochs 3 --max-flash 4K)
"$tt" train sms.tsv "${ro[@]}" "${topts[@]}" --seed 1 -o old.ttm
"$tt" train sms.tsv "${ro[@]}" "${topts[@]}" --seed 2 -o new.ttm
train_restore() { rm -f .m.ttm.tt-tmp.*; cp old.ttm m.ttm; }
train_check() {
  if same m.ttm old.ttm; then count old
  elif same m.ttm new.ttm; then count new
  else fail "train: the model is neither old nor new ($1)"; fi
}
campaign train train_check train_restore "$tt" train sms.tsv "${ro[@]}" "${topts[@]}" --seed 2 -o m.ttm

# The killed runs' temporaries go with the next complete write of each target.
"$tt" split sms.tsv "${ro[@]}" --seed 2 -o p 2>/dev/null
"$tt" train sms.tsv "${ro[@]}" "${topts[@]}" --seed 2 -o m.ttm
left=$(find . -name '.*.tt-tmp.*' | wc -l)
[ "$left" -eq 0 ] || fail "$left temporaries left after complete runs: $(find . -name '.*.tt-tmp.*')"
same m.ttm new.ttm && same p.train.csv new.train.csv && same p.test.csv new.test.csv || fail "the last runs' outputs"
echo "kill_writes: no temporary left"
