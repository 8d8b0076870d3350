#!/usr/bin/python3
"""Exact tinytext 4K feature hashes (words + char 3-4 of <word>) for every row of a split file.

    /usr/bin/python3 bench/hybrid4k_feats.py TRAIN.csv OUT.npz [--tinytext build/tinytext]

Runs `tinytext tokenize --word-ngrams 1 --char-ngrams 3-4` once over all texts (newlines -> spaces,
which the tokenizer treats alike; texts separated by a marker word whose own features are dropped),
and saves hashes (uint32, concatenated), offsets (row starts), kinds (0 char, 1 word) and labels.
"""
import csv, subprocess, sys
import numpy as np

csv.field_size_limit(1 << 30)
MARK = "zzqqsepqq"

def main():
    src, out = sys.argv[1], sys.argv[2]
    tt = sys.argv[4] if len(sys.argv) > 4 else "build/tinytext"
    with open(src, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows = rows[1:]
    texts = [r[0].replace("\r", " ").replace("\n", " ") for r in rows]
    y = np.array([int(r[1]) for r in rows], dtype=np.int8)
    inp = ("\n".join(t + "\n" + MARK for t in texts) + "\n").encode("utf-8")
    p = subprocess.run([tt, "tokenize", "--word-ngrams", "1", "--char-ngrams", "3-4", "--buckets", "4032"],
                       input=inp, stdout=subprocess.PIPE, check=True)
    g = "<" + MARK + ">"
    mark_grams = set(g[i:i + n] for n in (3, 4) for i in range(len(g) - n + 1))
    nm = sum(1 for n in (3, 4) for i in range(len(g) - n + 1))
    hashes, kinds, offs, cur = [], [], [0], []
    for line in p.stdout.split(b"\n"):
        if not line:
            continue
        k, tok, h, _ = line.split(b"\t")
        if k == b"word" and tok == MARK.encode():
            drop = cur[-nm:]
            assert all(t.decode() in mark_grams for t, _, _ in drop), drop
            cur = cur[:-nm]
            hashes.extend(x[1] for x in cur)
            kinds.extend(x[2] for x in cur)
            offs.append(len(hashes))
            cur = []
        else:
            cur.append((tok, int(h), 1 if k == b"word" else 0))
    assert len(offs) == len(texts) + 1, (len(offs), len(texts))
    np.savez_compressed(out, hashes=np.array(hashes, dtype=np.uint32), kinds=np.array(kinds, dtype=np.int8),
                        offsets=np.array(offs, dtype=np.int64), y=y)
    print("%s: %d rows, %d features, %d distinct" % (out, len(texts), len(hashes), len(set(hashes))))

main()
