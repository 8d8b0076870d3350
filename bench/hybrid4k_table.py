#!/usr/bin/python3
"""Summarise bench/hybrid4k.py results: per variant the best C by the stored-weight AUC.

    /usr/bin/python3 bench/hybrid4k_table.py RESULTS.jsonl [--fold-seed 0]
"""
import json, sys
import numpy as np

path = sys.argv[1]
fs = int(sys.argv[sys.argv.index("--fold-seed") + 1]) if "--fold-seed" in sys.argv else 0
best = {}
for line in open(path):
    r = json.loads(line)
    if r.get("fold_seed", 0) != fs or r.get("nb", 0.25) != 0.25:
        continue
    # the AUC of the weights as stored: adaround if run, else the bit-width rounding, else int8
    key = "qar" if "qar" in r else ("qb" if "qb" in r else "q8")
    r["stored"], r["stored_key"] = r[key], key
    k = r["variant"]
    if k not in best or r["stored"] > best[k]["stored"]:
        best[k] = r
for k, r in sorted(best.items(), key=lambda kv: kv[1]["stored"]):
    folds = r[r["stored_key"] + "_folds"]
    print("%-28s C=%-4g float %.4f stored(%s) %.4f  folds %.4f-%.4f  bytes %s" % (
        k, r["C"], r["f"], r["stored_key"], r["stored"], min(folds), max(folds), r.get("bytes")))
