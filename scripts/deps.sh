#!/usr/bin/env bash
# Installs the Debian packages tinytext needs, quietly and only when one is missing.
# Usage: scripts/deps.sh [build|test|bench|main]   (as root on Debian 12)
#   build: compiler, CMake, GoogleTest, Google Benchmark, libpcap, nlohmann-json
#   test:  build + the cross toolchains and emulators (scripts/boards-deps.sh) + clang for fuzzing
#          + chromium and python3-pil (the report in a browser) + Python (pybind11, pytest, pandas,
#          scikit-learn, matplotlib, nbconvert) for python/ and the report's curve checks
#   bench: test + the peers benchmarked against (fasttext, scikit-learn)
#   main:  build + Node.js/npm (the default dataset comes from the npm registry)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-build}

pkgs=(g++ cmake make pkg-config libgtest-dev googletest libbenchmark-dev libpcap-dev nlohmann-json3-dev)
# The Python package's build, tests, example notebook and pip install test (tests/python.cmake).
python_pkgs=(python3-dev pybind11-dev python3-pybind11 python3-numpy python3-pandas python3-sklearn python3-matplotlib
             python3-pytest jupyter-nbconvert python3-nbconvert python3-ipykernel python3-venv python3-pip
             python3-setuptools python3-wheel)
case "$what" in
  build) ;;
  test) pkgs+=(clang libclang-rt-14-dev chromium python3-pil "${python_pkgs[@]}") ;;
  bench) pkgs+=(clang libclang-rt-14-dev chromium python3-pil fasttext "${python_pkgs[@]}") ;;
  main) command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm) ;;
  *) echo "deps.sh: unknown set '$what' (build|test|bench|main)" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps.sh: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ "$what" = test ] || [ "$what" = bench ]; then
  scripts/boards-deps.sh
fi
