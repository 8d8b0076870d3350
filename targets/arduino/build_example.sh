#!/usr/bin/env bash
# Compiles the Arduino example of `tinytext export --format arduino` for the Uno (ATmega328P,
# 16 MHz) or the Mega 2560 (ATmega2560) against Debian's real Arduino AVR core (arduino-core-avr),
# with avr-g++ directly (the flags of the core's platform.txt), and reports its flash and RAM
# (avr-size).
#
# Usage: targets/arduino/build_example.sh TINYTEXT BUILD_DIR [DATA [BOARD]]
#   BOARD: uno (default) or mega2560. Trains the SMS model for the board (split/train --board
#   BOARD/quantize) unless BUILD_DIR/model.q8 exists, exports it as an Arduino library (export
#   --board BOARD), builds core + library + sketch, links.
# The model: `tinytext train --board BOARD` (the largest that fits the board with this sketch; on
# the Mega an image over 32,767 B, which the library places above the code and reads with far
# addresses: checked here, the image must lie above every function).
# Then the library again through arduino-builder (the IDE's builder), which must accept it.
# Both images then run in simavr (targets/atmega328p/runner.c, the texts on UART0): the example
# sketch's verdicts and Q16.16 logits for the first 40 texts of the SMS test split must equal
# `tinytext predict`'s.
# Prints: arduino.flash=N arduino.ram=N (static .data + .bss), arduino_builder.flash/ram,
# arduino.run_texts=N. Exit 0 iff both build, fit the board (Uno: 32,256 bytes of program flash
# with the bootloader, 2,048 B RAM; Mega 2560: 253,952 and 8,192) and score as the CLI does.
set -euo pipefail
tt="${1:?usage: build_example.sh TINYTEXT BUILD_DIR [DATA]}"
out="${2:?usage: build_example.sh TINYTEXT BUILD_DIR [DATA]}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
data="${3:-$root/../shared/data/sms-spam-collection/SMSSpamCollection}"
board="${4:-uno}"
case "$board" in  # boards.txt: uno.*, mega.menu.cpu.atmega2560.*
  uno) mcu=atmega328p variant_dir=standard define=ARDUINO_AVR_UNO fqbn=arduino:avr:uno max_flash=32256 max_ram=2048 ;;
  mega2560) mcu=atmega2560 variant_dir=mega define=ARDUINO_AVR_MEGA2560 fqbn=arduino:avr:mega:cpu=atmega2560
            max_flash=253952 max_ram=8192 ;;
  *) echo "build_example: unknown board '$board' (uno or mega2560)" >&2; exit 2 ;;
esac
core=/usr/share/arduino/hardware/arduino/avr/cores/arduino
variant=/usr/share/arduino/hardware/arduino/avr/variants/$variant_dir
[ -d "$core" ] || { echo "build_example: $core missing (apt-get install arduino-core-avr)" >&2; exit 2; }
mkdir -p "$out/obj"
out="$(cd "$out" && pwd)"
# A model.q8 left by a tinytext of another image format is quantised again from model.ttm.
[ -f "$out/sms.test.csv" ] ||
  "$tt" split "$data" --format tsv --no-header --label 1 --text 2 --test 0.2 --seed 1 -o "$out/sms" >/dev/null 2>&1
if [ ! -f "$out/model.q8" ] || ! "$tt" size "$out/model.q8" >/dev/null 2>&1; then
  if [ ! -f "$out/model.ttm" ]; then
    "$tt" train "$out/sms.train.csv" --board "$board" --seed 1 --quiet -o "$out/model.ttm"
  fi
  "$tt" quantize "$out/model.ttm" --calib "$out/sms.train.csv" -o "$out/model.q8" 2>/dev/null
fi
rm -rf "$out/lib"
"$tt" export "$out/model.q8" --format arduino --board "$board" -o "$out/lib" --name spam >/dev/null
lib="$out/lib/spam"
common=(-mmcu=$mcu -DF_CPU=16000000L -DARDUINO=10819 -D$define -DARDUINO_ARCH_AVR -Os -g0
        -ffunction-sections -fdata-sections -I"$core" -I"$variant" -I"$lib/src")
