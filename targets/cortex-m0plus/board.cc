// Cortex-M0+ board for qemu -M microbit: vector table, reset handler, semihosting output/exit,
// stack paint, region markers. No libc needed; printing is by hand (board_print.cc).
//
// Output lines added by the board:  board.stack_peak=N   (bytes of stack ever used, from the paint)
// Exit: SYS_EXIT_EXTENDED with the workload's status, so QEMU's exit status is the pass/fail.
#include "board.h"

extern "C" {

// Symbols from microbit.ld.
extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _stack_limit[], _estack[];
typedef void (*InitFn)(void);
extern InitFn __preinit_array_start[], __preinit_array_end[];
extern InitFn __init_array_start[], __init_array_end[];

static const uint32_t kStackPaint = 0xC5AC5AC5u;

// ---- semihosting (ARMv6-M: bkpt 0xAB, operation in r0, argument in r1) ----
static uint32_t semihost(uint32_t op, const void* arg) {
  register uint32_t r0 __asm__("r0") = op;
  register const void* r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

static const uint32_t kSysWrite0 = 0x04u;
static const uint32_t kSysExitExtended = 0x20u;
static const uint32_t kAdpStoppedApplicationExit = 0x20026u;

void tt_board_puts(const char* s) { (void)semihost(kSysWrite0, s); }

// Out of line: its parameter block stays off the reset handler's frame (under every workload).
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

// ---- stack paint ----
// Bytes of the stack region that were ever written: scan up from the limit to the first word that
// no longer holds the paint.
static uint32_t stack_peak(void) {
  const uint32_t* p = _stack_limit;
  while (p < _estack && *p == kStackPaint) ++p;
  return (uint32_t)((const uint8_t*)_estack - (const uint8_t*)p);
}

// ---- reset ----
__attribute__((noreturn, used)) void tt_reset_handler(void) {
  // Paint the stack below our own frame. The loop runs in registers only.
  uint32_t sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t* p = _stack_limit; p < (uint32_t*)(sp - 16u); ++p) *p = kStackPaint;

  for (uint32_t *src = _sidata, *dst = _sdata; dst < _edata;) *dst++ = *src++;
  for (uint32_t* dst = _sbss; dst < _ebss;) *dst++ = 0u;
  for (InitFn* f = __preinit_array_start; f < __preinit_array_end; ++f) (*f)();
  for (InitFn* f = __init_array_start; f < __init_array_end; ++f) (*f)();

  const int status = tt_workload_main();
  tt::board::put_kv_dec("board.stack_peak", stack_peak());
  board_exit(status);
}

// Any fault: say so and end QEMU with status 3, so a crash never passes.
__attribute__((noreturn)) static void tt_fault_handler(void) {
  tt_board_puts("board.fault=1\n");
  board_exit(3);
}

// Cortex-M0 core vectors: initial SP, reset, NMI, HardFault, 7 reserved, SVCall, 2 reserved,
// PendSV, SysTick. No peripheral interrupts are enabled.
__attribute__((section(".isr_vector"), used)) void (*const tt_vectors[16])(void) = {
    (void (*)(void))_estack, tt_reset_handler, tt_fault_handler, tt_fault_handler,
    0, 0, 0, 0, 0, 0, 0, tt_fault_handler, 0, 0, tt_fault_handler, tt_fault_handler,
};

}  // extern "C"
