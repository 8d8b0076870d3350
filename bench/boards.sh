#!/usr/bin/env bash
# Board measurements: runs the model workloads on the emulated boards (targets/run.sh), writes
# bench/boards.json (one record per target and workload) and bench/results/boards.md (a
# README-ready table), and checks them against the committed budgets (bench/budgets.json).
#
# Usage: bench/boards.sh [options] BUILD_DIR
#   --tinytext BIN      the CLI the workloads train/export with (default: build/tinytext)
#   --no-run            use the results already in BUILD_DIR (from targets/run.sh)
#   --out DIR           where boards.json and results/boards.md go (default: bench/)
#   --check             fail (exit 1) if flash_code, ram_static or stack_peak of any record
#                       exceeds its budget, an M0 workload's instructions per byte exceed its
#                       budget, a default export's M0 instructions per byte through
#                       model_push_text (sms4k_bulk, sms32k_bulk) exceed 90 (issue 12's target),
#                       or a digest differs (the ctest boards_budget)
#   --update-budgets    rewrite bench/budgets.json from this run (a deliberate change: commit it)
# Exit: 0 ok; 1 a run failed, a digest differs or a budget was exceeded; 2 usage.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tinytext="${TT_TINYTEXT:-$root/build/tinytext}"
run=1
out="$root/bench"
check=0
update=0
build=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tinytext) tinytext="${2:?}"; shift 2 ;;
    --no-run) run=0; shift ;;
    --out) out="${2:?}"; shift 2 ;;
    --check) check=1; shift ;;
    --update-budgets) update=1; shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "boards.sh: unknown option $1" >&2; exit 2 ;;
    *) build="$1"; shift ;;
  esac
done
[ -n "$build" ] || { echo "usage: bench/boards.sh [options] BUILD_DIR" >&2; exit 2; }
workloads=(sms4k sms4k_checked sms4k_bulk sms32k sms32k_bulk sms32k_mega sms64k_mega sms192k_mega stream100 stream10000)
status=0
if [ $run -eq 1 ]; then
  args=()
  for w in "${workloads[@]}"; do args+=(--workload "$w"); done
  bash "$root/targets/run.sh" --tinytext "$tinytext" "${args[@]}" "$build" || status=1
fi
mkdir -p "$out/results"
python3 - "$build" "$out" "$root/bench/budgets.json" "$check" "$update" "${workloads[@]}" <<'EOF' || status=1
import json, os, sys
build, out, budgets_path, check, update = sys.argv[1:6]
workloads = sys.argv[6:]
MODEL = {"sms32k_mega": "32 KB", "sms64k_mega": "64 KB (--board mega2560)", "sms192k_mega": "192 KB (D 3, H 4)", "sms4k": "4 KB", "sms4k_checked": "4 KB", "sms4k_bulk": "4 KB", "sms32k": "32 KB", "sms32k_bulk": "32 KB", "stream100": "4 KB", "stream10000": "4 KB"}
# static: the generated NAME_model type (shape compiled in, no open); checked: tt::Model filled by
# model_open at run time (the generic path, as for an image loaded from an SD card).
# bulk: the static model fed through model_push_text (a text per call) instead of model_push per byte.
PATH = {"sms4k_checked": "checked", "sms4k_bulk": "static, bulk", "sms32k_bulk": "static, bulk"}
TEXT = {"sms32k_mega": "SMS test split, first texts", "sms64k_mega": "SMS test split, first texts", "sms192k_mega": "SMS test split, first texts", "sms4k": "SMS test split, first texts", "sms4k_checked": "SMS test split, first texts",
        "sms4k_bulk": "SMS test split, first texts",
        "sms32k": "SMS test split, all texts", "sms32k_bulk": "SMS test split, all texts",
        "stream100": "one generated text", "stream10000": "one generated text"}
