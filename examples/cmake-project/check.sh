#!/usr/bin/env bash
# The install path end to end (ctest install_example): `cmake --install` BUILD_DIR into a scratch
# prefix, moved elsewhere afterwards (the CLI must not depend on where it was built or installed);
# with that CLI, train and quantize the 4 KB SMS model, build this project against the install
# with find_package(tinytext), and check that its decisions on the SMS test split equal
# `tinytext predict`'s; then compile a `tinytext export --format c` directory by itself (the
# runtime headers it wrote, nothing from an include path) and check it the same way.
# Usage: examples/cmake-project/check.sh BUILD_DIR WORK_DIR DATA
set -euo pipefail
build="$(cd "${1:?usage: check.sh BUILD_DIR WORK_DIR DATA}" && pwd)"
work="${2:?usage: check.sh BUILD_DIR WORK_DIR DATA}"
data="${3:?usage: check.sh BUILD_DIR WORK_DIR DATA}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rm -rf "$work" && mkdir -p "$work" && work="$(cd "$work" && pwd)"

cmake --install "$build" --prefix "$work/stage" >/dev/null
mv "$work/stage" "$work/moved"
prefix="$work/moved"
tt="$prefix/bin/tinytext"

"$tt" split "$data" --format tsv --no-header --label 1 --text 2 --test 0.2 --seed 1 -o "$work/sms" >/dev/null 2>&1
"$tt" train "$work/sms.train.csv" --max-flash 4K --seed 1 --quiet -o "$work/model.ttm"
"$tt" quantize "$work/model.ttm" --calib "$work/sms.train.csv" -o "$work/model.q8" >/dev/null 2>&1
/usr/bin/python3 - "$work/sms.test.csv" "$work/texts.txt" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
with open(sys.argv[2], "w", encoding="utf-8", newline="") as f:
    for r in rows:
        f.write(r["text"].replace("\n", " ").replace("\r", " ") + "\n")
PY
"$tt" predict "$work/model.q8" <"$work/texts.txt" | cut -f1 >"$work/predict.txt"
n="$(wc -l <"$work/predict.txt")"
[ "$n" -gt 1000 ] || { echo "check: predict gave $n lines" >&2; exit 1; }

cmake -S "$here" -B "$work/example" -DCMAKE_PREFIX_PATH="$prefix" -DQMODEL="$work/model.q8" >"$work/configure.log"
cmake --build "$work/example" >"$work/build.log"
"$work/example/classify" <"$work/texts.txt" >"$work/example.txt"
cmp "$work/predict.txt" "$work/example.txt" || { echo "check: find_package example differs from predict" >&2; exit 1; }

"$tt" export "$work/model.q8" --format c --name example -o "$work/c" --quiet
cp "$here/main.cc" "$work/c/"
(cd "$work/c" && g++ -std=c++11 -Wall -Wextra -Werror main.cc example_model.cc -o classify)
"$work/c/classify" <"$work/texts.txt" >"$work/c.txt"
cmp "$work/predict.txt" "$work/c.txt" || { echo "check: the exported directory differs from predict" >&2; exit 1; }
echo "check: $n texts: the find_package example and the exported directory agree with tinytext predict"
