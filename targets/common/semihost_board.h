// The part of the QEMU boards (cortex-m0plus/board.cc, also run on the Cortex-M4, and
// rv32imc/board.cc) that does not depend on the architecture: output and exit through
// semihosting, memset/memcpy, the region markers, the stack paint and the reset sequence.
// Include once, inside extern "C", after defining
//   static uint32_t semihost(uint32_t op, const void* arg);   // the architecture's trap
//   static uint32_t current_sp(void);
// and the linker-script symbols below. The board's entry calls tt_board_start().
//
// Output lines added by the board:  board.stack_peak=N   (bytes of stack ever used, from the paint)
// Exit: SYS_EXIT_EXTENDED with the workload's status, so QEMU's exit status is the pass/fail.
#ifndef TT_TARGETS_SEMIHOST_BOARD_H
#define TT_TARGETS_SEMIHOST_BOARD_H

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _stack_limit[], _estack[];
typedef void (*InitFn)(void);
extern InitFn __preinit_array_start[], __preinit_array_end[];
extern InitFn __init_array_start[], __init_array_end[];

static const uint32_t kStackPaint = 0xC5AC5AC5u;
static const uint32_t kSysWrite0 = 0x04u;
static const uint32_t kSysExitExtended = 0x20u;
static const uint32_t kAdpStoppedApplicationExit = 0x20026u;

void tt_board_puts(const char* s) { (void)semihost(kSysWrite0, s); }

// Out of line: its parameter block stays off the reset frame (under every workload).
__attribute__((noreturn, noinline)) static void board_exit(int status) {
  const uint32_t block[2] = {kAdpStoppedApplicationExit, (uint32_t)status};
  for (;;) (void)semihost(kSysExitExtended, block);
}

// ---- memset and memcpy, which GCC may call even in freestanding code ----
#include "mem_bytes.h"

// ---- markers: distinct bodies so identical-code folding cannot merge them ----
volatile uint32_t tt_bench_state;
// begin stores one word on its own frame, so the plugin's stack figure of a region always
// includes the caller's depth (the harness baseline then measures the harness alone).
__attribute__((noinline, used)) void tt_bench_begin(void) {
  volatile uint32_t probe = 1u;
  tt_bench_state = probe;
}
__attribute__((noinline, used)) void tt_bench_end(void) { tt_bench_state = 2u; }

// Bytes of the stack region that were ever written: scan up from the limit to the first word that
// no longer holds the paint.
static uint32_t stack_peak(void) {
  const uint32_t* p = _stack_limit;
  while (p < _estack && *p == kStackPaint) ++p;
  return (uint32_t)((const uint8_t*)_estack - (const uint8_t*)p);
}

// Paints the stack below the caller's frame, copies .data, zeroes .bss, runs the init arrays and
// the workload, prints the stack peak and exits with the workload's status.
__attribute__((noreturn, used)) void tt_board_start(void) {
  const uint32_t sp = current_sp();
  for (uint32_t* p = _stack_limit; p < (uint32_t*)(sp - 16u); ++p) *p = kStackPaint;

  for (uint32_t *src = _sidata, *dst = _sdata; dst < _edata;) *dst++ = *src++;
  for (uint32_t* dst = _sbss; dst < _ebss;) *dst++ = 0u;
  for (InitFn* f = __preinit_array_start; f < __preinit_array_end; ++f) (*f)();
  for (InitFn* f = __init_array_start; f < __init_array_end; ++f) (*f)();

  const int status = tt_workload_main();
  tt::board::put_kv_dec("board.stack_peak", stack_peak());
  board_exit(status);
}

#endif  // TT_TARGETS_SEMIHOST_BOARD_H
