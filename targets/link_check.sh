#!/usr/bin/env bash
# Link check for a device image: fails if the ELF defines or references anything from the heap,
# C++ exceptions/RTTI runtime, floating point (hardware-less soft-float helpers) or printf.
#
# Usage: targets/link_check.sh NM ELF...      e.g. targets/link_check.sh arm-none-eabi-nm app.elf
set -uo pipefail
nm_tool="${1:?usage: link_check.sh NM ELF...}"
shift
[ $# -ge 1 ] || { echo "usage: link_check.sh NM ELF..." >&2; exit 2; }

forbidden='^('
forbidden+='_?_?(malloc|free|calloc|realloc|memalign|aligned_alloc|sbrk)(_r)?|__brkval|_sbrk_r'   # heap
forbidden+='|_Zn[wa][jmt].*|_Zd[la]Pv.*'                                                          # new/delete
forbidden+='|__cxa_.*|__gxx_personality.*|_Unwind_.*|__aeabi_unwind_cpp_pr.*|_ZTI.*|_ZTS.*'        # EH/RTTI
forbidden+='|__aeabi_[fd].*'                                                                       # ARM EABI float
forbidden+='|__(add|sub|mul|div|neg|cmp|unord|eq|ne|lt|le|gt|ge)[sdtx]f[23]'                       # libgcc float
forbidden+='|__float(un)?[sdt]i[sdtx]f|__fix(uns)?[sdtx]f[sdt]i|__(extend|trunc)[sdtx]f[sdtx]f2'
forbidden+='|__pow[isd]?[sdtx]f2|__fp_.*'                                                          # avr-libc float
forbidden+='|_?_?v?[sfn]*printf(_r)?|_printf_i|_vfprintf_r|_svfprintf_r|__sfvwrite_r'              # printf
forbidden+=')$'

status=0
for elf in "$@"; do
  if ! syms="$("$nm_tool" "$elf" 2>&1)"; then
    echo "link_check: FAIL $elf: $nm_tool failed: $syms"
    status=1
    continue
  fi
  bad="$(echo "$syms" | awk '{print $NF}' | grep -E "$forbidden" | sort -u)"
  if [ -n "$bad" ]; then
    echo "link_check: FAIL $elf pulls in forbidden symbols:"
    echo "$bad" | sed 's/^/  /'
    status=1
  else
    echo "link_check: OK $(basename "$elf") (no heap, exceptions, RTTI, float or printf)"
  fi
done
exit $status
