#!/usr/bin/env bash
# Compiles the MKR Zero keyboard example (examples/arduino-mkrzero/) for its CPU, the SAMD21's
# Cortex-M0+, against stub headers (targets/arduino/mkrzero/): the Arduino SAMD core and its
# USBHost library are not in Debian. Catches drift between the sketch, keyboard_verdict.h, the
# tinytext headers and the exported model code; not a check of the real core or library.
#
# Usage: targets/arduino/build_mkrzero.sh TINYTEXT BUILD_DIR [DATA]
#   trains the 4 KB SMS model (split/train/quantize as in the README) unless BUILD_DIR/model.q8
#   exists, assembles the sketch with make_sketch.sh (--layout us), then as arduino-cli would:
#   prepends #include <Arduino.h> to the .ino and compiles it as C++ with the SAMD core's flags
#   (platform.txt: -mcpu=cortex-m0plus -mthumb -Os -std=gnu++11 -fno-rtti -fno-exceptions ...)
#   plus -Wall -Wextra -Werror, against both flavours of the stub Arduino.h (ArduinoCore-API,
#   and -DTT_STUB_LEGACY_CORE: the core's own headers before its port to it); compiles
#   src/kbd_model.cpp the same way; links sketch and model with the stubs' definitions and
#   start-up (--gc-sections, samd21g18.ld: 248 KB flash, 32 KB RAM) and
#   runs targets/link_check.sh on the image (no heap, exceptions, RTTI, float or printf).
# Prints: mkrzero.flash=N mkrzero.ram=N (sketch + tinytext + stubs, without the real core).
# Exit 0 iff every step passes; 2 if arm-none-eabi-g++ is missing.
set -euo pipefail
tt="${1:?usage: build_mkrzero.sh TINYTEXT BUILD_DIR [DATA]}"
out="${2:?usage: build_mkrzero.sh TINYTEXT BUILD_DIR [DATA]}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
data="${3:-$root/../shared/data/sms-spam-collection/SMSSpamCollection}"
stubs="$root/targets/arduino/mkrzero"
command -v arm-none-eabi-g++ >/dev/null || { echo "build_mkrzero: arm-none-eabi-g++ missing (scripts/boards-deps.sh)" >&2; exit 2; }
mkdir -p "$out"
out="$(cd "$out" && pwd)"
tt="$(cd "$(dirname "$tt")" && pwd)/$(basename "$tt")"
# A model.q8 left by a tinytext of another image format is quantised again from model.ttm.
if [ ! -f "$out/model.q8" ] || ! "$tt" size "$out/model.q8" >/dev/null 2>&1; then
  if [ ! -f "$out/model.ttm" ]; then
    "$tt" split "$data" --format tsv --no-header --label 1 --text 2 --test 0.2 --seed 1 -o "$out/sms" >/dev/null 2>&1
    "$tt" train "$out/sms.train.csv" --max-flash 4K --seed 1 --quiet -o "$out/model.ttm"
  fi
  "$tt" quantize "$out/model.ttm" --calib "$out/sms.train.csv" -o "$out/model.q8" 2>/dev/null
fi

rm -rf "$out/sketch" "$out/obj"
"$root/examples/arduino-mkrzero/make_sketch.sh" "$out/model.q8" "$out/sketch" --layout us --cli "$tt" >/dev/null
# arduino-cli copies the sketch into the build dir and compiles NAME.ino as NAME.ino.cpp with
# Arduino.h first; src/ is compiled too (.cpp), the sketch's headers found by relative path.
mkdir -p "$out/obj"
cp -r "$out/sketch/TinytextKeyboard" "$out/obj/sketch"
{ echo '#include <Arduino.h>'; echo '#line 1 "TinytextKeyboard.ino"'; cat "$out/obj/sketch/TinytextKeyboard.ino"; } \
  >"$out/obj/sketch/TinytextKeyboard.ino.cpp"

# The core's flags (platform.txt, boards.txt mkrzero), then the warnings the runtime promises to pass.
cxx=(arm-none-eabi-g++ -mcpu=cortex-m0plus -mthumb -c -g -Os -std=gnu++11 -ffunction-sections -fdata-sections
     -fno-threadsafe-statics -nostdlib --param max-inline-insns-single=500 -fno-rtti -fno-exceptions
     -DF_CPU=48000000L -DARDUINO=10819 -DARDUINO_SAMD_MKRZERO -DARDUINO_ARCH_SAMD -D__SAMD21G18A__
     -DUSB_VID=0x2341 -DUSB_PID=0x804f -DUSBCON -I"$stubs")
warn=(-Wall -Wextra -Werror)
# The sketch against both stub flavours (ArduinoCore-API, and the core's headers before the port);
# the first is linked.
"${cxx[@]}" "${warn[@]}" "$out/obj/sketch/TinytextKeyboard.ino.cpp" -o "$out/obj/sketch.o"
"${cxx[@]}" "${warn[@]}" -DTT_STUB_LEGACY_CORE "$out/obj/sketch/TinytextKeyboard.ino.cpp" -o "$out/obj/sketch_legacy.o"
"${cxx[@]}" "${warn[@]}" "$out/obj/sketch/src/kbd_model.cpp" -o "$out/obj/kbd_model.o"
"${cxx[@]}" -Wall -Wextra -Werror "$stubs/stubs.cc" -o "$out/obj/stubs.o"
arm-none-eabi-g++ -mcpu=cortex-m0plus -mthumb -Os -nostdlib -nostartfiles -Wl,--gc-sections \
  -T"$stubs/samd21g18.ld" -Wl,-Map,"$out/obj/TinytextKeyboard.map" \
  "$out/obj/sketch.o" "$out/obj/kbd_model.o" "$out/obj/stubs.o" -lgcc -o "$out/TinytextKeyboard.elf"
"$root/targets/link_check.sh" arm-none-eabi-nm "$out/TinytextKeyboard.elf"
# The model and the key handler must survive --gc-sections (else the link proves little).
for sym in _Z10keyPressedv kbd_model_data; do
  arm-none-eabi-nm "$out/TinytextKeyboard.elf" | grep -q " $sym\$" || {
    echo "build_mkrzero: FAIL $sym missing from the image" >&2; exit 1; }
done
read -r text data bss <<<"$(arm-none-eabi-size "$out/TinytextKeyboard.elf" | awk 'NR==2{print $1, $2, $3}')"
echo "mkrzero.flash=$((text + data))"
echo "mkrzero.ram=$((data + bss))"
echo "build_mkrzero: OK (sketch compiled against stubs of the SAMD core and USBHost, not the real ones)"
