#!/usr/bin/env bash
# Builds the marker-range instruction counter (insn_range.c) as a QEMU TCG plugin.
#
# Debian ships qemu-system-arm with plugin support but without qemu-plugin.h; the header is taken
# from Debian's qemu source package, fetched with a private copy of the machine's apt sources
# (deb -> deb-src) so /etc/apt is never touched. Everything is cached under OUT_DIR; nothing from
# Debian is committed.
#
# Usage: targets/qemu-plugin/build.sh OUT_DIR
#   writes OUT_DIR/libinsn_range.so; exit 0 on success.
#   exit 3 and a line "qemu-plugin: unavailable: <why>" on stderr when the header cannot be had.
# Environment: TT_QEMU_PLUGIN_H=/path/to/qemu-plugin.h skips the download.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:?usage: build.sh OUT_DIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
hdr_dir="$out/include"
hdr="$hdr_dir/qemu-plugin.h"
so="$out/libinsn_range.so"

unavailable() {
  echo "qemu-plugin: unavailable: $*" >&2
  exit 3
}

if [ -n "${TT_QEMU_PLUGIN_H:-}" ] && [ ! -f "$hdr" ]; then
  mkdir -p "$hdr_dir" && cp "$TT_QEMU_PLUGIN_H" "$hdr"
fi

if [ ! -f "$hdr" ]; then
  qver="$(dpkg-query -W -f='${source:Version}' qemu-system-arm 2>/dev/null || true)"
  [ -n "$qver" ] || unavailable "qemu-system-arm is not installed"
  src="$out/deb-src"
  mkdir -p "$src/parts" "$src/lists/partial" "$src/pkg"
  # Private deb-src sources derived from the machine's own (deb822 and one-line formats).
  : > "$src/parts/src.sources"
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && sed 's/^Types: deb$/Types: deb-src/' "$f" >> "$src/parts/src.sources" && echo >> "$src/parts/src.sources"
  done
  : > "$src/parts/src.list"
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] && { grep -E '^deb ' "$f" | sed 's/^deb /deb-src /' >> "$src/parts/src.list" || true; }
  done
  O=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$src/parts"
     -o "Dir::State::Lists=$src/lists" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=)
  echo "qemu-plugin: fetching Debian's qemu source package (once; cached in $src)" >&2
  if ! apt-get "${O[@]}" -qq update >"$src/apt.log" 2>&1; then
    unavailable "apt-get update of deb-src lists failed (see $src/apt.log)"
  fi
  # The source matching the installed binary when the archive still has it, else the newest.
  if ! (cd "$src/pkg" && { apt-get "${O[@]}" -qq source --download-only "qemu=${qver}" \
          || apt-get "${O[@]}" -qq source --download-only qemu; }) >>"$src/apt.log" 2>&1; then
    unavailable "apt-get source --download-only qemu failed (see $src/apt.log)"
  fi
  tarball="$(ls "$src"/pkg/qemu_*.orig.tar.* 2>/dev/null | head -n1)"
  [ -n "$tarball" ] || unavailable "no qemu orig tarball in $src/pkg"
  mkdir -p "$hdr_dir"
  if ! tar --no-same-owner -xf "$tarball" -C "$hdr_dir" --wildcards --strip-components=3 '*/include/qemu/qemu-plugin.h' 2>>"$src/apt.log"; then
    unavailable "qemu-plugin.h not found in $tarball"
  fi
  [ -f "$hdr" ] || unavailable "qemu-plugin.h not found in $tarball"
  # Keep only the header: the tarball and .dsc are large.
  rm -rf "$src/pkg"
fi

if ! pkg-config --exists glib-2.0; then
  unavailable "glib-2.0 development files missing (apt-get install libglib2.0-dev pkg-config)"
fi
if [ ! -f "$so" ] || [ "$so" -ot "$here/insn_range.c" ] || [ "$so" -ot "$hdr" ]; then
  # shellcheck disable=SC2046
  gcc -O2 -Wall -Wextra -Werror -shared -fPIC -I"$hdr_dir" "$here/insn_range.c" -o "$so" \
      $(pkg-config --cflags --libs glib-2.0) || unavailable "plugin compile failed"
fi
echo "$so"
