#!/usr/bin/env bash
# Installs the Debian packages the emulated-board checks need (targets/, tests/boards.cmake, the
# cross builds of tests/export_test.cc). A test whose tool is missing fails (tests/boards.cmake).
# Idempotent and quiet: runs `apt-get update` only when a package is missing.
# Usage: scripts/boards-deps.sh            (as root, or through sudo when available)
set -euo pipefail

pkgs=(
  gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi   # Cortex-M0+ cross build
  libstdc++-arm-none-eabi-newlib                                     # its C++ library (nano.specs: -lstdc++_nano)
  qemu-system-arm                                                    # Cortex-M0+ and Cortex-M4 emulator
  gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf               # rv32imc cross build (the boards need no libc)
  picolibc-riscv64-unknown-elf                                       # its C library: export_test's probe (picolibc.specs)
  qemu-system-misc                                                   # rv32imc emulator (qemu-system-riscv32)
  gcc-avr binutils-avr avr-libc                                      # ATmega328P / ATmega2560 cross build
  arduino-core-avr arduino-builder                                   # the Uno's Arduino core, the IDE's builder (boards_arduino)
  simavr libsimavr-dev libelf-dev                                    # ATmega328P / 2560 emulator + runner
  libglib2.0-dev pkg-config gcc g++ make                             # QEMU TCG plugin, runner, host build
  python3 xz-utils ca-certificates                                   # data generator, plugin header fetch
)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "boards-deps: missing packages: ${missing[*]}; run as root to install them" >&2
    exit 1
  fi
fi
echo "boards-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
