#!/usr/bin/env python3
"""Generates the data of a model workload: a real model from the pipeline, and test texts.

Runs the documented pipeline with the tinytext CLI into WORK (a build directory):

    tinytext split DATA [reader options] --test 0.2 --seed 1 -o WORK/split
    tinytext train WORK/split.train.csv --max-flash SIZE --seed 1 [TRAIN_OPTS] -o WORK/NAME.ttm   (or --board BOARD)
    tinytext quantize WORK/NAME.ttm --calib WORK/split.train.csv -o WORK/NAME.q8
    tinytext export WORK/NAME.q8 --format c -o GEN --name NAME

then takes the test split's texts in file order (at most MAX_BYTES of them), scores exactly those
bytes with `tinytext predict --json` on the quantised model, and writes OUT_HEADER:

    tt_texts[] / tt_text_ends[] TT_FLASH, TT_TEXTS_COUNT, TT_TEXTS_BYTES   (as gen_texts.py)
    #include "NAME_model.h"; TT_W_OPEN, TT_W_MODEL (the static model), TT_W_STATE, TT_W_SCORES
    TT_CLI_DIGEST   FNV-1a 32 over (Q16.16 logit as 4 little-endian bytes, decision byte) per
                    text, from the CLI's scores: the logit is recovered from the CLI's double
                    sigmoid score (exact for logits below 2^20, i.e. z < 16; checked below).

With --threshold-precision P the quantised model's threshold is first chosen on exactly the
embedded texts and their labels (`tinytext threshold NAME.q8 WORK/chosen.csv --precision P`) and
that model is exported; the header then also holds tt_truth[] (each text's label),
TT_W_MIN_PRECISION_PERMILLE and TT_W_THRESHOLD_Q16 (the threshold chosen), and the workload
(classify.h) fails unless the exported model holds that threshold and the board's own
model_positive decisions have that precision.

GEN receives NAME_model.cc, which targets/run.sh compiles with the workload. Nothing is written
into the repository. Deterministic: the same data and tinytext give the same files.

Usage: gen_model_data.py --tinytext BIN --data FILE [--reader 'OPTS'] (--max-flash 4K | --board NAME)
                         --name NAME --work DIR --gen DIR --out HEADER [--max-bytes N]
                         [--threshold-precision P] [--train-opts 'OPTS']
"""
import argparse
import csv
import json
import math
import os
import shlex
import subprocess
import sys


def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    if r.returncode != 0:
        sys.stderr.write(f"gen_model_data: {' '.join(cmd)} exited {r.returncode}\n{r.stderr.decode(errors='replace')}")
        sys.exit(1)
    return r.stdout


