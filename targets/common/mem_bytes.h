// The two functions GCC may call even in freestanding code (struct copies, zeroed arrays), for
// a bare-metal image without libc: byte loops, kept from being turned back into calls to
// themselves. Include once per image, inside extern "C" (the M0 board and the MKR Zero stubs).
#ifndef TT_TARGETS_MEM_BYTES_H
#define TT_TARGETS_MEM_BYTES_H

#include <stddef.h>
#include <stdint.h>

__attribute__((optimize("no-tree-loop-distribute-patterns"), used)) void* memset(void* d, int c, size_t n) {
  uint8_t* p = (uint8_t*)d;
  while (n--) *p++ = (uint8_t)c;
  return d;
}
__attribute__((optimize("no-tree-loop-distribute-patterns"), used)) void* memcpy(void* d, const void* s, size_t n) {
  uint8_t* p = (uint8_t*)d;
  const uint8_t* q = (const uint8_t*)s;
  while (n--) *p++ = *q++;
  return d;
}

#endif  // TT_TARGETS_MEM_BYTES_H
