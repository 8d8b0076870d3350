#!/usr/bin/env bash
# Header self-containment check for the device runtime: every include/tinytext/*.h and
# include/tinytext/detail/*.h must compile on its own (included first, and twice), freestanding,
# for the Cortex-M0+, the rv32imc, the ATmega328P and the ATmega2560 with far flash (TT_FAR_FLASH:
# 24-bit image addresses), and for the host as C++11. Reports every failure with the compiler's
# message; exit 1 if any.
#
# Usage: targets/header_check.sh [BUILD_DIR]      (BUILD_DIR defaults to a temporary directory)
# Environment: TT_HEADER_CHECK_TARGETS="arm rv32 avr avrfar host" to choose the compilers.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-}"
if [ -z "$work" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi
work="$work/header_check"
mkdir -p "$work"

flags=(-std=c++11 -Wall -Wextra -Wconversion -Werror -ffreestanding -fno-exceptions -fno-rtti
       -I"$root/include" -c -o /dev/null)
declare -A cc=(
  [arm]="arm-none-eabi-g++ -mcpu=cortex-m0plus -mthumb -Os"
  [rv32]="riscv64-unknown-elf-g++ -march=rv32imc -mabi=ilp32 -Os"
  [avr]="avr-g++ -mmcu=atmega328p -Os"
  [avrfar]="avr-g++ -mmcu=atmega2560 -DTT_FAR_FLASH=1 -Os"
  [host]="g++ -O2 -pedantic"
)

status=0
checked=0
for t in ${TT_HEADER_CHECK_TARGETS:-arm rv32 avr avrfar host}; do
  read -r -a c <<<"${cc[$t]:?unknown target $t}"
  if ! command -v "${c[0]}" >/dev/null 2>&1; then
    echo "header_check: FAIL $t: ${c[0]} not found (run scripts/boards-deps.sh)"
    status=1
    continue
  fi
  for h in "$root"/include/tinytext/*.h "$root"/include/tinytext/detail/*.h "$root"/include/tinytext/arch/*/*.h; do
    name="${h#"$root"/include/tinytext/}"
    tu="$work/${name//\//_}"
    tu="${tu%.h}_$t.cc"
    printf '#include <tinytext/%s>\n#include <tinytext/%s>\n' "$name" "$name" >"$tu"
    if log="$("${c[@]}" "${flags[@]}" "$tu" 2>&1)"; then
      checked=$((checked + 1))
    else
      echo "header_check: FAIL $t include/tinytext/$name"
      echo "$log" | sed 's/^/  /'
      status=1
    fi
  done
done
if [ $status -eq 0 ]; then
  echo "header_check: OK ($checked header/target pairs)"
fi
exit $status
