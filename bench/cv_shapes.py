#!/usr/bin/python3
"""Host-side replica of candidate "shape" features, measured by cross-validation (bench/cv.py).

    /usr/bin/python3 bench/cv_shapes.py --work DIR [--tinytext build/tinytext] [--folds 5] [--seeds 1,2]
        [--tasks jigsaw-4K,...] [--transform caps+url] [--stats] [--test]

Nothing here is in the device tokenizer. Each row's text is rewritten before tinytext sees it: one
synthetic marker word per occurrence of a family's pattern is appended to the text (families below,
joined with '+'; "none" is the baseline). The fold files of cv.py (same split, same folds) are copied
with the transformed text into DIR/<transform>/, then each (fold, train seed) trains with the
defaults at `--max-flash BUDGET` and scores the held-out fold (ROC AUC; macro-F1 for Davidson), as
cv.py does. Results are cached in DIR/cv_shapes.json.

A marker word "zqxxx" reaches the model as its word feature *and* its char n-grams of "<zqxxx>"
(11 more at 4K, char 3-4), all specific to the marker; a device implementation would emit one feature.
`--stats` prints the markers per 1,000 input bytes of each family on each training split (the extra
features per byte a device tokenizer would emit). `--test` trains on the whole 80% split (seed 1) and
scores the 20% test split: for the final check only, once.
"""

import argparse
import csv
import json
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cv  # noqa: E402

WORD = re.compile(r"[A-Za-z0-9\x80-\U0010ffff]+")
URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
MAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
PUNCT_RUN = re.compile(r"([!?.,*$#@&%~=+-])\1+")
ELONG = re.compile(r"([A-Za-z])\1\1")
DIGITS = re.compile(r"[0-9]+")


def caps(t):  # per ALL-CAPS word with >= 2 letters
    n = 0
    for w in WORD.findall(t):
        up = sum(c.isascii() and c.isupper() for c in w)
        if up >= 2 and not any(c.isascii() and c.islower() for c in w):
            n += 1
    return ["zqcaps"] * n


def url(t):  # per URL (http://, https://, www.) and per e-mail address
    return ["zqurl"] * len(URL.findall(t)) + ["zqmail"] * len(MAIL.findall(t))


def punct(t):  # per run of >= 2 identical punctuation bytes ("!!", "??", "...")
    return ["zqrep" + {"!": "x", "?": "q", ".": "d"}.get(m.group(1), "o") for m in PUNCT_RUN.finditer(t)]


def elong(t):  # per word with a letter 3+ times in a row ("soooo")
    return ["zqelong" for w in WORD.findall(t) if ELONG.search(w)]


def digits(t):  # per run of L digits, L capped at 12 (round 4's "shape")
    return ["zqdgt%d" % min(len(m), 12) for m in DIGITS.findall(t)]


def length(t):  # one per row: floor(log2(bytes))
    return ["zqlen%d" % max(0, len(t.encode("utf-8")).bit_length() - 1)]


def capsratio(t):  # one per row with >= 4 ASCII letters: bucket of upper / letters
    letters = [c for c in t if c.isascii() and c.isalpha()]
    if len(letters) < 4:
        return []
    r = sum(c.isupper() for c in letters) / len(letters)
    return ["zqcr%d" % sum(r >= e for e in (0.05, 0.15, 0.3, 0.6))]


def const(t):  # control: one fixed marker per row (its shared n-grams alone carry 1 / sqrt(n))
    return ["zqrow"]


def const_q(t):  # control: the shortest fixed marker, "q": 2 features ("<q>" and the word)
    return ["q"]


def const3(t):  # control: three copies of "zqrow" per row
    return ["zqrow"] * 3


FAMILIES = {"caps": caps, "url": url, "punct": punct, "elong": elong, "digits": digits, "len": length,
            "capsratio": capsratio, "const": const, "constq": const_q, "const3": const3}


def markers(fams, t):
    return [m for f in fams for m in FAMILIES[f](t)]


def transform_file(src, dst, fams):
    if dst.exists():
        return
    with open(src, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, rows = rows[0], rows[1:]
    ti = header.index("text")
    for r in rows:
        m = markers(fams, r[ti])
        if m:
            r[ti] = r[ti] + " " + " ".join(m)
    tmp = dst.with_suffix(".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    tmp.rename(dst)


def texts(path):
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    ti = rows[0].index("text")
    return [r[ti] for r in rows[1:]]


def stats(tt, work, names, k):
    print("markers per 1,000 input bytes (training split; device: one feature each)")
    print("family    " + "".join("%10s" % n for n in names))
    data = {}
    for n in names:
        cv.folds_for(tt, work, n, k)
        data[n] = texts(work / ("%s.train.csv" % n))
    for f in FAMILIES:
        row = []
        for n in names:
            nbytes = sum(len(t.encode("utf-8")) for t in data[n])
            row.append(1000.0 * sum(len(FAMILIES[f](t)) for t in data[n]) / nbytes)
        print("%-10s" % f + "".join("%10.2f" % v for v in row))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tinytext", default=str(cv.REPO / "build" / "tinytext"))
    ap.add_argument("--work", required=True)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--tasks", default=cv.DEFAULT_TASKS)
    ap.add_argument("--transform", default="none", help="families joined with '+', or none")
    ap.add_argument("--stats", action="store_true")
    ap.add_argument("--test", action="store_true", help="score the 20%% test split (seed 1): once")
    a = ap.parse_args()
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    if a.stats:
        stats(a.tinytext, work, sorted({t.split("-")[0] for t in a.tasks.split(",")}), a.folds)
        return
    fams = [] if a.transform == "none" else a.transform.split("+")
    for f in fams:
        if f not in FAMILIES:
            ap.error("unknown family %s (known: %s)" % (f, ", ".join(FAMILIES)))
    tdir = work / (a.transform if fams else "none")
    tdir.mkdir(exist_ok=True)
    cache_path = work / "cv_shapes.json"
    cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    seeds = [1] if a.test else [int(s) for s in a.seeds.split(",")]
    line = [a.transform + (" (test)" if a.test else "")]
    for task in a.tasks.split(","):
        name, budget = task.split("-")
        folds, label = cv.folds_for(a.tinytext, work, name, a.folds)
        if a.test:
            folds = [(work / ("%s.train.csv" % name), work / ("%s.test.csv" % name))]
        pairs = []
        for tr, te in folds:
            pairs.append((tdir / tr.name, tdir / te.name))
            transform_file(tr, pairs[-1][0], fams)
            transform_file(te, pairs[-1][1], fams)
        per_seed = []
        for s in seeds:
            vals = []
            for f, (tr, te) in enumerate(pairs):
                key = "%s|%s|%s|%d|%d|%d" % (a.transform, task, "test" if a.test else "cv", a.folds, f, s)
                if key not in cache:
                    model = work / "m.ttm"
                    cv.run([a.tinytext, "train", str(tr), "--text", "text", "--label", label, "-o", str(model),
                            "--max-flash", budget, "--seed", str(s), "--threads", "2", "--quiet"])
                    cache[key], cache[key + "|f1"] = cv.score(a.tinytext, model, te, label)
                    cache_path.write_text(json.dumps(cache, indent=0))
                vals.append(cache[key])
            per_seed.append(float(np.mean(vals)))
        line.append("%s %.4f (%s)" % (task, np.mean(per_seed), "/".join("%.4f" % v for v in per_seed)))
        print(line[-1], file=sys.stderr, flush=True)
    print(" | ".join(line), flush=True)


if __name__ == "__main__":
    main()
