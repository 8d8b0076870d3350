#!/usr/bin/env bash
# QAT vs PTQ on the benchmark splits (tinytext split --test 0.2 --seed 1), train --seed 1:
#   float: tinytext train                      (evaluated as float)
#   ptq:   float -> tinytext quantize --calib TRAIN   (int8)
#   qat:   tinytext train --qat                (int8)
# Metric on the test split: mean ROC AUC (sigmoid heads) or macro-F1 (softmax heads), from
# `tinytext eval --json`. Extra train flags (e.g. "--l2 0.002") go in TT_TRAIN_FLAGS.
# Usage: bench/qat_bench.sh TINYTEXT [WORKDIR]
set -euo pipefail
T="${1:?usage: qat_bench.sh TINYTEXT [WORKDIR]}"
W="${2:-$(mktemp -d)}"
D="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/shared/data"
X="${TT_TRAIN_FLAGS:-}"
mkdir -p "$W"; cd "$W"
S="--test 0.2 --seed 1"
"$T" split "$D/sms-spam-collection/SMSSpamCollection" --format tsv --no-header --label 1 --text 2 $S -o sms >/dev/null
"$T" split "$D/jigsaw-toxic-partial/text_comment_1.csv" --text comment_text --label labels $S -o jig >/dev/null
"$T" split "$D/davidson-hate-offensive/labeled_data.csv" --text tweet --label class $S -o dav >/dev/null
"$T" split "$D/jigsaw-toxic-partial/train_sample.csv" --text comment_text \
      --label toxic,severe_toxic,obscene,threat,insult,identity_hate $S -o js >/dev/null
metric() {  # MODEL DATA -> mean AUC (sigmoid) or macro-F1 (softmax)
  "$T" eval "$1" "$2" --json | python3 -c 'import json,sys; e=json.load(sys.stdin); print("%.4f" % (e["macro_f1"] if e["head"]=="softmax" else e["mean_auc"]))'
}
secs() { python3 -c 'import json,sys; print("%.2f" % json.load(sys.stdin)["seconds"])'; }
printf '%-4s %-30s %7s %7s %7s %8s %8s %6s %6s\n' task shape float ptq qat ptq-fl qat-fl s_fl s_qat
for task in sms jig dav js; do
  for shape in "--max-flash 4K" "--max-flash 32K" "--dim 16 --hidden 16 --buckets 1024"; do
    n="$task-$(echo "$shape" | tr -d ' -')"
    sf="$("$T" train "$task.train.csv" $shape $X --seed 1 --quiet --json -o "$n.ttm" | secs)"
    "$T" quantize "$n.ttm" --calib "$task.train.csv" -o "$n.ptq" --quiet >/dev/null
    sq="$("$T" train "$task.train.csv" $shape $X --seed 1 --qat --quiet --json -o "$n.qat" | secs)"
    f="$(metric "$n.ttm" "$task.test.csv")"; p="$(metric "$n.ptq" "$task.test.csv")"; q="$(metric "$n.qat" "$task.test.csv")"
    printf '%-4s %-30s %7s %7s %7s %+8.4f %+8.4f %6s %6s\n' "$task" "$shape" "$f" "$p" "$q" \
      "$(python3 -c "print($p-$f)")" "$(python3 -c "print($q-$f)")" "$sf" "$sq"
  done
done
