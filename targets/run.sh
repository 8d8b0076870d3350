#!/usr/bin/env bash
# Builds and runs the board workloads on the host, the Cortex-M0+ (qemu -M microbit), the
# Cortex-M4 (qemu -M mps2-an386), the RISC-V rv32imc (qemu-system-riscv32 -M virt), the ATmega328P
# and the ATmega2560 (simavr), checks that every workload line matches the host bit for bit, checks the
# images for heap/float/exception symbols, and prints a per-target summary.
#
# Usage: targets/run.sh [options] BUILD_DIR
#   --workload NAME   run targets/workloads/NAME.cc (repeatable; default: every workload)
#   --targets LIST    space-separated subset of "host m0 m4 rv32 avr mega" (host is always built: the
#                     reference)
#   --corpus FILE     SMSSpamCollection for the data generators
#                     (default: $TT_CORPUS, else ../shared/data/sms-spam-collection/SMSSpamCollection)
#   --shared-data DIR the shared data directory for the model workloads
#                     (default: $TT_SHARED_DATA, else ../shared/data)
#   --tinytext BIN    the tinytext CLI the model workloads train/quantise/export with
#                     (default: $TT_TINYTEXT, else build/tinytext)
#   --no-plugin       do not count M0 instructions (skips the qemu-plugin.h download)
#   --timeout SEC     limit per emulator run (default 120)
#   --deps            run scripts/boards-deps.sh first (installs missing apt packages)
# Exit: 0 all match; 1 a mismatch, a failed run or a failed link check; 2 usage or missing tool.
#
# A workload is targets/workloads/NAME.cc (defines tt_workload_main(), see targets/common/board.h)
# plus an optional executable targets/workloads/NAME.data.sh that writes the generated header
# BUILD_DIR/NAME/workload_data.h (called with that path; TT_ROOT and TT_CORPUS set). A line
#   // run.sh data-symbols: REGEX
# in NAME.cc names the generated arrays (default "tt_text"), reported apart from code in "flash";
# the arrays among them whose name ends in _model_data are the model's weights ("weights").
#   // run.sh targets: host m0
# names the targets the workload runs on (e.g. not the ATmega328P for a model too large for it);
# without it: host m0 avr (m4, rv32 and mega run only the workloads that name them). A data
# generator may write extra sources into BUILD_DIR/NAME/gen/*.cc (e.g. an exported model); they
# are compiled with the workload. A workload with the line "// run.sh baseline" supports
# -DTT_BASELINE (the same harness without the runtime) and is also built that way, for size only:
# the difference is the runtime's code (flash_code, weights excluded) and RAM (ram_runtime).
# Results: BUILD_DIR/NAME/{host,m0,avr}.out and BUILD_DIR/NAME/summary.txt (key=value lines).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tdir="$root/targets"

usage() {
  sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
}

workloads=()
targets="host m0 m4 rv32 avr mega"
corpus="${TT_CORPUS:-$root/../shared/data/sms-spam-collection/SMSSpamCollection}"
shared_data="${TT_SHARED_DATA:-$root/../shared/data}"
tinytext="${TT_TINYTEXT:-$root/build/tinytext}"
use_plugin=1
tmo=120
deps=0
build=""
while [ $# -gt 0 ]; do
  case "$1" in
    --workload) workloads+=("${2:?}"); shift 2 ;;
    --targets) targets="${2:?}"; shift 2 ;;
    --corpus) corpus="${2:?}"; shift 2 ;;
    --shared-data) shared_data="${2:?}"; shift 2 ;;
    --tinytext) tinytext="${2:?}"; shift 2 ;;
    --no-plugin) use_plugin=0; shift ;;
    --timeout) tmo="${2:?}"; shift 2 ;;
    --deps) deps=1; shift ;;
    -h|--help) usage ;;
    -*) echo "run.sh: unknown option $1" >&2; usage ;;
    *) [ -z "$build" ] || usage; build="$1"; shift ;;
  esac
