#!/usr/bin/env bash
# Builds and runs the board workloads on the host, the Cortex-M0+ (qemu -M microbit) and the
# ATmega328P (simavr), checks that every workload line matches the host bit for bit, checks the
# images for heap/float/exception symbols, and prints a per-target summary.
#
# Usage: targets/run.sh [options] BUILD_DIR
#   --workload NAME   run targets/workloads/NAME.cc (repeatable; default: every workload)
#   --targets LIST    space-separated subset of "host m0 avr" (host is always built: the reference)
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
# restricts the workload to those targets (e.g. a model too large for the ATmega328P). A data
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
targets="host m0 avr"
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
want m0 && need arm-none-eabi-g++ arm-none-eabi-nm arm-none-eabi-size qemu-system-arm
want avr && need avr-g++ avr-nm avr-size gcc pkg-config

export TT_ROOT="$root" TT_CORPUS="$corpus" TT_SHARED_DATA="$shared_data" TT_TINYTEXT="$tinytext"

# Flags. The M0 image needs no libc: board.cc is the whole runtime, libgcc supplies 64-bit shifts.
inc=(-I"$root/include" -I"$tdir/common")
dev_flags=(-Os -std=c++11 -ffreestanding -fno-exceptions -fno-rtti -ffunction-sections -fdata-sections
           -Wall -Wextra -Wconversion -Werror)
m0_flags=(-mcpu=cortex-m0plus -mthumb "${dev_flags[@]}")
m0_link=(-T "$tdir/cortex-m0plus/microbit.ld" -nostartfiles -nostdlib -Wl,--gc-sections -lgcc)
avr_flags=(-mmcu=atmega328p "${dev_flags[@]}")
avr_link=(-Wl,--gc-sections)
host_flags=(-O2 -std=c++11 -Wall -Wextra -Wconversion -Werror)

status=0
fail() { echo "run.sh: FAIL $*" >&2; status=1; }

# ---- tools: the simavr runner and the QEMU plugin (built once per build dir) ----
runner="$build/tools/tt_avr_runner"
if want avr; then
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
if want m0 && [ $use_plugin -eq 1 ]; then
  if plugin="$(bash "$tdir/qemu-plugin/build.sh" "$build/qemu-plugin" 2>"$build/qemu-plugin.log")"; then
    plugin_why=""
  else
    plugin=""
    plugin_why="$(grep -m1 'unavailable' "$build/qemu-plugin.log" | sed 's/^qemu-plugin: //')"
    [ -n "$plugin_why" ] || plugin_why="unavailable: plugin build failed (see $build/qemu-plugin.log)"
    echo "run.sh: M0 instruction count $plugin_why" >&2
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