# run.sh's keys and the targets they stand for (docs/boards.md: which boards each one covers).
TARGETS = (("m0", "cortex-m0plus"), ("m4", "cortex-m4"), ("rv32", "rv32imc"), ("avr", "atmega328p"),
           ("mega", "atmega2560"))
QEMU = ("m0", "m4", "rv32")
records = []
for w in workloads:
    path = os.path.join(build, w, "summary.txt")
    if not os.path.exists(path):
        print(f"boards: {path} missing (run targets/run.sh first)", file=sys.stderr)
        sys.exit(1)
    kv = {}
    for line in open(path):
        k, _, v = line.rstrip("\n").partition("=")
        kv[k] = v
    for t, name in TARGETS:
        if f"{t}.flash" not in kv:
            continue
        def i(k):
            v = kv.get(f"{t}.{k}", "")
            return int(v) if v.isdigit() else None
        r = {"target": name, "workload": w, "model": MODEL[w], "path": PATH.get(w, "static"), "text": TEXT[w],
             "flash_code": i("flash_code"), "flash_weights": i("flash_weights"),
             "flash_total": i("flash"), "ram_static": i("ram_runtime"), "stack_peak": i("stack_peak"), "stack_runtime": i("stack_runtime"),
             "stack_method": kv.get(f"{t}.stack_how"), "ram_image": i("ram_static"),
             "texts": int(kv.get("host.texts", "1")), "text_bytes": int(kv["host.bytes"]),
             "digest_equal": kv.get(f"{t}.match") == "match",
             "cli_equal": (kv.get("host.cli_match") == "1") if "host.cli_match" in kv else None}
        if t in QEMU:
            r["instructions"] = i("insns")
            r["instructions_per_byte"] = round(r["instructions"] / r["text_bytes"], 1) if r["instructions"] else None
        else:
            r["cycles"] = i("cycles")
            r["cycles_per_byte"] = round(r["cycles"] / r["text_bytes"], 1) if r["cycles"] else None
        records.append(r)
doc = {"generated_by": "bench/boards.sh",
       "method": {"instructions": "Cortex-M0+, Cortex-M4, rv32imc: instructions executed between tt_bench_begin/end, "
                                  "counted by a QEMU TCG plugin (qemu -M microbit, -M mps2-an386, "
                                  "qemu-system-riscv32 -M virt); QEMU models no timing",
                  "cycles": "ATmega328P, ATmega2560: exact cycles between GPIOR0 markers in simavr at 16 MHz",
                  "flash_code": "image minus the same harness built with -DTT_BASELINE minus the model's "
                                "weights: the runtime (tokenizer, model_open/push/read) and the libgcc it pulls",
                  "ram_static": "static RAM of the runtime (Model, state, scores): image minus baseline",
                  "stack_peak": "bytes of stack from the top of RAM while measured, harness frames included",
                  "stack_runtime": "stack_peak minus the same harness without the runtime (baseline build run the same way)",
                  "per_byte": "the measured region covers model_reset, every model_push and model_read",
                 "path": "static: the generated NAME_model type (shape compiled in, no open); checked: "
                         "tt::Model filled by model_open at run time (image checked, generic kernels)"},
       "records": records}
with open(os.path.join(out, "boards.json"), "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")

def n(v):
    return "-" if v is None else f"{v:,}"
