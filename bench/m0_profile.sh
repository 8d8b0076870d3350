#!/usr/bin/env bash
# Where the measured M0 instructions go: runs a workload's Cortex-M0+ image (built by
# targets/run.sh) under QEMU with the marker-range plugin's profile (instructions per translation
# block, targets/qemu-plugin/insn_range.c) and attributes them to the image's functions (nm), per
# function and per measured pair (one pair = one text for the sms workloads: model_reset, every
# model_push, model_read). "read" sums model_read (tt::detail::read on the static path) and the
# functions only it calls (its stages, the numeric helpers, the image reads), so per pair it is
# the cost of one model_read without the pending word's end (push_run, which model_read calls on
# a copy of the state, and sfh_finish_packed also serve model_push and are listed on their own).
#
# Usage: bench/m0_profile.sh BUILD_DIR WORKLOAD [TOP]
#   BUILD_DIR as given to targets/run.sh (needs BUILD_DIR/WORKLOAD/m0.elf and the plugin in
#   BUILD_DIR/qemu-plugin/libinsn_range.so); TOP functions listed (default 20).
# Exit: 0 ok; 1 the run failed; 2 usage or a missing file.
set -uo pipefail
build="${1:-}"
w="${2:-}"
top="${3:-20}"
[ -n "$build" ] && [ -n "$w" ] || { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
elf="$build/$w/m0.elf"
plugin="$build/qemu-plugin/libinsn_range.so"
for f in "$elf" "$plugin"; do [ -f "$f" ] || { echo "m0_profile: $f missing (run targets/run.sh first)" >&2; exit 2; }; done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
sym() { arm-none-eabi-nm "$elf" | awk -v s="$1" '$3==s{print $1}'; }
timeout 300 qemu-system-arm -M microbit -display none -monitor none -serial null \
  -chardev file,id=sh0,path="$tmp/out" -semihosting-config enable=on,target=native,chardev=sh0 \
  -plugin "$plugin,begin=0x$(sym tt_bench_begin),end=0x$(sym tt_bench_end),profile=$tmp/prof,out=$tmp/plugin" \
  -kernel "$elf" 2>"$tmp/err" || { echo "m0_profile: qemu failed:" >&2; cat "$tmp/err" >&2; exit 1; }
arm-none-eabi-nm -C -S "$elf" >"$tmp/syms"
python3 - "$tmp/prof" "$tmp/syms" "$tmp/plugin" "$top" <<'EOF'
import bisect, collections, re, sys
prof, syms, plug, top = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
kv = dict(l.strip().split("=", 1) for l in open(plug) if "=" in l)
pairs = int(kv.get("plugin.pairs", "0")) or 1
S = []
for l in open(syms):
    p = l.rstrip("\n").split(" ", 3)
    if len(p) == 4 and p[2].lower() in "tw":
        S.append((int(p[0], 16), int(p[1], 16), p[3]))
S.sort()
starts = [s[0] for s in S]
agg = collections.Counter()
for l in open(prof):
    p = l.replace(",", " ").split()
    try:
        a, n = int(p[0], 16) & ~1, int(p[-1])
    except (ValueError, IndexError):
        continue
    i = bisect.bisect_right(starts, a) - 1
    agg[S[i][2] if i >= 0 and a < S[i][0] + S[i][1] else "?"] += n
total = sum(agg.values())
def short(n):  # the qualified name without template arguments, parameters or return type
    while re.search(r"<[^<>]*>", n):
        n = re.sub(r"<[^<>]*>", "", n)
    return re.sub(r"\(.*", "", n).split(" ")[-1]
READ = ("tt::model_read", "tt::detail::read", "tt::detail::rescale", "tt::detail::signed_sat", "tt::detail::pool_",
        "tt::detail::rsqrt", "tt::detail::sigmoid", "tt::detail::exp_neg", "tt::detail::div_round",
        "tt::detail::isqrt", "tt::detail::rd_")
read = sum(v for k, v in agg.items() if short(k).startswith(READ))
try:
    print(f"insns={kv.get('plugin.insns', '?')} pairs={pairs} profiled={total} per_pair={total / pairs:.1f} "
          f"read_per_pair={read / pairs:.1f}")
    for k, v in agg.most_common(top):
        print(f"{v:12d} {v / pairs:9.1f}/pair {100.0 * v / total:6.2f}%  {short(k)}")
except BrokenPipeError:  # (piped into head)
    pass
EOF
