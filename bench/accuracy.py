#!/usr/bin/python3
"""Accuracy, size and training time of tinytext against fastText and scikit-learn.

Run with /usr/bin/python3 (it needs numpy and scikit-learn):

    /usr/bin/python3 bench/accuracy.py [--tinytext build/tinytext] [--out bench/results]

For each task in ../shared/data the data is split 80/20 once with `tinytext split --seed 1`
(into a temporary directory), so every tool trains and tests on the same rows. Then:

- tinytext at flash budgets 4 KB and 32 KB: `tinytext train --max-flash B --seed 1 --threads 2`,
  then `tinytext eval --json` on the test file; the same for the int8 model from
  `tinytext quantize --calib TRAIN`. Size: parameters at one byte each (int8), and the model files.
- fastText 0.9.2 (`fasttext supervised`, default settings plus -thread 2), probabilities from
  `fasttext predict-prob MODEL TEST -1`. Size: the .bin file.
- scikit-learn: TF-IDF (word 1-2 grams + char_wb 2-5 grams, sublinear tf) + LogisticRegression
  (liblinear, class_weight="balanced"; one-vs-rest for 3 classes). Size: (coefficients +
  intercepts) x 8 bytes (float64) + the vocabulary's terms in UTF-8 bytes; the IDF vectors
  (another 8 bytes per term) are reported apart.

Peers' metrics are computed with scikit-learn from their probabilities; tinytext's come from its
own `eval` (cross-checked against scikit-learn in tests/metrics_test.cc). Writes accuracy.json
and accuracy.md to --out.
"""

import argparse
import csv
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.pipeline import FeatureUnion

REPO = Path(__file__).resolve().parent.parent
csv.field_size_limit(1 << 30)

# name, file under shared/data, tinytext reader options, kind
TASKS = [
    ("jigsaw", "jigsaw-toxic-partial/text_comment_1.csv", ["--text", "comment_text", "--label", "labels"], "binary"),
    ("sms", "sms-spam-collection/SMSSpamCollection",
     ["--format", "tsv", "--no-header", "--label", "1", "--text", "2"], "binary"),
    ("davidson", "davidson-hate-offensive/labeled_data.csv", ["--text", "tweet", "--label", "class"], "multiclass"),
]
BUDGETS = ["4K", "32K"]

# The targets of the issue: (task, what, budget or None, threshold)
TARGETS = [
    ("jigsaw", "auc", "32K", 0.96),
    ("jigsaw", "auc", "4K", 0.95),
    ("sms", "auc", "4K", 0.995),
    ("davidson", "macro_f1", "32K", 0.70),
]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    """Runs cmd; returns (stdout, wall seconds). Raises with stderr on failure."""
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError("command failed (exit %d): %s\n%s" % (p.returncode, " ".join(map(str, cmd)),
                                                               p.stderr.decode("utf-8", "replace")[-2000:]))
    return p.stdout.decode("utf-8"), dt


