// The one accessor for constant data that lives in flash.
//
// On AVR, const data is copied to RAM at start-up unless it is marked PROGMEM, and PROGMEM data
// must be read with pgm_read_byte (the LPM instruction). Every weight/table read in the runtime
// goes through TT_READ_BYTE so this difference lives here only. On ARM and the host, flash is
// memory-mapped and a plain load is used.
//
// Far flash (TT_FAR_FLASH, AVR only): LPM takes a 16-bit address, so PROGMEM data read with it must
// lie in the first 64 KB of flash, and avr-gcc limits one object to 32,767 bytes. A larger image
// (a model over 32,767 bytes on an ATmega2560) is placed above the code by the generated model
// file and read with ELPM (pgm_read_byte_far) through a 24-bit address. The generated model header
// defines TT_FAR_FLASH 1 for such an image before it includes the runtime; every image address
// (tt::FlashAddr) is then a uint32_t from pgm_get_far_address. Without it (every other image and
// target) FlashAddr is a pointer and the code is what it was: far reads only where an image needs
// them. The runtime's own small tables stay near PROGMEM (flash_addr gives their FlashAddr).
//
// TT_READ_BYTE and TT_PROGMEM are guarded by #ifndef: a project may define its own (e.g. for
// external flash) before including any tinytext header; TT_READ_BYTE then takes a FlashAddr or a
// const uint8_t*.
#ifndef TINYTEXT_PGM_H
#define TINYTEXT_PGM_H

#include <stdint.h>

#if defined(__AVR__)
#include <avr/pgmspace.h>
#endif

#if defined(__AVR__) && defined(TT_FAR_FLASH) && TT_FAR_FLASH
#if !defined(__AVR_HAVE_ELPM__)
#error "TT_FAR_FLASH: this AVR has no far flash (ELPM): it reads images of at most 32,767 bytes"
#endif
#define TT_FAR 1
#else
#define TT_FAR 0
#endif

namespace tt {

// The address of a byte of a model image in flash, and the address of near flash data (a
// PROGMEM table of the runtime) as one.
#if TT_FAR
typedef uint32_t FlashAddr;
inline __attribute__((always_inline)) FlashAddr flash_addr(const uint8_t* p) { return (uint32_t)(uintptr_t)p; }
#else
typedef const uint8_t* FlashAddr;
inline FlashAddr flash_addr(const uint8_t* p) { return p; }
#endif

// TT_FLASH_ADDR(sym): the FlashAddr of the flash object named sym (an array, by its symbol: a
// generated model's NAME_model_data).
#if TT_FAR
#define TT_FLASH_ADDR(sym) ((::tt::FlashAddr)pgm_get_far_address(sym))
#else
#define TT_FLASH_ADDR(sym) ((::tt::FlashAddr)(sym))
#endif

#if TT_FAR
namespace detail {
inline __attribute__((always_inline)) uint8_t read_flash(const uint8_t* p) { return pgm_read_byte(p); }
inline __attribute__((always_inline)) uint8_t read_flash(uint32_t a) { return pgm_read_byte_far(a); }
}  // namespace detail
#endif

}  // namespace tt

#ifndef TT_READ_BYTE
#if TT_FAR
#define TT_READ_BYTE(addr) ::tt::detail::read_flash(addr)
#elif defined(__AVR__)
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
