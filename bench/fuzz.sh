#!/usr/bin/env bash
# The long fuzzing campaign: every libFuzzer target of tests/fuzz.cmake, one after the other,
# niced, each for a stated time (or number of executions), on a corpus kept between campaigns
# (BUILD/tests/fuzz/campaign/NAME, grown from the same seeds as the ctest runs). Writes
# bench/results/fuzz.md: per target the executions, their rate, the coverage (edges and features
# reached, of the edges instrumented), the corpus and the findings (crash-/leak-/timeout-/oom-
# files, kept in BUILD/tests/fuzz/campaign/). A finding becomes a regression test.
# Each target runs exactly as its ctest run does (its dictionary, memory limits, seeds), read from
# `ctest --show-only=json-v1`, with a longer time and a campaign seed.
#
# Usage: bench/fuzz.sh [--time SECONDS] [--runs N] [--targets "a b ..."] [--nice N] [--build DIR] [--no-build]
#   --time     seconds per target (default 600)      --runs  stop a target after N executions too
#   --nice     the fuzzers' niceness (default 10: they yield to interactive work, yet progress)
#   --targets  run these only; fuzz.md keeps the last results of the others
#   The goal is >= 10 million executions per target; on a shared 2-core machine a campaign is
#   bounded by time instead, and fuzz.md says how many ran.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=600 runs=-1 build=build do_build=1 niceness=10
all="data_fuzz hid_fuzz capture_fuzz tokenize_fuzz model_file_fuzz image_fuzz"
targets=$all
while [ $# -gt 0 ]; do
  case "$1" in
    --time) secs=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --nice) niceness=$2; shift 2 ;;
    --no-build) do_build=0; shift ;;
    *) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [ "$do_build" = 1 ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DTT_BUILD_TESTS=ON >/dev/null
  # shellcheck disable=SC2086
  nice cmake --build "$build" -j2 --target $targets
fi
camp=$build/tests/fuzz/campaign
mkdir -p "$camp" bench/results
ctest --test-dir "$build" --show-only=json-v1 >"$camp/tests.json"

for t in $targets; do
  corpus=$camp/$t
  mkdir -p "$corpus"
  # The ctest command: sh -c '...' sh WORK cmake -E env VARS... BIN WORK SEEDS ARGS...
  mapfile -t cmd < <(/usr/bin/env python3 - "$camp/tests.json" "$t" "$corpus" "$secs" "$runs" "$camp/${t}_" <<'PY'
import json, sys
tests, name, corpus, secs, runs, prefix = sys.argv[1:]
test = next(x for x in json.load(open(tests))["tests"] if x["name"] == name)
cmd = test["command"]
work = cmd[4]
out = []
for a in cmd[5:]:
    if a == work: a = corpus
    elif a.startswith("TT_HID_FUZZ_SEEDS="): a = "TT_HID_FUZZ_SEEDS=" + corpus
    elif a.startswith("-max_total_time="): a = "-max_total_time=" + secs
    elif a.startswith("-seed="): a = "-seed=0"  # a new seed each campaign
    elif a.startswith("-artifact_prefix="): a = "-artifact_prefix=" + prefix
    out.append(a)
out += ["-runs=" + runs, "-timeout=30"]
print("\n".join(out))
PY
  )
  log=$camp/$t.log
  echo "fuzz.sh: $t for ${secs}s" >&2
  nice -n "$niceness" "${cmd[@]}" >"$log" 2>&1 || true
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  total=$(sed -n 's/.*(\([0-9]*\) inline 8-bit counters).*/\1/p' "$log" | head -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  files=$(find "$corpus" -type f | wc -l)
  found=$(find "$camp" -maxdepth 1 -name "${t}_*-*" -type f | sed 's|.*/||' | sort)
  if [ -n "$found" ]; then
    why=$(grep -m1 -E '^SUMMARY|check failed|ERROR: libFuzzer' "$log" | sed 's/|/\\|/g' || true)
    findings="$(echo "$found" | tr '\n' ' ')— ${why}"
  else
    findings="none"
  fi
  echo "| $t | $(date -u +%Y-%m-%d) | ${secs} | ${execs:-?} | ${rate:-?} | ${cov:-?} of ${total:-?} | ${ft:-?} | $files | $findings |" \
    >"$camp/$t.row"
done

{
  echo "# Fuzzing campaign"
  echo
  echo "Written by \`bench/fuzz.sh\` ($(nproc) cores shared with other work, fuzzers at nice $niceness;"
  echo "$(clang++ --version | head -1)). Each target ran for the seconds given, on the corpus kept in"
  echo "build/tests/fuzz/campaign/ (grown from the generated seeds). Edges: the coverage reached, of the"
  echo "edges instrumented in the binary (which include code a target cannot reach, e.g. writers);"
  echo "features: libFuzzer's finer signal. Findings: the files libFuzzer wrote, with the first report."
  echo
  echo "| target | date | seconds | executions | exec/s | edges | features | corpus files | findings |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for t in $all; do
    if [ -f "$camp/$t.row" ]; then cat "$camp/$t.row"; else echo "| $t | not run | | | | | | | |"; fi
  done
} >bench/results/fuzz.md
cat bench/results/fuzz.md
