#!/usr/bin/env python3
"""Writes a synthetic training set of N rows for bench/scale.sh.

    python3 bench/scale_data.py N OUT.csv [--fasttext OUT.txt] [--seed S] [--source ../shared/data/jigsaw-toxic-partial/text_comment_1.csv]

Each row is a row of the Jigsaw part (10,000 comments, CSV comment_text,labels) drawn uniformly with
replacement by a seeded random.Random, with one of its words (whitespace-separated tokens) replaced
by a random 4-8 letter lower-case word, so repeated draws are not identical texts. Output: CSV with
the source's header, fields quoted as the csv module quotes them (QUOTE_MINIMAL), LF line ends.
Same N and seed: the same bytes. --fasttext also writes the same rows in fastText's format
(`__label__L text`, line breaks and tabs in the text as spaces) for `fasttext supervised`.
"""
import argparse
import csv
import random
import string
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("rows", type=int)
    ap.add_argument("out")
    ap.add_argument("--fasttext")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--source", default="../shared/data/jigsaw-toxic-partial/text_comment_1.csv")
    a = ap.parse_args()
    with open(a.source, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        header = next(r)
        rows = [row for row in r]
    rng = random.Random(a.seed)
    ft = open(a.fasttext, "w", encoding="utf-8") if a.fasttext else None
    with open(a.out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for _ in range(a.rows):
            text, label = rows[rng.randrange(len(rows))]
            words = text.split(" ")
            j = rng.randrange(len(words))
            words[j] = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 8)))
            text = " ".join(words)
            w.writerow([text, label])
            if ft:
                ft.write("__label__%s %s\n" % (label, " ".join(text.split())))
    if ft:
        ft.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