def fnv(h, data):
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def logit_q16(p):
    if p <= 0.0 or p >= 1.0:
        raise ValueError(f"score {p!r} out of (0, 1)")
    z = math.log(p / (1.0 - p)) if p < 0.5 else -math.log((1.0 - p) / p)
    return int(math.floor(z * 65536.0 + 0.5))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tinytext", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--reader", default="", help="reader options for split, as one string")
    size = ap.add_mutually_exclusive_group(required=True)
    size.add_argument("--max-flash")
    size.add_argument("--board", help="train --board NAME: the largest model that fits the board")
    ap.add_argument("--name", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--gen", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--max-bytes", type=int, default=65535)
    ap.add_argument("--threshold-precision", type=float, default=None)
    ap.add_argument("--train-opts", default="", help="more train options, as one string (e.g. '--dim 3')")
    a = ap.parse_args()
    if not os.access(a.tinytext, os.X_OK):
        sys.stderr.write(f"gen_model_data: tinytext CLI {a.tinytext} not found; build it (make tinytext) "
                         "and pass run.sh --tinytext BIN or set TT_TINYTEXT\n")
        return 1
    os.makedirs(a.work, exist_ok=True)
    os.makedirs(a.gen, exist_ok=True)
    t = a.tinytext
    split = os.path.join(a.work, "split")
    fm = os.path.join(a.work, a.name + ".ttm")
    q8 = os.path.join(a.work, a.name + ".q8")
    run([t, "split", a.data, *shlex.split(a.reader), "--test", "0.2", "--seed", "1", "-o", split])
    budget = (["--max-flash", a.max_flash] if a.max_flash else ["--board", a.board]) + shlex.split(a.train_opts)
    run([t, "train", split + ".train.csv", *budget, "--seed", "1", "--quiet", "-o", fm])
    run([t, "quantize", fm, "--calib", split + ".train.csv", "-o", q8])

    texts, labels, total = [], [], 0
    with open(split + ".test.csv", newline="", encoding="utf-8", errors="surrogateescape") as f:
        rows = csv.reader(f)
        header = next(rows)
        col = header.index("text") if "text" in header else len(header) - 1
        lab = 1 - col if len(header) == 2 else None
        for row in rows:
            b = row[col].encode("utf-8", "surrogateescape")
            if not b or b"\n" in b or b"\r" in b:
                continue  # predict reads one text per line
            if total + len(b) > a.max_bytes:
                break
            texts.append(b)
            labels.append(row[lab] if lab is not None else "")
            total += len(b)
    if a.threshold_precision is not None:
        if lab is None:
            sys.stderr.write("gen_model_data: --threshold-precision needs a test split of two columns (text, label)\n")
            return 1
        chosen = os.path.join(a.work, "chosen.csv")
        with open(chosen, "w", newline="", encoding="utf-8", errors="surrogateescape") as f:
            wr = csv.writer(f)
            wr.writerow(header)
            for b, l in zip(texts, labels):
                r = ["", ""]
                r[col], r[lab] = b.decode("utf-8", "surrogateescape"), l
                wr.writerow(r)
        q8p = os.path.join(a.work, a.name + "_p.q8")
        table = run([t, "threshold", q8, chosen, "--precision", repr(a.threshold_precision), "-o", q8p]).decode()
        # The row of the (one) label: label, threshold, int8 Q16.16, precision, recall, ...
        rows = [l.split() for l in table.splitlines()[1:] if l.strip() and not l.startswith("wrote ")]
        if len(rows) != 1:
            sys.stderr.write(f"gen_model_data: cannot read the threshold from:\n{table}")
            return 1
        thr_q16 = int(rows[0][2])
        q8 = q8p
    run([t, "export", q8, "--format", "c", "--no-runtime", "-o", a.gen, "--name", a.name])  # the runtime: include/
    lines = b"".join(t + b"\n" for t in texts)
    out = run([t, "predict", q8, "--json"], input=lines)
    recs = [json.loads(l) for l in out.decode().splitlines() if l.strip()]
    if len(recs) != len(texts):
        sys.stderr.write(f"gen_model_data: predict gave {len(recs)} lines for {len(texts)} texts\n")
        return 1
    h = 2166136261
    for r in recs:
        (label, p), = r["scores"].items()
        z = logit_q16(p)
        if z >= 1 << 20:  # 1 - p keeps enough bits below z = 16; p itself keeps them for any z < 0
            sys.stderr.write(f"gen_model_data: logit {z} too large to recover exactly from the CLI score\n")
            return 1
        h = fnv(h, (z & 0xFFFFFFFF).to_bytes(4, "little"))
        h = fnv(h, bytes([1 if r["label"] else 0]))

    o = ["// Generated by targets/common/gen_model_data.py; do not edit, do not commit.",
         f"// Data: {os.path.basename(a.data)} {a.reader}; model {' '.join(budget)} --seed 1; "
         f"test texts in file order, at most {a.max_bytes} bytes.",
         "#ifndef TT_GENERATED_MODEL_DATA_H", "#define TT_GENERATED_MODEL_DATA_H",
         '#include "board.h"', f'#include "{a.name}_model.h"',
         f"#define TT_W_OPEN {a.name}_open", f"typedef {a.name}_model TT_W_MODEL;",
         f"typedef {a.name}_state TT_W_STATE;",
         f"typedef {a.name}_scores TT_W_SCORES;",
         f"#define TT_CLI_DIGEST 0x{h:08x}u",
         f"#define TT_TEXTS_COUNT {len(texts)}u", f"#define TT_TEXTS_BYTES {total}u",
         "static const uint8_t tt_texts[] TT_FLASH = {"]
    blob = b"".join(texts)
    for i in range(0, len(blob), 20):
        o.append("  " + ",".join(str(b) for b in blob[i:i + 20]) + ",")
    o.append("};")
    if a.threshold_precision is not None:
        o.append(f"#define TT_W_MIN_PRECISION_PERMILLE {int(math.ceil(a.threshold_precision * 1000 - 1e-9))}u")
        o.append(f"#define TT_W_THRESHOLD_Q16 ((int32_t)({thr_q16}))")
        o.append("static const uint8_t tt_truth[] TT_FLASH = {")
        bits = [1 if l.strip() in ("1", "spam", "true", "True") else 0 for l in labels]
        for i in range(0, len(bits), 40):
            o.append("  " + ",".join(str(x) for x in bits[i:i + 40]) + ",")
        o.append("};")
    o.append("static const uint32_t tt_text_ends[] TT_FLASH = {")
    ends, pos = [], 0
    for x in texts:
        pos += len(x)
        ends.append(pos)
    for i in range(0, len(ends), 12):
        o.append("  " + ",".join(f"{e}u" for e in ends[i:i + 12]) + ",")
    o += ["};", "#endif  // TT_GENERATED_MODEL_DATA_H", ""]
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(o))
    os.replace(tmp, a.out)
    sys.stderr.write(f"gen_model_data: {a.name}: {len(texts)} texts, {total} bytes, CLI digest 0x{h:08x}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