printf '\n'
for w in "${workloads[@]}"; do
  src="$tdir/workloads/$w.cc"
  [ -f "$src" ] || { echo "run.sh: no workload $src" >&2; exit 2; }
  out="$build/$w"
  mkdir -p "$out"
  data_re="$(sed -n 's|^// run.sh data-symbols: *||p' "$src" | head -n1)"
  data_re="${data_re:-tt_text}"
  wtargets="$(sed -n 's|^// run.sh targets: *||p' "$src" | head -n1)"
  wwant() { want "$1" && { [ -z "$wtargets" ] || [[ " $wtargets " == *" $1 "* ]]; }; }
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

  # Cortex-M0+ under QEMU.
  if wwant m0; then
    elf="$out/m0.elf"
    if arm-none-eabi-g++ "${m0_flags[@]}" "${inc[@]}" "${inc_w[@]}" "$tdir/cortex-m0plus/board.cc" "${common_srcs[@]}" \
         "${m0_link[@]}" -Wl,-Map="$out/m0.map" -o "$elf" 2>"$out/m0.build.log"; then
      plug_args=()
      rm -f "$out/m0.plugin"
      if [ -n "$plugin" ]; then
        b="$(arm-none-eabi-nm "$elf" | awk '$3=="tt_bench_begin"{print $1}')"
        e="$(arm-none-eabi-nm "$elf" | awk '$3=="tt_bench_end"{print $1}')"
        lo="$(arm-none-eabi-nm "$elf" | awk '$3=="_stack_limit"{print $1}')"
        hi="$(arm-none-eabi-nm "$elf" | awk '$3=="_estack"{print $1}')"
        plug_args=(-plugin "$plugin,begin=0x$b,end=0x$e,stack_lo=0x$lo,stack_hi=0x$hi,out=$out/m0.plugin")
      fi
      rm -f "$out/m0.out"
      timeout "$tmo" qemu-system-arm -M microbit -display none -monitor none -serial null \
        -chardev file,id=sh0,path="$out/m0.out" -semihosting-config enable=on,target=native,chardev=sh0 \
        "${plug_args[@]}" -kernel "$elf" 2>"$out/m0.stderr"; rc=$?
      [ -f "$out/m0.out" ] || : >"$out/m0.out"
      [ -f "$out/m0.plugin" ] && cat "$out/m0.plugin" >>"$out/m0.out"
      match="match"
      if [ $rc -eq 124 ]; then fail "$w: m0 timed out after ${tmo}s"; match="TIMEOUT"
      elif [ $rc -ne 0 ]; then fail "$w: m0 exited $rc"; match="EXIT-$rc"; fi
      if ! workload_lines "$out/m0.out" | diff -u "$out/host.lines" - >"$out/m0.diff"; then
        fail "$w: m0 output differs from host (see $out/m0.diff)"; cat "$out/m0.diff" >&2; match="MISMATCH"
      fi
      "$tdir/link_check.sh" arm-none-eabi-nm "$elf" >"$out/m0.link_check" || { cat "$out/m0.link_check" >&2; fail "$w: m0 link check"; }
      read -r text data bss <<<"$(sizes arm-none-eabi-size "$elf")"
      dbytes="$(data_bytes arm-none-eabi-nm "$elf" "$data_re")"
      insns="$(kv "$out/m0.out" plugin.insns)"
      if [ -n "$insns" ]; then measured="$insns insns"; else measured="unavailable"; fi
      [ "$(kv "$out/m0.out" plugin.pairs)" = "0" ] && { measured="no markers hit"; insns=""; }
      stack_total="$(kv "$out/m0.out" board.stack_peak)"
      stack="$(kv "$out/m0.out" plugin.stack_peak)"
      stack_how="stores between the markers (plugin)"
      [ -n "$stack" ] || { stack="$stack_total"; stack_how="paint, whole program"; }
      wbytes="$(data_bytes arm-none-eabi-nm "$elf" '_model_data$')"
      rows+=("cortex-m0plus|$((text + data))|$dbytes|$((data + bss))|${stack:--}|$bytes|$measured|$(per_byte "$insns" "$bytes")|$match")
      {
        echo "m0.flash=$((text + data))"; echo "m0.flash_data=$dbytes"; echo "m0.flash_weights=$wbytes"
        echo "m0.ram_static=$((data + bss))"
        echo "m0.stack_peak=${stack:-}"; echo "m0.stack_how=$stack_how"; echo "m0.stack_total=${stack_total:-}"
        echo "m0.insns=${insns:-unavailable}"; echo "m0.match=$match"
        [ -n "$insns" ] || echo "m0.insns_why=$plugin_why"
        if [ $baseline -eq 1 ]; then
          if arm-none-eabi-g++ "${m0_flags[@]}" -DTT_BASELINE "${inc[@]}" "${inc_w[@]}" "$tdir/cortex-m0plus/board.cc" \
               "${common_srcs[@]}" "${m0_link[@]}" -o "$out/m0.base.elf" 2>"$out/m0.base.build.log"; then
            read -r btext bdata bbss <<<"$(sizes arm-none-eabi-size "$out/m0.base.elf")"
            echo "m0.base_flash=$((btext + bdata))"; echo "m0.base_ram_static=$((bdata + bbss))"
            echo "m0.flash_code=$((text + data - btext - bdata - wbytes))"
            echo "m0.ram_runtime=$((data + bss - bdata - bbss))"
            if [ -n "$plugin" ]; then  # the harness's own stack while measured (no runtime in it)
              bb="$(arm-none-eabi-nm "$out/m0.base.elf" | awk '$3=="tt_bench_begin"{print $1}')"
              be="$(arm-none-eabi-nm "$out/m0.base.elf" | awk '$3=="tt_bench_end"{print $1}')"
              rm -f "$out/m0.base.plugin"
              timeout "$tmo" qemu-system-arm -M microbit -display none -monitor none -serial null \
                -chardev file,id=sh1,path="$out/m0.base.out" -semihosting-config enable=on,target=native,chardev=sh1 \
                -plugin "$plugin,begin=0x$bb,end=0x$be,stack_lo=0x$lo,stack_hi=0x$hi,out=$out/m0.base.plugin" \
                -kernel "$out/m0.base.elf" 2>/dev/null
              bstack="$(kv "$out/m0.base.plugin" plugin.stack_peak 2>/dev/null)"
              [ -n "$bstack" ] && [ -n "$stack" ] && { echo "m0.base_stack_peak=$bstack"; echo "m0.stack_runtime=$((stack - bstack))"; }
            fi
          else
            fail "$w: m0 baseline build (see $out/m0.base.build.log)"
          fi
        fi
      } >>"$summary"
    else
      cat "$out/m0.build.log" >&2; fail "$w: m0 build"
      rows+=("cortex-m0plus|-|-|-|-|-|-|-|BUILD-FAILED")
    fi
  fi

  # ATmega328P under simavr.
  if wwant avr; then
    elf="$out/avr.elf"
    if avr-g++ "${avr_flags[@]}" "${inc[@]}" "${inc_w[@]}" "$tdir/atmega328p/board.cc" "${common_srcs[@]}" \
         "${avr_link[@]}" -Wl,-Map="$out/avr.map" -o "$elf" 2>"$out/avr.build.log"; then
      timeout "$tmo" "$runner" "$elf" >"$out/avr.out" 2>"$out/avr.stderr"; rc=$?
      match="match"
      if [ $rc -eq 124 ]; then fail "$w: avr timed out after ${tmo}s"; match="TIMEOUT"
      elif [ $rc -ne 0 ]; then fail "$w: avr exited $rc ($(head -c 300 "$out/avr.stderr"))"; match="EXIT-$rc"; fi
      if ! workload_lines "$out/avr.out" | diff -u "$out/host.lines" - >"$out/avr.diff"; then
        fail "$w: avr output differs from host (see $out/avr.diff)"; cat "$out/avr.diff" >&2; match="MISMATCH"
      fi
      "$tdir/link_check.sh" avr-nm "$elf" >"$out/avr.link_check" || { cat "$out/avr.link_check" >&2; fail "$w: avr link check"; }
      read -r text data bss <<<"$(sizes avr-size "$elf")"
      dbytes="$(data_bytes avr-nm "$elf" "$data_re")"
      cycles="$(kv "$out/avr.out" board.cycles)"
      stack_total="$(kv "$out/avr.out" board.stack_peak)"
      stack="$(kv "$out/avr.out" board.bench_stack_peak)"
      measured="${cycles:-?} cycles"
      [ "$(kv "$out/avr.out" board.pairs)" = "0" ] && { measured="no markers hit"; cycles=""; }
      wbytes="$(data_bytes avr-nm "$elf" '_model_data$')"
      rows+=("atmega328p|$((text + data))|$dbytes|$((data + bss))|${stack:--}|$bytes|$measured|$(per_byte "$cycles" "$bytes")|$match")
      {
        echo "avr.flash=$((text + data))"; echo "avr.flash_data=$dbytes"; echo "avr.flash_weights=$wbytes"
        echo "avr.ram_static=$((data + bss))"
        echo "avr.stack_peak=${stack:-}"; echo "avr.stack_how=lowest SP between the markers (simavr)"
        echo "avr.stack_total=${stack_total:-}"; echo "avr.cycles=${cycles:-}"; echo "avr.match=$match"
        if [ $baseline -eq 1 ]; then
          if avr-g++ "${avr_flags[@]}" -DTT_BASELINE "${inc[@]}" "${inc_w[@]}" "$tdir/atmega328p/board.cc" \
               "${common_srcs[@]}" "${avr_link[@]}" -o "$out/avr.base.elf" 2>"$out/avr.base.build.log"; then
            read -r btext bdata bbss <<<"$(sizes avr-size "$out/avr.base.elf")"
            echo "avr.base_flash=$((btext + bdata))"; echo "avr.base_ram_static=$((bdata + bbss))"
            echo "avr.flash_code=$((text + data - btext - bdata - wbytes))"
            echo "avr.ram_runtime=$((data + bss - bdata - bbss))"
            timeout "$tmo" "$runner" "$out/avr.base.elf" >"$out/avr.base.out" 2>/dev/null
            bstack="$(kv "$out/avr.base.out" board.bench_stack_peak)"
            [ -n "$bstack" ] && [ -n "$stack" ] && { echo "avr.base_stack_peak=$bstack"; echo "avr.stack_runtime=$((stack - bstack))"; }
          else
            fail "$w: avr baseline build (see $out/avr.base.build.log)"
          fi
        fi
      } >>"$summary"
    else
      cat "$out/avr.build.log" >&2; fail "$w: avr build"
      rows+=("atmega328p|-|-|-|-|-|-|-|BUILD-FAILED")
    fi
  fi

  # Summary.
  echo "== workload $w: $(tr '\n' ' ' <"$out/host.lines")"
  printf '%-14s %7s %7s %7s %7s %7s %-22s %9s  %s\n' target flash "(data)" ram stack bytes "measured (markers)" per_byte vs_host
  for r in "${rows[@]}"; do
    IFS='|' read -r t fl db ram st by me pb ma <<<"$r"
    printf '%-14s %7s %7s %7s %7s %7s %-22s %9s  %s\n' "$t" "$fl" "$db" "$ram" "$st" "$by" "$me" "$pb" "$ma"
  done
  if wwant m0 && [ -n "$plugin_why" ]; then echo "   m0 instructions: $plugin_why"; fi
  echo "   flash = text+data (of which (data) = generated arrays /$data_re/); ram = static data+bss;"
  echo "   stack = peak bytes from the top of RAM while measured (M0: stores seen by the plugin, else"
  echo "   paint; AVR: lowest SP between the markers); M0 counts instructions (QEMU has no cycle"
  echo "   model), AVR counts exact cycles at 16 MHz; per_byte = measured / bytes."
  echo
done

if [ $status -eq 0 ]; then echo "run.sh: OK (${workloads[*]}: all targets match the host)"; else echo "run.sh: FAILED" >&2; fi
exit $status