rows = ["| target | model | path | text | flash: runtime code | flash: weights | RAM: static | RAM: stack peak | RAM total | bytes | cost per byte | = host |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
for r in records:
    per = (f"{r['instructions_per_byte']} instructions" if "instructions" in r else f"{r['cycles_per_byte']} cycles")
    tot = (r["ram_static"] or 0) + (r["stack_peak"] or 0)
    eq = "yes" if r["digest_equal"] else "NO"
    if r["cli_equal"] is not None:
        eq += ", = CLI" if r["cli_equal"] else ", CLI differs"
    rows.append(f"| {r['target']} | {r['model']} | {r['path']} | {r['text']} ({r['texts']}) | {n(r['flash_code'])} | "
                f"{n(r['flash_weights'])} | {n(r['ram_static'])} | {n(r['stack_peak'])} | {n(tot)} | "
                f"{n(r['text_bytes'])} | {per} | {eq} |")
md = ["<!-- written by bench/boards.sh; do not edit -->", *rows, "",
      "Cortex-M0+ (qemu -M microbit; the RP2040's core), Cortex-M4 (-M mps2-an386; the nRF52840's core),",
      "rv32imc (qemu-system-riscv32 -M virt; the ESP32-C3's core): instructions counted by a QEMU TCG",
      "plugin between markers (not cycles: QEMU has no timing model). ATmega328P and ATmega2560: exact",
      "simavr cycles at 16 MHz. Runtime code = image minus the same",
      "harness without the runtime, minus the weights. Stack: peak from the top of RAM while measured",
      "(QEMU: lowest stack store seen by the plugin; AVR: lowest SP), harness frames included. Path: static =",
      "the generated NAME_model type (the model's shape compiled in, no open: what a model in flash",
      "uses); checked = tt::Model filled by model_open, which checks the image at run time (CRC,",
      "sizes, parameter ranges), with kernels that read the shape from it (an image loaded at run",
      "time, e.g. from an SD card); bulk = each text through model_push_text in one call (the others:",
      "model_push per byte).", ""]
bulk = {r["workload"]: r.get("instructions_per_byte") for r in records if r["target"] == "cortex-m0plus"}
if bulk.get("sms4k_bulk") is not None and bulk.get("sms32k_bulk") is not None:
    a, b = bulk["sms32k_bulk"], bulk["sms4k_bulk"]
    md += ["Issue 12's target, at most 90 Cortex-M0 instructions per byte through model_push_text for",
           f"every default export: {'met' if a <= 90 else 'NOT met'} for the 32 KB export ({a});",
           f"met for the 4 KB export ({b})." if b <= 90 else
           f"NOT met for the 4 KB export ({b}, {round(b - 90, 1)} over): its exact table misses on 92% of",
           *([] if b <= 90 else ["the features of these texts, and a miss still costs a multiply for its group and two or three compares in it",
                                "(docs/boards.md)."]),
           "--check fails if either is above 90 (the Thumb-1 kernel, include/tinytext/arch/thumb1/).", ""]
CODE_GOAL = {"cortex-m4": 2048, "rv32imc": 3072}
def ram_goal(target):
    return 512 if target.startswith("atmega") else 256
md += ["Issue 16's targets (static path; runtime RAM = static RAM + the runtime's own stack, the",
       "harness's frames excluded): runtime code <= 2 KB on the Cortex-M4, <= 3 KB on the rv32imc;",
       "runtime RAM <= 256 B on the 32-bit targets, <= 512 B on the AVRs.", "",
       "| target | workload | runtime code | goal | runtime RAM (static + stack) | goal |", "|---|---|---:|---:|---:|---:|"]
for r in records:
    if r["path"].startswith("static") and r["ram_static"] is not None and r["stack_runtime"] is not None:
        md.append(f"| {r['target']} | {r['workload']} | {n(r['flash_code'])} | {n(CODE_GOAL.get(r['target']))} | "
                  f"{r['ram_static']} + {r['stack_runtime']} = {r['ram_static'] + r['stack_runtime']} | {ram_goal(r['target'])} |")
md.append("")
with open(os.path.join(out, "results", "boards.md"), "w") as f:
    f.write("\n".join(md))
print("\n".join(rows))

bad = [f"{r['target']}/{r['workload']}: digest differs from the host" for r in records if not r["digest_equal"]]
bad += [f"{r['target']}/{r['workload']}: scores differ from tinytext predict" for r in records if r["cli_equal"] is False]
KEYS = ("flash_code", "ram_static", "stack_peak")
# M0 instructions per byte: a regression budget (QEMU's counts are exact; --update-budgets records
# this run's figure plus 1%).
IPB = "instructions_per_byte"
if update == "1":
    b = {f"{r['workload']}.{r['target']}": {k: r[k] for k in KEYS} for r in records}
    for r in records:
        if r.get(IPB) is not None:
            b[f"{r['workload']}.{r['target']}"][IPB] = round(r[IPB] * 1.01, 1)
    with open(budgets_path, "w") as f:
        json.dump({"comment": "Board budgets: bench/boards.sh --check fails if a figure grows past these. "
                              "Update deliberately with bench/boards.sh --update-budgets and commit.",
                   "budgets": b}, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"boards: budgets written to {budgets_path}")
if check == "1":
    budgets = json.load(open(budgets_path))["budgets"]
    for r in records:
        key = f"{r['workload']}.{r['target']}"
        if key not in budgets:
            bad.append(f"{key}: no budget recorded (bench/boards.sh --update-budgets)")
            continue
        for k in KEYS:
            if r[k] is None or r[k] > budgets[key][k]:
                bad.append(f"{key}: {k} {r[k]} > budget {budgets[key][k]}")
        if IPB in budgets[key] and (r.get(IPB) is None or r[IPB] > budgets[key][IPB]):
            bad.append(f"{key}: {IPB} {r.get(IPB)} > budget {budgets[key][IPB]}")
    # Issue 12's target, on top of the recorded budgets: <= 90 Cortex-M0 instructions per input
    # byte through model_push_text for every default export (the 4 KB and the 32 KB model).
    for r in records:
        if r["workload"] in ("sms4k_bulk", "sms32k_bulk") and r["target"] == "cortex-m0plus" and \
                not (r[IPB] is not None and r[IPB] <= 90.0):
            bad.append(f"{r['workload']}.cortex-m0plus: {r[IPB]} instructions per byte > 90")
    # Issue 16's targets on the static path (what an exported model compiles to): runtime code
    # <= 2 KB on the Cortex-M4 and <= 3 KB on the rv32imc; the runtime's RAM (static + its own
    # stack, stack_runtime: the harness's frames excluded) <= 256 B on the 32-bit targets and
    # <= 512 B on the AVRs; the 32 KB model on the ATmega2560 with the host's digest.
    for r in records:
        if not r["path"].startswith("static"):
            continue
        key = f"{r['workload']}.{r['target']}"
        if r["target"] in CODE_GOAL and (r["flash_code"] is None or r["flash_code"] > CODE_GOAL[r["target"]]):
            bad.append(f"{key}: runtime code {r['flash_code']} > {CODE_GOAL[r['target']]}")
        lim = ram_goal(r["target"])
        if r["ram_static"] is None or r["stack_runtime"] is None or r["ram_static"] + r["stack_runtime"] > lim:
            bad.append(f"{key}: runtime RAM {r['ram_static']} + stack {r['stack_runtime']} > {lim}")
    if not any(r["target"] == "atmega2560" and r["model"] == "32 KB" and r["digest_equal"] for r in records):
        bad.append("atmega2560: no run of the 32 KB model with the host's digest (sms32k_mega)")
    # Far flash: a model over 32,767 B (train --board mega2560) on the ATmega2560 with the host's digest.
    if not any(r["target"] == "atmega2560" and (r["flash_weights"] or 0) > 32767 and r["digest_equal"] for r in records):
        bad.append("atmega2560: no run of a model over 32,767 B with the host's digest (sms64k_mega)")
    s100 = {r["target"]: r for r in records if r["workload"] == "stream100"}
    for r in records:
        if r["workload"] == "stream10000" and r["target"] in s100:
            a = s100[r["target"]]
            if (a["ram_static"], a["stack_peak"]) != (r["ram_static"], r["stack_peak"]):
                bad.append(f"{r['target']}: RAM differs between a 100-byte and a 10,000-byte text")
for m in bad:
    print("boards: FAIL " + m, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
exit $status
