// The one accessor for constant data that lives in flash.
//
// On AVR, const data is copied to RAM at start-up unless it is marked PROGMEM, and PROGMEM data
// must be read with pgm_read_byte (the LPM instruction). Every weight/table read in the runtime
// goes through TT_READ_BYTE so this difference lives here only. On ARM and the host, flash is
// memory-mapped and a plain load is used.
//
// Both macros are guarded by #ifndef: a project may define its own (e.g. for external flash)
// before including any tinytext header.
#ifndef TINYTEXT_PGM_H
#define TINYTEXT_PGM_H

#include <stdint.h>

#if defined(__AVR__)
#include <avr/pgmspace.h>
#endif

#ifndef TT_READ_BYTE
#if defined(__AVR__)
#define TT_READ_BYTE(ptr) pgm_read_byte(ptr)
#else
#define TT_READ_BYTE(ptr) (*(const uint8_t*)(ptr))
#endif
#endif

#ifndef TT_PROGMEM
#if defined(__AVR__)
#define TT_PROGMEM PROGMEM
#else
#define TT_PROGMEM
#endif
#endif

// Marks a runtime helper that must stay out of line: one copy serves every caller, which keeps
// the code small on an 8-bit or Thumb-1 target (the helpers are called once per feature or per
// read, never in an inner loop where a call would matter).
#ifndef TT_NOINLINE
#if defined(__GNUC__) || defined(__clang__)
#define TT_NOINLINE __attribute__((noinline))
#else
#define TT_NOINLINE
#endif
#endif

#endif  // TINYTEXT_PGM_H