cxx_lib=("${common[@]}" -std=gnu++11 -fno-exceptions -fno-threadsafe-statics -flto)
cxx=("${cxx_lib[@]}" -fpermissive -w)
cc=("${common[@]}" -std=gnu11 -flto -w)
objs=()
for f in "$core"/*.c; do o="$out/obj/$(basename "$f").o"; avr-gcc "${cc[@]}" -c "$f" -o "$o"; objs+=("$o"); done
# Debian's core (1.8.7) uses DECIMAL_DIG, which avr-gcc 5.4's <float.h> gives C only.
for f in "$core"/*.cpp; do o="$out/obj/$(basename "$f").o"; avr-g++ "${cxx[@]}" -DDECIMAL_DIG=__DECIMAL_DIG__ -c "$f" -o "$o"; objs+=("$o"); done
for f in "$core"/*.S; do o="$out/obj/$(basename "$f").o"; avr-gcc "${common[@]}" -x assembler-with-cpp -c "$f" -o "$o"; objs+=("$o"); done
{ echo '#include <Arduino.h>'; cat "$lib/examples/spam/spam.ino"; } >"$out/obj/sketch.cpp"
# The library's sources: -Wall -Werror here, as the runtime promises to compile cleanly.
avr-g++ "${cxx_lib[@]}" -Wall -Wextra -Werror -c "$out/obj/sketch.cpp" -o "$out/obj/sketch.o"
avr-g++ "${cxx_lib[@]}" -Wall -Wextra -Werror -c "$lib/src/spam_model.cpp" -o "$out/obj/spam_model.o"
avr-gcc -mmcu=$mcu -Os -flto -fuse-linker-plugin -Wl,--gc-sections "$out/obj/sketch.o" "$out/obj/spam_model.o" \
  "${objs[@]}" -lm -o "$out/spam.elf"
read -r text data bss <<<"$(avr-size "$out/spam.elf" | awk 'NR==2{print $1, $2, $3}')"
echo "arduino.flash=$((text + data))"
echo "arduino.ram=$((data + bss))"
echo "arduino.model_bytes=$(sed -n 's/^#define SPAM_MODEL_BYTES \([0-9]*\)u/\1/p' "$lib/src/spam_model.h")"
[ $((text + data)) -le $max_flash ] && [ $((data + bss)) -le $max_ram ] ||
  { echo "build_example: does not fit the $board" >&2; exit 1; }
# The image above every function: a far image (.fini7) after the code, a near one (PROGMEM) below it.
above_code() {
  local img fn
  img="$(avr-nm "$1" | awk '$3 == "spam_model_data" {print $1}')"
  fn="$(avr-nm -n -S "$1" | awk 'NF == 4 && $3 ~ /^[Tt]$/ && $4 != "spam_model_data" {a = $1} END {print a}')"
  [ -n "$img" ] && [ -n "$fn" ] && [ $((16#$img)) -gt $((16#$fn)) ]
}
if [ "$board" = mega2560 ]; then
  above_code "$out/spam.elf" || { echo "build_example: the far image is not above the code" >&2; exit 1; }
fi

# The same library through arduino-builder (the Arduino IDE 1.8's builder, Debian's
# arduino-builder): it must accept the library (library.properties, src/, examples/) and build its
# example for the Uno. Debian's core needs the DECIMAL_DIG flag the library's README.md gives.
command -v arduino-builder >/dev/null || { echo "build_example: arduino-builder missing (scripts/boards-deps.sh)" >&2; exit 2; }
rm -rf "$out/ab" && mkdir -p "$out/ab/build" "$out/ab/libraries"
cp -r "$lib" "$out/ab/libraries/"
grep -q 'compiler.cpp.extra_flags=-DDECIMAL_DIG=__DECIMAL_DIG__' "$lib/README.md"
# PlatformIO's manifest (no PlatformIO in Debian): valid JSON whose name and version are library.properties'.
python3 - "$lib" <<'PY'
import json, sys
lib = sys.argv[1]
j = json.load(open(lib + "/library.json"))
p = dict(l.split("=", 1) for l in open(lib + "/library.properties").read().splitlines() if "=" in l)
assert (j["name"], j["version"]) == (p["name"], p["version"]), (j, p)
assert j["build"]["srcDir"] == "src" and j["examples"], j
PY
arduino-builder -compile -hardware /usr/share/arduino/hardware -hardware /usr/share/arduino-builder \
  -tools /usr/share/arduino-builder -libraries "$out/ab/libraries" -fqbn "$fqbn" -build-path "$out/ab/build" \
  -prefs=compiler.cpp.extra_flags=-DDECIMAL_DIG=__DECIMAL_DIG__ "$out/ab/libraries/spam/examples/spam/spam.ino" \
  >"$out/ab/log" 2>&1 || { cat "$out/ab/log" >&2; exit 1; }
sed -n 's/^Sketch uses \([0-9]*\) bytes.*/arduino_builder.flash=\1/p; s/^Global variables use \([0-9]*\) bytes.*/arduino_builder.ram=\1/p' "$out/ab/log"
if [ "$board" = mega2560 ]; then
  above_code "$out/ab/build/spam.ino.elf" || { echo "build_example: arduino-builder: the far image is not above the code" >&2; exit 1; }