def read_split(path):
    """A CSV written by `tinytext split`: text, then one 0/1 column (binary) or a class column."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], [r[0] for r in rows[1:]], [r[1] for r in rows[1:]]


# ---- tinytext -------------------------------------------------------------------------------

def timed(n, fn):
    """Runs fn() n times; returns (the last result, the median wall time in seconds, all times)."""
    times, out = [], None
    for _ in range(n):
        out, secs = fn()
        times.append(secs)
    return out, float(np.median(times)), times


def bench_tinytext(tt, train_csv, test_csv, label_col, budget, work, threads, repeat):
    model = work / ("tt-%s.ttm" % budget)
    reader = ["--text", "text", "--label", label_col]
    _, secs, times = timed(repeat, lambda: run([
        tt, "train", str(train_csv), *reader, "-o", str(model), "--max-flash", budget, "--seed", "1",
        "--threads", str(threads), "--quiet"]))
    out, _ = run([tt, "eval", str(model), str(test_csv), *reader, "--json"])
    ev = json.loads(out)
    # The int8 model the device runs: quantised with the training data as calibration, scored by the
    # device runtime.
    qmodel = work / ("tt-%s.q.ttm" % budget)
    run([tt, "quantize", str(model), "--calib", str(train_csv), *reader, "-o", str(qmodel)])
    qout, _ = run([tt, "eval", str(qmodel), str(test_csv), *reader, "--json"])
    qev = json.loads(qout)
    r = {
        "train_seconds": secs,
        "train_seconds_all": times,
        "parameters": ev.get("parameters"),
        "size_bytes_int8": ev.get("parameters"),  # one byte per parameter once quantised
        "model_file_bytes": model.stat().st_size,
        "shape": ev.get("shape"),
        "accuracy": ev["accuracy"],
        "macro_f1": ev["macro_f1"],
        "mean_auc": ev["mean_auc"],
        "int8": {"accuracy": qev["accuracy"], "macro_f1": qev["macro_f1"], "mean_auc": qev["mean_auc"],
                 "model_file_bytes": qmodel.stat().st_size},
    }
    if ev["head"] == "sigmoid" and len(ev["labels"]) == 1:
        r["auc"] = ev["labels"][0]["auc"]
        r["pr_auc"] = ev["labels"][0]["pr_auc"]
        r["int8"]["auc"] = qev["labels"][0]["auc"]
    return r


# ---- fastText -------------------------------------------------------------------------------

def ft_line(text):
    # fastText reads one example per line and splits words on these bytes.
    for c in "\n\r\v\f\t\0":
        text = text.replace(c, " ")
    return text


def metrics_from_proba(kind, classes, y, proba):
    """classes: label value per column of proba; y: true label values."""
    y = np.asarray(y)
    if kind == "binary":
        pos = list(classes).index("1")
        s = proba[:, pos]
        pred = (s >= 0.5).astype(int)
        yt = (y == "1").astype(int)
        return {"auc": float(roc_auc_score(yt, s)), "accuracy": float(accuracy_score(yt, pred)),
                "f1_at_0.5": float(f1_score(yt, pred))}
    pred = np.asarray(classes)[proba.argmax(axis=1)]
    aucs = [float(roc_auc_score(y == c, proba[:, j])) for j, c in enumerate(classes)]
    return {"mean_auc": float(np.mean(aucs)), "macro_f1": float(f1_score(y, pred, average="macro")),
            "accuracy": float(accuracy_score(y, pred))}


def bench_fasttext(ft, kind, train, test, work, threads, repeat):
    tr_path, te_path, model = work / "ft.train.txt", work / "ft.test.txt", work / "ft"
    with open(tr_path, "w", encoding="utf-8", newline="\n") as f:
        for text, y in zip(*train):
            f.write("__label__%s %s\n" % (y, ft_line(text)))
    with open(te_path, "w", encoding="utf-8", newline="\n") as f:
        for text in test[0]:
            f.write(ft_line(text) + "\n")
    _, secs, times = timed(repeat, lambda: run([
        ft, "supervised", "-input", str(tr_path), "-output", str(model), "-thread", str(threads), "-verbose", "0"]))
    out, _ = run([ft, "predict-prob", str(model) + ".bin", str(te_path), "-1"])
    classes = sorted(set(train[1]))
    lines = out.split("\n")
    if len(lines) and lines[-1] == "":
        lines.pop()
    if len(lines) != len(test[0]):
        raise RuntimeError("fasttext predict-prob gave %d lines for %d texts" % (len(lines), len(test[0])))
    proba = np.full((len(lines), len(classes)), 1.0 / len(classes))  # texts without words: uniform
    for i, line in enumerate(lines):
        parts = line.split()
        if not parts:
            continue
        proba[i, :] = 0.0
        for lab, p in zip(parts[0::2], parts[1::2]):
            proba[i, classes.index(lab[len("__label__"):])] = float(p)
    r = metrics_from_proba(kind, classes, test[1], proba)
    r.update({"train_seconds": secs, "train_seconds_all": times, "model_file_bytes": (work / "ft.bin").stat().st_size,
              "settings": "fasttext supervised defaults (dim 100, epoch 5, lr 0.1, word unigrams) -thread %d" % threads})
    return r


# ---- scikit-learn ---------------------------------------------------------------------------

def bench_sklearn(kind, train, test, repeat):
    def fit():
        t0 = time.perf_counter()
        vec = FeatureUnion([
            ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
        ])
        x = vec.fit_transform(train[0])
        clf = LogisticRegression(solver="liblinear", class_weight="balanced", max_iter=1000)
        clf.fit(x, train[1])
        return (vec, clf), time.perf_counter() - t0
    (vec, clf), secs, times = timed(repeat, fit)
    proba = clf.predict_proba(vec.transform(test[0]))
    r = metrics_from_proba(kind, list(clf.classes_), test[1], proba)
    coefs = int(clf.coef_.size + clf.intercept_.size)
    vocab_terms = sum(len(v.vocabulary_) for _, v in vec.transformer_list)
    vocab_bytes = sum(len(t.encode("utf-8")) for _, v in vec.transformer_list for t in v.vocabulary_)
    r.update({
        "train_seconds": secs,
        "train_seconds_all": times,
        "coefficients": coefs,
        "vocabulary_terms": vocab_terms,
        "vocabulary_bytes": vocab_bytes,
        "idf_bytes": vocab_terms * 8,
        "size_bytes": coefs * 8 + vocab_bytes,
        "size_rule": "(coef_ + intercept_) x 8 bytes + vocabulary terms in UTF-8 bytes (IDF not counted)",
    })
    return r


# ---- report ---------------------------------------------------------------------------------

def machine():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8", errors="replace"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    def git(*a):
        try:
            return subprocess.run(["git", "-C", str(REPO), *a], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  check=True).stdout.decode().strip()
        except (OSError, subprocess.CalledProcessError):
            return "unknown"
    try:
        ftv = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "fasttext"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL).stdout.decode().strip() or "unknown"
    except OSError:
        ftv = "unknown"
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "date": datetime.date.today().isoformat(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sklearn": sklearn.__version__,
        "fasttext": ftv,
        # "+dirty" when the sources the binary is built from have uncommitted changes.
        "tinytext_commit": git("rev-parse", "--short", "HEAD") + (
            "+dirty" if git("status", "--porcelain", "--", "src", "include", "CMakeLists.txt") else ""),
        "tinytext_dirty_paths": [l[3:] for l in git("status", "--porcelain", "--", "src", "include",
                                                    "CMakeLists.txt").splitlines() if l.strip()],
    }


def fmt(v, nd=4):
    return "n/a" if v is None else ("%.*f" % (nd, v))


def size_str(n):
    if n is None:
        return "n/a"
    return "%d B" % n if n < 10000 else ("%.1f KB" % (n / 1024) if n < 10 * 1024 * 1024 else "%.1f MB" % (n / 1048576))


def check_targets(results):
    out = []
    for task, what, budget, thr in TARGETS:
        r = results.get(task, {}).get("tools", {}).get("tinytext-" + budget)
        v = None if r is None or "error" in r else r.get(what)
        qv = None if v is None else r.get("int8", {}).get(what)
        out.append({"target": "%s %s >= %.3g at %sB" % (task, "ROC AUC" if what == "auc" else "macro-F1", thr, budget),
                    "value": v, "int8_value": qv, "met": None if v is None else v >= thr})
    jf = results.get("jigsaw", {}).get("tools", {}).get("fasttext")
    for budget in BUDGETS:
        jt = results.get("jigsaw", {}).get("tools", {}).get("tinytext-" + budget)
        ok = bool(jt and jf and "error" not in jt and "error" not in jf)
        out.append({"target": "jigsaw tinytext training time < half of fastText's (%sB)" % budget,
                    "value": (jt["train_seconds"] / jf["train_seconds"]) if ok else None,
                    "met": (jt["train_seconds"] < 0.5 * jf["train_seconds"]) if ok else None})
    return out


def markdown(doc):
    m = doc["machine"]
    L = ["# Accuracy benchmark", "",
         "Generated by `bench/accuracy.py` (do not edit by hand). Split: `tinytext split --test 0.2 --seed %d` "
         "(stratified), the same rows for every tool." % doc["seed"], "",
         "Machine: %s, `nproc` = %s; %s; date %s; fastText %s, scikit-learn %s, Python %s; tinytext %s." % (
             m["cpu"], m["nproc"], m["platform"], m["date"], m["fasttext"], m["sklearn"], m["python"],
             m["tinytext_commit"]), "",
         "| task | model | ROC AUC | macro-F1 | accuracy | int8 ROC AUC | int8 macro-F1 | size | file | train time |",
         "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for task, _, _, kind in TASKS:
        res = doc["results"].get(task)
        if not res:
            continue
        n = res["rows"]
        for name, r in res["tools"].items():
            if "error" in r:
                L.append("| %s | %s | error: %s | | | | | | | |" % (task, name, r["error"].splitlines()[0][:80]))
                continue
            auc = r.get("auc", r.get("mean_auc"))
            auc_s = fmt(auc) + ("" if kind == "binary" else " (mean 1-vs-rest)")
            f1 = fmt(r.get("macro_f1")) if kind != "binary" else ""
            q = r.get("int8")
            q_auc = fmt(q.get("auc", q.get("mean_auc"))) if q else ""
            q_f1 = fmt(q.get("macro_f1")) if q and kind != "binary" else ""
            if name.startswith("tinytext"):
                size = "%s (params x 1 B)" % size_str(r["size_bytes_int8"])
                file = "%s (float), %s (int8)" % (size_str(r["model_file_bytes"]), size_str(q["model_file_bytes"]))
            elif name == "fasttext":
                size, file = size_str(r["model_file_bytes"]), size_str(r["model_file_bytes"])
            else:
                size, file = "%s (coefs x 8 B + vocab)" % size_str(r["size_bytes"]), "not saved"
            L.append("| %s (%d train / %d test) | %s | %s | %s | %s | %s | %s | %s | %s | %.2f s |" % (
                task, n["train"], n["test"], name, auc_s, f1, fmt(r.get("accuracy")), q_auc, q_f1, size, file,
                r["train_seconds"]))
    L += ["", "Binary tasks: ROC AUC of the positive class; accuracy at threshold 0.5 for the peers and at the "
          "model's stored threshold for tinytext. Davidson (3 classes): macro-F1 and accuracy of the argmax, ROC AUC "
          "averaged one-vs-rest. Train time is wall time of the whole training command (tinytext, fastText: "
          "a process; scikit-learn: vectoriser fit + LR fit in this process), median of %d runs, %d threads where the "
          "tool has threads (scikit-learn's liblinear has none); metrics are from the last run." % (doc["repeat"], doc["threads"]),
          "", "tinytext size counts parameters at one byte each (the int8 model's weights); the files are the float "
          "model and the int8 model (`tinytext quantize --calib TRAIN`, whose metrics are the int8 columns: scored "
          "by the device runtime). Targets are checked on the float model; the int8 value is shown beside it. scikit-learn's size: %s." % doc["sklearn_size_rule"], "",
          "## Targets", "", "| target | value | int8 value | status |", "|---|---:|---:|---|"]
    for t in doc["targets"]:
        v = t["value"]
        vs = "n/a" if v is None else ("%.2fx" % v if "time" in t["target"] else "%.4f" % v)
        st = "not measured" if t["met"] is None else ("met" if t["met"] else "**not met**")
        qv = t.get("int8_value")
        L.append("| %s | %s | %s | %s |" % (t["target"], vs, "" if qv is None else "%.4f" % qv, st))
    return "\n".join(L) + "\n"


def write_atomic(path, text):
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tinytext", default="build/tinytext", help="the tinytext binary [build/tinytext]")
    ap.add_argument("--fasttext", default="fasttext", help="the fastText binary [fasttext]")
    ap.add_argument("--out", default=str(REPO / "bench" / "results"), help="output directory [bench/results]")
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data"), help="the shared data directory")
    ap.add_argument("--tasks", default=",".join(t[0] for t in TASKS), help="comma-separated subset of tasks")
    ap.add_argument("--tools", default="tinytext,fasttext,sklearn", help="comma-separated subset of tools")
    ap.add_argument("--seed", type=int, default=1, help="split seed [1]")
    ap.add_argument("--threads", type=int, default=2, help="training threads [2]")
    ap.add_argument("--repeat", type=int, default=3,
                    help="train each model this many times; the time reported is the median [3]")
    a = ap.parse_args()

    tt = Path(a.tinytext)
    if not tt.is_absolute():
        tt = (Path.cwd() / tt) if (Path.cwd() / tt).exists() else REPO / tt
    if not tt.exists():
        sys.exit("accuracy.py: no tinytext binary at %s (build it, or pass --tinytext)" % tt)
    tools = set(a.tools.split(","))
    wanted = set(a.tasks.split(","))
    results = {}
    with tempfile.TemporaryDirectory(prefix="tt-accuracy-") as tmp:
        for name, rel, reader, kind in TASKS:
            if name not in wanted:
                continue
            work = Path(tmp) / name
            work.mkdir()
            prefix = work / "split"
            run([str(tt), "split", str(Path(a.data) / rel), *reader, "--test", "0.2", "--seed", str(a.seed),
                 "-o", str(prefix)])
            header, tr_x, tr_y = read_split(str(prefix) + ".train.csv")
            _, te_x, te_y = read_split(str(prefix) + ".test.csv")
            res = {"rows": {"train": len(tr_x), "test": len(te_x)}, "label_column": header[1], "tools": {}}
            results[name] = res
            log("%s: %d train / %d test rows" % (name, len(tr_x), len(te_x)))
            jobs = []
            if "tinytext" in tools:
                for b in BUDGETS:
                    jobs.append(("tinytext-" + b, lambda b=b: bench_tinytext(
                        str(tt), Path(str(prefix) + ".train.csv"), Path(str(prefix) + ".test.csv"), header[1], b,
                        work, a.threads, a.repeat)))
            if "fasttext" in tools:
                jobs.append(("fasttext", lambda: bench_fasttext(a.fasttext, kind, (tr_x, tr_y), (te_x, te_y), work,
                                                                a.threads, a.repeat)))
            if "sklearn" in tools:
                jobs.append(("sklearn-tfidf-lr", lambda: bench_sklearn(kind, (tr_x, tr_y), (te_x, te_y), a.repeat)))
            for tool, fn in jobs:
                try:
                    r = fn()
                except Exception as e:  # keep going; the table shows the error
                    r = {"error": str(e)}
                res["tools"][tool] = r
                log("  %-18s %s" % (tool, json.dumps({k: v for k, v in r.items() if k in (
                    "auc", "mean_auc", "macro_f1", "accuracy", "train_seconds", "error")})))

    doc = {"seed": a.seed, "threads": a.threads, "repeat": a.repeat, "machine": machine(), "results": results,
           "sklearn_size_rule": "(coef_ + intercept_) x 8 bytes + vocabulary terms in UTF-8 bytes; IDF vectors "
                                "(8 bytes per term) reported apart as idf_bytes"}
    doc["targets"] = check_targets(results)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "accuracy.json", json.dumps(doc, indent=2, sort_keys=True) + "\n")
    write_atomic(out / "accuracy.md", markdown(doc))
    print(markdown(doc))


if __name__ == "__main__":
    main()
