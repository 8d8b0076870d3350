// The board interface every workload is written against. One implementation per target:
//   host            targets/common/board_host.cc   (stdout, exit status)
//   cortex-m0plus   targets/cortex-m0plus/board.cc (semihosting under qemu -M microbit)
//   atmega328p      targets/atmega328p/board.cc    (UART + GPIOR0 markers under simavr)
//
// A workload is one heap-free source that defines tt_workload_main() and prints its results as
// "key=value" lines through tt::board::put_kv*(). Every line it prints must be identical on all
// targets (targets/run.sh compares them with the host); the boards add their own "board.*" lines.
// A workload line "bytes=N" gives the number of input bytes for the per-byte figures.
//
// Freestanding C++11: <stdint.h>, <stddef.h>, and <avr/pgmspace.h> on AVR.
#ifndef TT_TARGETS_BOARD_H
#define TT_TARGETS_BOARD_H

#include <stddef.h>
#include <stdint.h>

#if defined(__AVR__)
#include <avr/pgmspace.h>
// Large constant data (texts, weights) stays in flash; read it only through tt_flash_*().
#define TT_FLASH PROGMEM
inline uint8_t tt_flash_u8(const uint8_t* p) { return pgm_read_byte(p); }
inline uint16_t tt_flash_u16(const uint16_t* p) { return pgm_read_word(p); }
inline uint32_t tt_flash_u32(const uint32_t* p) { return pgm_read_dword(p); }
#else
#define TT_FLASH
inline uint8_t tt_flash_u8(const uint8_t* p) { return *p; }
inline uint16_t tt_flash_u16(const uint16_t* p) { return *p; }
inline uint32_t tt_flash_u32(const uint32_t* p) { return *p; }
#endif

extern "C" {
// Defined by the workload: runs it, prints its lines, returns the exit status (0 = pass, < 128).
int tt_workload_main(void);

// Region markers, defined by the board: noinline, never folded. The emulators measure between
// them (QEMU: instructions, via targets/qemu-plugin; simavr: cycles, via GPIOR0 writes). Calls
// may repeat; the measured figure is the sum over all begin/end pairs.
void tt_bench_begin(void);
void tt_bench_end(void);

// Writes a NUL-terminated string (no newline added).
void tt_board_puts(const char* s);
}

namespace tt {
namespace board {

// Helpers over tt_board_puts (targets/common/board_print.cc); no printf anywhere.
void put_hex32(uint32_t v);                    // 8 lower-case hex digits, with "0x"
void put_dec32(uint32_t v);
void put_kv_hex(const char* key, uint32_t v);  // "key=0x0123abcd\n"
void put_kv_dec(const char* key, uint32_t v);  // "key=123\n"

}  // namespace board
}  // namespace tt

#endif  // TT_TARGETS_BOARD_H