fi

# Both images on the emulated board: the example reads the texts from Serial and prints a verdict
# and the logit of each; they must be tinytext predict's for the same model and texts.
pkg-config --exists simavr || { echo "build_example: libsimavr-dev missing (scripts/boards-deps.sh)" >&2; exit 2; }
# shellcheck disable=SC2046
gcc -O2 -Wall -Wextra -Werror $(pkg-config --cflags simavr) "$root/targets/atmega328p/runner.c" -o "$out/runner" \
  $(pkg-config --libs simavr) -lelf
python3 - "$out/sms.test.csv" "$out/texts.txt" <<'PY'
import csv, sys
rows = csv.reader(open(sys.argv[1], newline="", encoding="utf-8", errors="surrogateescape"))
col = next(rows).index("text")
texts = [r[col].encode("utf-8", "surrogateescape") for r in rows]
texts = [t for t in texts if t.strip() and b"\n" not in t and b"\r" not in t][:40]
open(sys.argv[2], "wb").write(b"".join(t + b"\n" for t in texts))
PY
"$tt" predict "$out/model.q8" --json <"$out/texts.txt" >"$out/predict.jsonl"
for elf in "$out/spam.elf" "$out/ab/build/spam.ino.elf"; do
  "$out/runner" --mcu "$mcu" --max-cycles 2000000000 --input "$out/texts.txt" "$elf" >"$out/run.out" ||
    { echo "build_example: $elf did not run in simavr" >&2; cat "$out/run.out" >&2; exit 1; }
  python3 - "$root/targets/common" "$out/run.out" "$out/predict.jsonl" <<'PY' || exit 1
import json, re, sys
sys.path.insert(0, sys.argv[1])
from gen_model_data import logit_q16
out = open(sys.argv[2]).read()
board = [(v, int(z)) for v, z in re.findall(r"verdict: (\S+)\n  \S+: [0-9.]+ \(logit q16 (-?\d+)\)", out)]
cli = []
for line in open(sys.argv[3]):
    r = json.loads(line)
    (label, p), = r["scores"].items()
    cli.append(("spam" if r["label"] else "none", logit_q16(p)))
if board != cli or not cli:
    sys.stderr.write(f"build_example: the sketch's verdicts and logits differ from tinytext predict:\n{board}\n{cli}\n")
    sys.exit(1)
print(f"arduino.run_texts={len(board)}")
PY
done
