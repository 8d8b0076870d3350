#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs what it needs, builds, runs ctest
# (unit tests, golden vectors, emulated boards, fuzzers for a bounded time), then the same unit
# tests again under ASan + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test

jobs=${JOBS:-2}
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTT_SANITIZE=OFF -DTT_BUILD_TESTS=ON -DTT_BUILD_BENCH=ON >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

# Sanitizers: the GoogleTest suite only (the cross builds and emulators do not change).
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTT_SANITIZE=ON -DTT_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j"$jobs" --target tinytext tinytext_tests
ctest --test-dir build-asan --output-on-failure -j"$jobs" -L unit
