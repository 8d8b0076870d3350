#!/usr/bin/env bash
# Generates the fuzz targets' seed corpora (tests/fuzz.cmake, bench/fuzz.sh) with the tinytext CLI,
# so no binary seed is committed: small models of several shapes trained on the shared SMS data
# (binary, and three classes by message length for the softmax head), their int8 files, their device images, and the exported static model fz_model
# that image_fuzz's static path compiles in.
# Usage: tests/fuzz_seeds.sh TINYTEXT SHARED_DATA_DIR OUT_DIR
#   OUT_DIR/model_file/  float and int8 model files          (model_file_fuzz)
#   OUT_DIR/image/       0x00, LE16 length, device image, text (image_fuzz, run-time path)
#                        0x01, text                          (image_fuzz, static path)
#   OUT_DIR/static/      fz_model.h, fz_model.cc             (compiled into image_fuzz)
#   OUT_DIR/tokenize/    config byte, text                   (tokenize_fuzz)
# Written into OUT_DIR.tmp, then moved into place: OUT_DIR is whole or absent.
set -euo pipefail
tt=$1 data=$2 out=$3
sms=$data/sms-spam-collection/SMSSpamCollection
tmp=$out.tmp
rm -rf "$tmp"
mkdir -p "$tmp"/{model_file,image,static,tokenize,work}
w=$tmp/work

head -n 400 "$sms" >"$w/sms.tsv"
awk -F'\t' 'NR <= 400 { n = length($2); print (n < 40 ? "short" : n < 100 ? "medium" : "long") "\t" $2 }' "$sms" >"$w/lengths.tsv"
sms_opts=(--format tsv --no-header --label 1 --text 2)
q=(--quiet --seed 1 --threads 1 --epochs 2)

# name | data | training options (shapes: linear, hidden layer, n-grams, pooling, text row, table, softmax)
models=(
  "linear|sms|--linear --buckets 64"
  "hidden|sms|--buckets 128 --dim 4 --hidden 6 --char-ngrams 3-4 --word-ngrams 2 --pool sum"
  "textrow|sms|--buckets 96 --dim 3 --text-row --text-row-count 3 --pool sqrt --digits fold"
  "table|sms|--buckets 64 --dim 2 --exact-table 8 --char-ngrams 2-6"
  "softmax|lengths|--loss softmax --buckets 128 --dim 3 --pool mean"
)
for spec in "${models[@]}"; do
  IFS='|' read -r name set opts <<<"$spec"
  src=$w/$set.tsv
  # shellcheck disable=SC2086
  "$tt" train "$src" "${sms_opts[@]}" "${q[@]}" $opts -o "$tmp/model_file/$name.ttm"
  "$tt" quantize "$tmp/model_file/$name.ttm" --calib "$src" "${sms_opts[@]}" --quiet -o "$tmp/model_file/$name.q8"
done

# The device image: the IMAG section of each int8 file (docs/model-format.md).
python3 - "$tmp/model_file" "$tmp/image" <<'PY'
import pathlib, struct, sys
src, dst = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
text = b"WINNER!! Claim your prize: call 0800 123 456 now <3 \xc3\xa9t\xc3\xa9 \x00 x"
for f in sorted(src.glob("*.q8")):
    b = f.read_bytes()
    pos, end = 16, len(b) - 4
    while pos < end:
        tag, n = b[pos:pos + 4], struct.unpack_from("<I", b, pos + 4)[0]
        if tag == b"IMAG" and n < 65536:
            (dst / f.stem).write_bytes(b"\x00" + struct.pack("<H", n) + b[pos + 8:pos + 8 + n] + text)
        pos += 8 + n
(dst / "static").write_bytes(b"\x01" + text)
PY

"$tt" export "$tmp/model_file/hidden.q8" --format c --name fz --quiet -o "$tmp/static"

i=0
while IFS= read -r line && [ $i -lt 16 ]; do
  printf "\\$(printf '%03o' $((i * 5 % 32)))%s" "${line#*	}" >"$tmp/tokenize/sms$i"
  i=$((i + 1))
done <"$w/sms.tsv"
printf '\x1f%s' 'A1b2 C3d4 <tag> "quoted" -- 1,234.56 ÀÉÎ İstanbul KELVIN' >"$tmp/tokenize/mixed"

rm -rf "$w" "$out"
mv "$tmp" "$out"
