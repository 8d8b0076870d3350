#!/usr/bin/env python3
"""Copies the benchmark tables into README.md.

Each block between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` in README.md is replaced by
bench/results/NAME.md without its first heading line. The results files are written by the
benchmark scripts (bench/accuracy.py, bench/tokenizer.sh, bench/boards.sh); nothing in the
README's tables is typed by hand. Usage: bench/update_readme.py [--check]
"""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
readme = root / "README.md"
text = readme.read_text()


def body(name):
    lines = (root / "bench" / "results" / f"{name}.md").read_text().splitlines()
    if lines and lines[0].startswith("#"):
        lines = lines[1:]
    return "\n".join(lines).strip("\n")


def fill(m):
    name = m.group(1)
    return f"<!-- bench:{name} -->\n{body(name)}\n<!-- /bench:{name} -->"


new = re.sub(r"<!-- bench:([\w-]+) -->.*?<!-- /bench:\1 -->", fill, text, flags=re.S)
if "--check" in sys.argv:
    if new != text:
        print("README.md tables differ from bench/results: run bench/update_readme.py", file=sys.stderr)
        sys.exit(1)
    sys.exit(0)
readme.write_text(new)
