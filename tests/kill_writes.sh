#!/usr/bin/env bash
# Kills real writes with SIGKILL at moments spread over a whole run and checks, after each kill,
# that every output is the old file or the complete new one (common/file.h):
#   split: P.train.csv + P.test.csv, a pair: whenever P.test.csv exists, the pair is the old pair or
#          the new pair (never a new train file beside an old test file); a lone P.train.csv is old
#          or new, whole;
#   train, quantize: the model file is the old model or the new one, byte for byte;
#   export: NAME_model.h + NAME_model.cc, a set like split's (the .cc is its seal);
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
    find . -name '.*.tt-tmp.*' -delete  # so the count below is this kill's
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
    "$seen_lone a lone first file of a set; $seen_tmp a killed run's temporary"
}

# split: the old pair (seed 1) and the new pair (seed 2) are known.
"$tt" split sms.tsv "${ro[@]}" --seed 1 -o old 2>/dev/null
"$tt" split sms.tsv "${ro[@]}" --seed 2 -o new 2>/dev/null
split_restore() { cp old.train.csv p.train.csv; cp old.test.csv p.test.csv; }
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
train_restore() { cp old.ttm m.ttm; }
train_check() {
  if same m.ttm old.ttm; then count old
  elif same m.ttm new.ttm; then count new
  else fail "train: the model is neither old nor new ($1)"; fi
}
campaign train train_check train_restore "$tt" train sms.tsv "${ro[@]}" "${topts[@]}" --seed 2 -o m.ttm

# quantize: the int8 models of the old and the new float model.
"$tt" quantize old.ttm --quiet -o old.q8
"$tt" quantize new.ttm --quiet -o new.q8
quant_restore() { cp old.q8 m.q8; }
quant_check() {
  if same m.q8 old.q8; then count old
  elif same m.q8 new.q8; then count new
  else fail "quantize: the model is neither old nor new ($1)"; fi
}
campaign quantize quant_check quant_restore "$tt" quantize new.ttm --quiet -o m.q8

# export: the C sources of the old and the new int8 model.
"$tt" export old.q8 --format c --name spam --quiet -o oldc
"$tt" export new.q8 --format c --name spam --quiet -o newc
export_restore() { rm -rf c; mkdir c; cp -r oldc/. c/; }
export_check() {
  if [ -e c/spam_model.cc ]; then
    if same c/spam_model.h oldc/spam_model.h && same c/spam_model.cc oldc/spam_model.cc; then count old
    elif same c/spam_model.h newc/spam_model.h && same c/spam_model.cc newc/spam_model.cc; then count new
    else fail "export: a mixed or partial set ($1)"; fi
  elif [ -e c/spam_model.h ]; then
    same c/spam_model.h oldc/spam_model.h || same c/spam_model.h newc/spam_model.h || fail "export: a partial header ($1)"
    count lone
  fi
}
campaign export export_check export_restore "$tt" export new.q8 --format c --name spam --quiet -o c

# The killed runs' temporaries go with the next complete write of each target.
"$tt" split sms.tsv "${ro[@]}" --seed 2 -o p 2>/dev/null
"$tt" train sms.tsv "${ro[@]}" "${topts[@]}" --seed 2 -o m.ttm
"$tt" quantize new.ttm --quiet -o m.q8
"$tt" export new.q8 --format c --name spam --quiet -o c
left=$(find . -name '.*.tt-tmp.*' | wc -l)
[ "$left" -eq 0 ] || fail "$left temporaries left after complete runs: $(find . -name '.*.tt-tmp.*')"
same m.ttm new.ttm && same p.train.csv new.train.csv && same p.test.csv new.test.csv && same m.q8 new.q8 &&
  same c/spam_model.cc newc/spam_model.cc || fail "the last runs' outputs"
echo "kill_writes: no temporary left"
