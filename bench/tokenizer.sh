#!/usr/bin/env bash
# Tokenizer throughput (MB/s) on the Jigsaw part, with the touch-each-byte floor from the same
# run. Writes bench/results/tokenizer.json (Google Benchmark's JSON) and tokenizer.md.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target tokenizer_bench >/dev/null
mkdir -p bench/results
"$build/bench/tokenizer_bench" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_format=json --benchmark_out=bench/results/tokenizer.json --benchmark_out_format=json >/dev/null
/usr/bin/env python3 - <<'PY'
import json, re
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown CPU")
r = json.load(open("bench/results/tokenizer.json"))
ctx = r["context"]
rows = {b["run_name"]: b for b in r["benchmarks"] if b.get("aggregate_name") == "median"}
names = {
    "BM_TouchEachByte": "touch each byte (floor)",
    "BM_Tokenize/1/0/0": "default: words",
    "BM_Tokenize/2/0/0": "default: words + bigrams",
    "BM_Tokenize/2/3/5": "default: words + bigrams + char 3-5 grams",
    "BM_SeedEncoder": "seed12 (original encoder)",
}
floor = rows["BM_TouchEachByte"]["bytes_per_second"]
out = ["# Tokenizer throughput", "",
       f"Jigsaw part (10,000 comments, `text_comment_1.csv`), median of 5 runs. Machine: "
       f"{ctx.get('num_cpus')} x {cpu}, {ctx.get('date')}; the machine is shared, so compare the ratios. "
       "Written by `bench/tokenizer.sh`.", "",
       "| scheme | MB/s | share of the floor |", "|---|---:|---:|"]
for key, label in names.items():
    b = rows[key]
    out.append(f"| {label} | {b['bytes_per_second']/1e6:.0f} | {b['bytes_per_second']/floor:.3f} |")
open("bench/results/tokenizer.md", "w").write("\n".join(out) + "\n")
print("\n".join(out))
PY
