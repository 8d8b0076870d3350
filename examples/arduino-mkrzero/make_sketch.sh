#!/usr/bin/env bash
# Assembles the TinytextKeyboard sketch for the Arduino MKR Zero with your int8 model.
#
# Usage: examples/arduino-mkrzero/make_sketch.sh QMODEL OUT_DIR [--layout us|uk|de] [--cli TINYTEXT]
#   QMODEL   an int8 model ('tinytext quantize')
#   OUT_DIR  gets OUT_DIR/TinytextKeyboard/: the .ino, and src/ with the tinytext device headers,
#            verdict.h, keyboard_verdict.h, the exported model (tinytext export --format c) and
#            tt_model.h naming it for the sketch.
# Then: arduino-cli compile --fqbn arduino:samd:mkrzero OUT_DIR/TinytextKeyboard (needs the
# Arduino SAMD core and the USBHost library).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
[ $# -ge 2 ] || { sed -n '2,/^set -e/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
qmodel="$1"; out="$2"; shift 2
layout=us
cli="${TT_CLI:-tinytext}"
while [ $# -gt 0 ]; do
  case "$1" in
    --layout) layout="${2:?}"; shift 2 ;;
    --cli) cli="${2:?}"; shift 2 ;;
    *) echo "make_sketch.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
case "$layout" in us|uk|de) ;; *) echo "make_sketch.sh: --layout must be us, uk or de" >&2; exit 2 ;; esac

sketch="$out/TinytextKeyboard"
mkdir -p "$sketch/src/tinytext/detail"
cp "$here/TinytextKeyboard/TinytextKeyboard.ino" "$sketch/"
cp "$root"/include/tinytext/*.h "$sketch/src/tinytext/"
cp "$root"/include/tinytext/detail/*.h "$sketch/src/tinytext/detail/"
cp "$root/src/hid/verdict.h" "$here/keyboard_verdict.h" "$sketch/src/"
"$cli" export "$qmodel" --format c -o "$sketch/src" --name kbd --quiet
# Arduino builds .cpp (not .cc) in src/, and the sketch's own headers by relative path.
mv "$sketch/src/kbd_model.cc" "$sketch/src/kbd_model.cpp"
sed -i 's|#include "kbd_model.h"|#include "kbd_model.h"|; s|#include <tinytext/model.h>|#include "tinytext/model.h"|' \
  "$sketch/src/kbd_model.h" "$sketch/src/kbd_model.cpp"
cat >"$sketch/src/tt_model.h" <<H
// Written by make_sketch.sh: the model and layout TinytextKeyboard.ino uses.
#pragma once
#include "kbd_model.h"
#define TT_MODEL_DIM KBD_DIM
#define TT_MODEL_HIDDEN KBD_HIDDEN
#define TT_MODEL_OUTPUTS KBD_OUTPUTS
#define TT_MODEL_OPEN kbd_open
#define TT_MODEL_LAYOUT tt::hid_layout_$layout()
H
echo "make_sketch.sh: wrote $sketch (layout $layout)"
