#!/usr/bin/python3
"""Cross-validation of tinytext training options on the benchmark's 80% training splits.

    /usr/bin/python3 bench/cv.py --work DIR [--tinytext build/tinytext] [--folds 5] [--seeds 1,2]
        [--tasks jigsaw-4K,jigsaw-32K,...] [--name NAME] -- [extra tinytext train options]

Decisions about defaults are made on these numbers, never on the 20% test split. The first call
splits each dataset with `tinytext split --test 0.2 --seed 1` (the benchmark's split) into DIR, then
cuts the training file into stratified folds (numpy seed 0); each (fold, train seed) trains on the
other folds with `--max-flash BUDGET --seed S --threads 2 [extra]` and scores the held-out fold
(ROC AUC for the binary tasks, macro-F1 for Davidson). Prints one line per task: the mean over
folds and seeds, then each seed's fold mean. Results are cached in DIR/cv.json by (task, options).
"""

import argparse
import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"
csv.field_size_limit(1 << 30)

SOURCES = {
    "jigsaw": ("jigsaw-toxic-partial/text_comment_1.csv", ["--text", "comment_text", "--label", "labels"], "labels"),
    "sms": ("sms-spam-collection/SMSSpamCollection", ["--format", "tsv", "--no-header", "--label", "1", "--text", "2"],
            "spam"),
    "davidson": ("davidson-hate-offensive/labeled_data.csv", ["--text", "tweet", "--label", "class"], "label"),
}
DEFAULT_TASKS = "jigsaw-4K,jigsaw-32K,sms-4K,sms-32K,davidson-4K,davidson-32K"


def run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise RuntimeError("failed: %s\n%s" % (" ".join(map(str, cmd)), p.stderr.decode()[-2000:]))
    return p.stdout.decode()


def folds_for(tt, work, name, k):
    src, opts, label = SOURCES[name]
    train = work / ("%s.train.csv" % name)
    if not train.exists():
        run([tt, "split", str(DATA / src), *opts, "--test", "0.2", "--seed", "1", "-o", str(work / name)])
    out = []
    for f in range(k):
        a, b = work / ("%s.f%d.train.csv" % (name, f)), work / ("%s.f%d.test.csv" % (name, f))
        out.append((a, b))
    if all(a.exists() and b.exists() for a, b in out):
        return out, label
    with open(train, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, rows = rows[0], rows[1:]
    y = np.array([r[1] for r in rows])
    rng = np.random.RandomState(0)
    fold = np.zeros(len(rows), dtype=int)
    for c in np.unique(y):  # stratified
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        fold[idx] = np.arange(len(idx)) % k
    for f, (a, b) in enumerate(out):
        for path, keep in ((a, fold != f), (b, fold == f)):
            with open(path, "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(header)
                w.writerows(r for r, m in zip(rows, keep) if m)
    return out, label


def score(tt, model, test, label):
    ev = json.loads(run([tt, "eval", str(model), str(test), "--text", "text", "--label", label, "--json"]))
    f1 = ev["macro_f1"]  # binary: the F1 at the stored threshold
    return (f1 if ev["head"] == "softmax" else ev["mean_auc"]), f1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tinytext", default=str(REPO / "build" / "tinytext"))
    ap.add_argument("--work", required=True)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seeds", default="1,2")
    ap.add_argument("--tasks", default=DEFAULT_TASKS)
    ap.add_argument("--name", default="")
    ap.add_argument("--no-cache", action="store_true")
    ap.add_argument("extra", nargs="*")
    a = ap.parse_args()
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    cache_path = work / "cv.json"
    cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    seeds = [int(s) for s in a.seeds.split(",")]
    label_txt = a.name or " ".join(a.extra) or "defaults"
    line = [label_txt]
    for task in a.tasks.split(","):
        name, budget = task.split("-")
        folds, label = folds_for(a.tinytext, work, name, a.folds)
        per_seed, f1s = [], []
        for s in seeds:
            vals, keys = [], []
            for f, (tr, te) in enumerate(folds):
                key = "%s|%s|%d|%d|%d|%s" % (a.name, task, a.folds, f, s, " ".join(a.extra))
                if key not in cache or a.no_cache:
                    model = work / "m.ttm"
                    run([a.tinytext, "train", str(tr), "--text", "text", "--label", label, "-o", str(model),
                         "--max-flash", budget, "--seed", str(s), "--threads", "2", "--quiet", *a.extra])
                    cache[key], cache[key + "|f1"] = score(a.tinytext, model, te, label)
                    cache_path.write_text(json.dumps(cache, indent=0))
                vals.append(cache[key])
                keys.append(key)
            per_seed.append(float(np.mean(vals)))
            f1s.extend(cache.get(k + "|f1", float("nan")) for k in keys)
        f1txt = "" if name == "davidson" else " F1 %.3f" % np.mean(f1s)
        line.append("%s %.4f (%s)%s" % (task, np.mean(per_seed), "/".join("%.4f" % v for v in per_seed), f1txt))
        print("  ".join(line[-1:]), file=sys.stderr, flush=True)
    print(" | ".join(line), flush=True)


if __name__ == "__main__":
    main()
