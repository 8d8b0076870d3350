#!/bin/sh
# pip install --no-build-isolation of a copy of the source tree into a fresh venv (offline: the
# build tools are Debian's, seen through --system-site-packages), then the installed package trains,
# predicts and exports an Arduino library from another directory.
# Usage: python_pip.sh PYTHON SOURCE_DIR WORK_DIR
set -eu
py=$1 src=$2 work=$3
rm -rf "$work"
mkdir -p "$work/src"
for f in CMakeLists.txt pyproject.toml setup.py README.md cmake src include python docs; do cp -r "$src/$f" "$work/src/"; done
"$py" -m venv --system-site-packages "$work/venv"
CMAKE_BUILD_PARALLEL_LEVEL=${JOBS:-2} "$work/venv/bin/python" -m pip install --no-build-isolation --no-index \
  --no-deps --disable-pip-version-check -q "$work/src"
cd "$work"
"$work/venv/bin/python" - <<'PY'
import csv, os, tinytext
assert tinytext.__file__.startswith(os.path.join(os.getcwd(), "venv")), tinytext.__file__
path = os.path.join(os.environ["TT_SHARED_DIR"], "data", "sms-spam-collection", "SMSSpamCollection")
rows = [l.rstrip("\n").split("\t", 1) for l in open(path, encoding="utf-8")]
clf = tinytext.Classifier(max_flash="4K").fit([t for _, t in rows], [y for y, _ in rows])
assert clf.score([t for _, t in rows], [y for y, _ in rows]) > 0.95
files = clf.quantize([t for _, t in rows]).export_arduino("lib", "spam")
assert os.path.exists("lib/spam/src/tinytext/model.h"), files
print("pip install: ok,", tinytext.__file__)
PY