done
[ -n "$build" ] || usage
mkdir -p "$build" && build="$(cd "$build" && pwd)"
if [ ${#workloads[@]} -eq 0 ]; then
  for f in "$tdir"/workloads/*.cc; do workloads+=("$(basename "${f%.cc}")"); done
fi
want() { [[ " $targets " == *" $1 "* ]]; }

[ $deps -eq 1 ] && { "$root/scripts/boards-deps.sh" || exit 2; }

need() {
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || { echo "run.sh: $t not found (run scripts/boards-deps.sh)" >&2; exit 2; }
  done
}
need g++ python3 timeout
{ want m0 || want m4; } && need arm-none-eabi-g++ arm-none-eabi-nm arm-none-eabi-size qemu-system-arm
want rv32 && need riscv64-unknown-elf-g++ riscv64-unknown-elf-nm riscv64-unknown-elf-size qemu-system-riscv32
{ want avr || want mega; } && need avr-g++ avr-nm avr-size gcc pkg-config

export TT_ROOT="$root" TT_CORPUS="$corpus" TT_SHARED_DATA="$shared_data" TT_TINYTEXT="$tinytext"

# Flags. The QEMU images need no libc: board.cc is the whole runtime, libgcc supplies 64-bit shifts.
inc=(-I"$root/include" -I"$tdir/common")
dev_flags=(-Os -std=c++11 -ffreestanding -fno-exceptions -fno-rtti -ffunction-sections -fdata-sections
           -Wall -Wextra -Wconversion -Werror)
# QEMU boards: target name, tool prefix, architecture flags, board source dir, linker script,
# machine. The Cortex-M4 (mps2-an386: code memory at 0, RAM at 0x20000000) runs the M0+ board
# file and linker script unchanged (their 256 KB / 16 KB are a subset of its memory; the 16
# core vectors are common to ARMv6-M and ARMv7-M). rv32: the ESP32-C3's core (rv32imc; zicsr
# for the board's trap vector only).
declare -A q_name=([m0]=cortex-m0plus [m4]=cortex-m4 [rv32]=rv32imc)
declare -A q_tool=([m0]=arm-none-eabi- [m4]=arm-none-eabi- [rv32]=riscv64-unknown-elf-)
declare -A q_arch=([m0]="-mcpu=cortex-m0plus -mthumb" [m4]="-mcpu=cortex-m4 -mthumb"
                   [rv32]="-march=rv32imc_zicsr -mabi=ilp32")
declare -A q_dir=([m0]=cortex-m0plus [m4]=cortex-m0plus [rv32]=rv32imc)
declare -A q_ld=([m0]=cortex-m0plus/microbit.ld [m4]=cortex-m0plus/microbit.ld [rv32]=rv32imc/virt.ld)
declare -A q_qemu=([m0]="qemu-system-arm -M microbit" [m4]="qemu-system-arm -M mps2-an386"
                   [rv32]="qemu-system-riscv32 -M virt -bios none")
# AVR boards under simavr: the ATmega328P board file and runner serve both (same UART, GPIOR0).
declare -A a_mcu=([avr]=atmega328p [mega]=atmega2560)
avr_link=(-Wl,--gc-sections)
host_flags=(-O2 -std=c++11 -Wall -Wextra -Wconversion -Werror)

status=0
fail() { echo "run.sh: FAIL $*" >&2; status=1; }

# ---- tools: the simavr runner and the QEMU plugin (built once per build dir) ----
runner="$build/tools/tt_avr_runner"
if want avr || want mega; then
  mkdir -p "$build/tools"
  if [ ! -x "$runner" ] || [ "$runner" -ot "$tdir/atmega328p/runner.c" ]; then
    pkg-config --exists simavr || { echo "run.sh: libsimavr-dev not found (run scripts/boards-deps.sh)" >&2; exit 2; }
    # shellcheck disable=SC2046
    gcc -O2 -Wall -Wextra -Werror $(pkg-config --cflags simavr) "$tdir/atmega328p/runner.c" -o "$runner" \
        $(pkg-config --libs simavr) -lelf || { echo "run.sh: cannot build the simavr runner" >&2; exit 2; }
  fi
fi
plugin=""
plugin_why="disabled (--no-plugin)"
if { want m0 || want m4 || want rv32; } && [ $use_plugin -eq 1 ]; then
  if plugin="$(bash "$tdir/qemu-plugin/build.sh" "$build/qemu-plugin" 2>"$build/qemu-plugin.log")"; then
    plugin_why=""
  else
    plugin=""
    plugin_why="$(grep -m1 'unavailable' "$build/qemu-plugin.log" | sed 's/^qemu-plugin: //')"
    [ -n "$plugin_why" ] || plugin_why="unavailable: plugin build failed (see $build/qemu-plugin.log)"
    echo "run.sh: QEMU instruction count $plugin_why" >&2
  fi
fi

# Workload lines: everything the program prints except the boards' own board.*/plugin.* lines.
workload_lines() { grep -v -E '^(board|plugin)\.' "$1"; }
kv() { sed -n "s/^$2=//p" "$1" | head -n1; }
# size(1) Berkeley columns: text data bss.
sizes() { "$1" "$2" | awk 'NR==2{print $1, $2, $3}'; }
# Bytes of flash taken by the generated data arrays (symbols matching REGEX).
data_bytes() {
  local total=0 size
  for size in $("$1" -S "$2" | awk -v re="$3" 'NF==4 && $4 ~ re {print $2}'); do
    total=$((total + 16#$size))
  done
  echo "$total"
}
per_byte() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.1f", a / b; else printf "-" }'; }

# The runtime's share against the workload's TT_BASELINE build (the harness alone), for either
# board kind; called inside a board function (k, text/data/bss, wbytes, stack; btext/bdata/bbss,
# bwbytes: the weights the baseline keeps, e.g. an AVR far image, which its section keeps linked).
base_sizes() {
  echo "$k.base_flash=$((btext + bdata))"; echo "$k.base_ram_static=$((bdata + bbss))"
  echo "$k.flash_code=$((text + data - btext - bdata + bwbytes - wbytes))"
  echo "$k.ram_runtime=$((data + bss - bdata - bbss))"
}
base_stack() {  # $1: the baseline's stack peak
  [ -n "$1" ] && [ -n "$stack" ] && { echo "$k.base_stack_peak=$1"; echo "$k.stack_runtime=$((stack - $1))"; }
  return 0
}

# A board under QEMU (m0, m4, rv32): build, run with the plugin, compare, sizes, baseline.
qemu_board() {
  local k="$1" tname="${q_name[$1]}" tp="${q_tool[$1]}" elf rc match text data bss dbytes insns measured stack_total stack stack_how wbytes
  local btext bdata bbss bwbytes bb be bstack b e lo hi
  local -a flags link qemu plug_args
  read -ra flags <<<"${q_arch[$k]}"; flags+=("${dev_flags[@]}")
  link=(-T "$tdir/${q_ld[$k]}" -nostartfiles -nostdlib -Wl,--gc-sections -lgcc)
  read -ra qemu <<<"${q_qemu[$k]}"
  elf="$out/$k.elf"
  if "${tp}g++" "${flags[@]}" "${inc[@]}" "${inc_w[@]}" "$tdir/${q_dir[$k]}/board.cc" "${common_srcs[@]}" \
       "${link[@]}" -Wl,-Map="$out/$k.map" -o "$elf" 2>"$out/$k.build.log"; then
    plug_args=()
    rm -f "$out/$k.plugin"
    if [ -n "$plugin" ]; then
      b="$("${tp}nm" "$elf" | awk '$3=="tt_bench_begin"{print $1}')"
      e="$("${tp}nm" "$elf" | awk '$3=="tt_bench_end"{print $1}')"
      lo="$("${tp}nm" "$elf" | awk '$3=="_stack_limit"{print $1}')"
      hi="$("${tp}nm" "$elf" | awk '$3=="_estack"{print $1}')"
      plug_args=(-plugin "$plugin,begin=0x$b,end=0x$e,stack_lo=0x$lo,stack_hi=0x$hi,out=$out/$k.plugin")
    fi
    rm -f "$out/$k.out"
    timeout "$tmo" "${qemu[@]}" -display none -monitor none -serial null \
      -chardev file,id=sh0,path="$out/$k.out" -semihosting-config enable=on,target=native,chardev=sh0 \
      "${plug_args[@]}" -kernel "$elf" 2>"$out/$k.stderr"; rc=$?
    [ -f "$out/$k.out" ] || : >"$out/$k.out"
    [ -f "$out/$k.plugin" ] && cat "$out/$k.plugin" >>"$out/$k.out"
    match="match"
    if [ $rc -eq 124 ]; then fail "$w: $k timed out after ${tmo}s"; match="TIMEOUT"
    elif [ $rc -ne 0 ]; then fail "$w: $k exited $rc"; match="EXIT-$rc"; fi
    if ! workload_lines "$out/$k.out" | diff -u "$out/host.lines" - >"$out/$k.diff"; then
      fail "$w: $k output differs from host (see $out/$k.diff)"; cat "$out/$k.diff" >&2; match="MISMATCH"
    fi
    "$tdir/link_check.sh" "${tp}nm" "$elf" >"$out/$k.link_check" || { cat "$out/$k.link_check" >&2; fail "$w: $k link check"; }
    read -r text data bss <<<"$(sizes "${tp}size" "$elf")"
    dbytes="$(data_bytes "${tp}nm" "$elf" "$data_re")"
    insns="$(kv "$out/$k.out" plugin.insns)"
    if [ -n "$insns" ]; then measured="$insns insns"; else measured="unavailable"; fi
    [ "$(kv "$out/$k.out" plugin.pairs)" = "0" ] && { measured="no markers hit"; insns=""; }
    stack_total="$(kv "$out/$k.out" board.stack_peak)"
    stack="$(kv "$out/$k.out" plugin.stack_peak)"
    stack_how="stores between the markers (plugin)"
    [ -n "$stack" ] || { stack="$stack_total"; stack_how="paint, whole program"; }
    wbytes="$(data_bytes "${tp}nm" "$elf" '_model_data$')"
    rows+=("$tname|$((text + data))|$dbytes|$((data + bss))|${stack:--}|$bytes|$measured|$(per_byte "$insns" "$bytes")|$match")
    {
      echo "$k.flash=$((text + data))"; echo "$k.flash_data=$dbytes"; echo "$k.flash_weights=$wbytes"
      echo "$k.ram_static=$((data + bss))"
      echo "$k.stack_peak=${stack:-}"; echo "$k.stack_how=$stack_how"; echo "$k.stack_total=${stack_total:-}"
      echo "$k.insns=${insns:-unavailable}"; echo "$k.match=$match"
      [ -n "$insns" ] || echo "$k.insns_why=$plugin_why"
      if [ $baseline -eq 1 ]; then
        if "${tp}g++" "${flags[@]}" -DTT_BASELINE "${inc[@]}" "${inc_w[@]}" "$tdir/${q_dir[$k]}/board.cc" \
             "${common_srcs[@]}" "${link[@]}" -o "$out/$k.base.elf" 2>"$out/$k.base.build.log"; then
          read -r btext bdata bbss <<<"$(sizes "${tp}size" "$out/$k.base.elf")"
          bwbytes="$(data_bytes "${tp}nm" "$out/$k.base.elf" '_model_data$')"
          base_sizes
          if [ -n "$plugin" ]; then  # the harness's own stack while measured (no runtime in it)
            bb="$("${tp}nm" "$out/$k.base.elf" | awk '$3=="tt_bench_begin"{print $1}')"
            be="$("${tp}nm" "$out/$k.base.elf" | awk '$3=="tt_bench_end"{print $1}')"
            rm -f "$out/$k.base.plugin"
            timeout "$tmo" "${qemu[@]}" -display none -monitor none -serial null \
              -chardev file,id=sh1,path="$out/$k.base.out" -semihosting-config enable=on,target=native,chardev=sh1 \
              -plugin "$plugin,begin=0x$bb,end=0x$be,stack_lo=0x$lo,stack_hi=0x$hi,out=$out/$k.base.plugin" \
              -kernel "$out/$k.base.elf" 2>/dev/null
            base_stack "$(kv "$out/$k.base.plugin" plugin.stack_peak 2>/dev/null)"
          fi
        else
          fail "$w: $k baseline build (see $out/$k.base.build.log)"
        fi
      fi
    } >>"$summary"
  else
    cat "$out/$k.build.log" >&2; fail "$w: $k build"
    rows+=("$tname|-|-|-|-|-|-|-|BUILD-FAILED")
  fi
}

# An AVR board under simavr (avr: ATmega328P, mega: ATmega2560): the same board file and runner.
avr_board() {
  local k="$1" elf rc match text data bss dbytes cycles stack_total stack measured wbytes btext bdata bbss bwbytes bstack
  elf="$out/$k.elf"
  if avr-g++ -mmcu="${a_mcu[$k]}" "${dev_flags[@]}" "${inc[@]}" "${inc_w[@]}" "$tdir/atmega328p/board.cc" "${common_srcs[@]}" \
       "${avr_link[@]}" -Wl,-Map="$out/$k.map" -o "$elf" 2>"$out/$k.build.log"; then
    timeout "$tmo" "$runner" --mcu "${a_mcu[$k]}" "$elf" >"$out/$k.out" 2>"$out/$k.stderr"; rc=$?
    match="match"
    if [ $rc -eq 124 ]; then fail "$w: $k timed out after ${tmo}s"; match="TIMEOUT"
    elif [ $rc -ne 0 ]; then fail "$w: $k exited $rc ($(head -c 300 "$out/$k.stderr"))"; match="EXIT-$rc"; fi
    if ! workload_lines "$out/$k.out" | diff -u "$out/host.lines" - >"$out/$k.diff"; then
      fail "$w: $k output differs from host (see $out/$k.diff)"; cat "$out/$k.diff" >&2; match="MISMATCH"
    fi
    "$tdir/link_check.sh" avr-nm "$elf" >"$out/$k.link_check" || { cat "$out/$k.link_check" >&2; fail "$w: $k link check"; }
    read -r text data bss <<<"$(sizes avr-size "$elf")"
    dbytes="$(data_bytes avr-nm "$elf" "$data_re")"
    cycles="$(kv "$out/$k.out" board.cycles)"
    stack_total="$(kv "$out/$k.out" board.stack_peak)"
    stack="$(kv "$out/$k.out" board.bench_stack_peak)"
    measured="${cycles:-?} cycles"
    [ "$(kv "$out/$k.out" board.pairs)" = "0" ] && { measured="no markers hit"; cycles=""; }
    wbytes="$(data_bytes avr-nm "$elf" '_model_data$')"
    rows+=("${a_mcu[$k]}|$((text + data))|$dbytes|$((data + bss))|${stack:--}|$bytes|$measured|$(per_byte "$cycles" "$bytes")|$match")
    {
      echo "$k.flash=$((text + data))"; echo "$k.flash_data=$dbytes"; echo "$k.flash_weights=$wbytes"
      echo "$k.ram_static=$((data + bss))"
      echo "$k.stack_peak=${stack:-}"; echo "$k.stack_how=lowest SP between the markers (simavr)"
      echo "$k.stack_total=${stack_total:-}"; echo "$k.cycles=${cycles:-}"; echo "$k.match=$match"
      if [ $baseline -eq 1 ]; then
        if avr-g++ -mmcu="${a_mcu[$k]}" "${dev_flags[@]}" -DTT_BASELINE "${inc[@]}" "${inc_w[@]}" "$tdir/atmega328p/board.cc" \
             "${common_srcs[@]}" "${avr_link[@]}" -o "$out/$k.base.elf" 2>"$out/$k.base.build.log"; then
          read -r btext bdata bbss <<<"$(sizes avr-size "$out/$k.base.elf")"
          bwbytes="$(data_bytes avr-nm "$out/$k.base.elf" '_model_data$')"
          base_sizes
          timeout "$tmo" "$runner" --mcu "${a_mcu[$k]}" "$out/$k.base.elf" >"$out/$k.base.out" 2>/dev/null
          base_stack "$(kv "$out/$k.base.out" board.bench_stack_peak)"
        else
          fail "$w: $k baseline build (see $out/$k.base.build.log)"
        fi
      fi
    } >>"$summary"
  else
    cat "$out/$k.build.log" >&2; fail "$w: $k build"
    rows+=("${a_mcu[$k]}|-|-|-|-|-|-|-|BUILD-FAILED")
  fi
}

printf '\n'
for w in "${workloads[@]}"; do
  src="$tdir/workloads/$w.cc"
  [ -f "$src" ] || { echo "run.sh: no workload $src" >&2; exit 2; }
  out="$build/$w"
  mkdir -p "$out"
  data_re="$(sed -n 's|^// run.sh data-symbols: *||p' "$src" | head -n1)"
  data_re="${data_re:-tt_text}"
  wtargets="$(sed -n 's|^// run.sh targets: *||p' "$src" | head -n1)"
  wtargets="${wtargets:-host m0 avr}"
  wwant() { want "$1" && [[ " $wtargets " == *" $1 "* ]]; }
  baseline=0
  grep -q '^// run.sh baseline' "$src" && baseline=1
  rm -rf "$out/gen"

  # Generated data header.
  if [ -x "$tdir/workloads/$w.data.sh" ]; then
    "$tdir/workloads/$w.data.sh" "$out/workload_data.h" 2>"$out/data.log" ||
      { cat "$out/data.log" >&2; fail "$w: data generator"; continue; }
  else
    : >"$out/workload_data.h"
  fi
  common_srcs=("$tdir/common/board_print.cc" "$src")
  shopt -s nullglob
  common_srcs+=("$out"/gen/*.cc)
  shopt -u nullglob
  inc_w=(-I"$out" -I"$tdir/workloads")
  [ -d "$out/gen" ] && inc_w+=(-I"$out/gen")

  # Host: the reference.
  if ! g++ "${host_flags[@]}" "${inc[@]}" "${inc_w[@]}" "$tdir/common/board_host.cc" "${common_srcs[@]}" \
        -o "$out/host" 2>"$out/host.build.log"; then
    cat "$out/host.build.log" >&2; fail "$w: host build"; continue
  fi
  "$out/host" >"$out/host.out"; rc=$?
  [ $rc -eq 0 ] || fail "$w: host run exited $rc"
  workload_lines "$out/host.out" >"$out/host.lines"
  bytes="$(kv "$out/host.out" bytes)"

  summary="$out/summary.txt"
  {
    echo "workload=$w"
    sed 's/^/host./' "$out/host.lines"
  } >"$summary"
  rows=()

  for k in m0 m4 rv32; do wwant $k && qemu_board $k; done
  for k in avr mega; do wwant $k && avr_board $k; done

  # Summary.
  echo "== workload $w: $(tr '\n' ' ' <"$out/host.lines")"
  printf '%-14s %7s %7s %7s %7s %7s %-22s %9s  %s\n' target flash "(data)" ram stack bytes "measured (markers)" per_byte vs_host
  for r in "${rows[@]}"; do
    IFS='|' read -r t fl db ram st by me pb ma <<<"$r"
    printf '%-14s %7s %7s %7s %7s %7s %-22s %9s  %s\n' "$t" "$fl" "$db" "$ram" "$st" "$by" "$me" "$pb" "$ma"
  done
  if { wwant m0 || wwant m4 || wwant rv32; } && [ -n "$plugin_why" ]; then echo "   QEMU instructions: $plugin_why"; fi
  echo "   flash = text+data (of which (data) = generated arrays /$data_re/); ram = static data+bss;"
  echo "   stack = peak bytes from the top of RAM while measured (QEMU: stores seen by the plugin, else"
  echo "   paint; AVR: lowest SP between the markers); QEMU boards count instructions (no cycle"
  echo "   model), AVR counts exact cycles at 16 MHz; per_byte = measured / bytes."
  echo
done

if [ $status -eq 0 ]; then echo "run.sh: OK (${workloads[*]}: all targets match the host)"; else echo "run.sh: FAILED" >&2; fi
exit $status
