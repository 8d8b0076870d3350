#!/bin/sh
# The runs behind bench/results/hybrid4k.md (exact feature table + hashed buckets at 4 KB).
# Usage: sh bench/hybrid4k.sh [WORKDIR]   (single-threaded; ~40 s per exact-table variant x 3 C)
set -e
W=${1:-/tmp/hy}; mkdir -p "$W"; TT=build/tinytext; PY=/usr/bin/python3
$TT split /work/shared/data/jigsaw-toxic-partial/text_comment_1.csv --text comment_text --label labels --test 0.2 --seed 1 -o $W/jigsaw
$TT split /work/shared/data/sms-spam-collection/SMSSpamCollection --format tsv --no-header --label 1 --text 2 --test 0.2 --seed 1 -o $W/sms
$PY bench/hybrid4k_feats.py $W/jigsaw.train.csv $W/jigsaw.npz $TT   # the 80% only; the test file is never read
$PY bench/hybrid4k_feats.py $W/sms.train.csv $W/sms.npz $TT
R="--nb 0.25 --adaround 1"
for FS in 0 1; do
  $PY bench/hybrid4k.py $W/jigsaw.npz hash:4032,full,hash:8064,hash:32704,q:4,ex:900:g8:excl:w,ex:1100:g8:excl:w:1:4,ex:1300:o8:excl:w:1:4,ex:1612:g8:drop:w --C 3,5,8 $R --fold-seed $FS --out $W/jig.jsonl
  $PY bench/hybrid4k.py $W/sms.npz hash:4032,full,q:4,ex:900:g8:excl:w,ex:1100:g8:excl:w:1:4,ex:1300:o8:excl:w:1:4,ex:1612:g8:drop:w --C 3,10,30 $R --fold-seed $FS --out $W/sms.jsonl
done
# the sweep (fold seed 0): selection rule, key layout, E, both/excl/drop, bloom gating, 2/3-bit buckets
$PY bench/hybrid4k.py $W/jigsaw.npz ex:300:s16:excl:wdf,ex:600:s16:excl:wdf,ex:900:s16:excl:wdf,ex:1300:s16:excl:wdf,ex:600:ideal:excl:wdf,ex:600:o16:excl:wdf,ex:1344:ideal:drop:wdf,ex:600:ideal:both:wdf,ex:900:o8:excl:wdf,ex:600:ideal:excl:nb,ex:600:ideal:excl:w,ex:300:ideal:excl:w,ex:900:ideal:excl:w,ex:1300:ideal:excl:w,ex:600:s16:excl:w,ex:900:s16:excl:w,ex:900:o8:excl:w,ex:1300:o8:excl:w,ex:1344:ideal:drop:w,ex:600:g8:excl:w,ex:1100:g8:excl:w,ex:1300:g8:excl:w,ex:900:g8:both:w,ex:900:g16:excl:w:1:4,ex:600:s16:excl:w:1:4,ex:1500:g8:excl:w:1:4,ex:1800:g8:excl:w:1:4:4,ex:2150:g8:drop:w:1:8:4,bloom:3008:8192:3:1500:w,bloom:3520:4096:2:600:w,q:3,q:2 --C 3,5,8 $R --out $W/jig.jsonl
$PY bench/hybrid4k_table.py $W/jig.jsonl; $PY bench/hybrid4k_table.py $W/sms.jsonl
