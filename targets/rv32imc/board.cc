// RISC-V rv32imc board for qemu-system-riscv32 -M virt -bios none: entry, trap handler,
// semihosting output/exit, stack paint, region markers. No libc; printing is by hand
// (board_print.cc). The ESP32-C3's core is an rv32imc; this board stands for its code and RAM.
//
// Output lines added by the board:  board.stack_peak=N   (bytes of stack ever used, from the paint)
// Exit: SYS_EXIT_EXTENDED with the workload's status, so QEMU's exit status is the pass/fail.
#include "board.h"

extern "C" {

// Symbols from virt.ld.
extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _stack_limit[], _estack[];
typedef void (*InitFn)(void);
extern InitFn __preinit_array_start[], __preinit_array_end[];
extern InitFn __init_array_start[], __init_array_end[];

static const uint32_t kStackPaint = 0xC5AC5AC5u;

// ---- semihosting (RISC-V: operation in a0, argument in a1, the uncompressed sequence
// slli zero,zero,0x1f / ebreak / srai zero,zero,7 inside one page) ----
static uint32_t semihost(uint32_t op, const void* arg) {
  register uint32_t a0 __asm__("a0") = op;
  register const void* a1 __asm__("a1") = arg;
  __asm__ volatile(
      ".option push\n"
      ".option norvc\n"
      ".balign 16\n"
      "slli zero, zero, 0x1f\n"
      "ebreak\n"
      "srai zero, zero, 7\n"
      ".option pop\n"
      : "+r"(a0)
      : "r"(a1)
      : "memory");
  return a0;
}

static const uint32_t kSysWrite0 = 0x04u;
static const uint32_t kSysExitExtended = 0x20u;
static const uint32_t kAdpStoppedApplicationExit = 0x20026u;

void tt_board_puts(const char* s) { (void)semihost(kSysWrite0, s); }

__attribute__((noreturn, noinline)) static void board_exit(int status) {
  const uint32_t block[2] = {kAdpStoppedApplicationExit, (uint32_t)status};
  for (;;) (void)semihost(kSysExitExtended, block);
}

// ---- memset and memcpy, which GCC may call even in freestanding code ----
#include "mem_bytes.h"

// ---- markers: distinct bodies so identical-code folding cannot merge them ----
volatile uint32_t tt_bench_state;
__attribute__((noinline, used)) void tt_bench_begin(void) {
  volatile uint32_t probe = 1u;
  tt_bench_state = probe;
}
__attribute__((noinline, used)) void tt_bench_end(void) { tt_bench_state = 2u; }

static uint32_t stack_peak(void) {
  const uint32_t* p = _stack_limit;
  while (p < _estack && *p == kStackPaint) ++p;
  return (uint32_t)((const uint8_t*)_estack - (const uint8_t*)p);
}

// Any trap (illegal instruction, misaligned or faulting access): say so and end with status 3.
__attribute__((noreturn, aligned(4), used)) void tt_trap_handler(void) {
  tt_board_puts("board.fault=1\n");
  board_exit(3);
}

__attribute__((noreturn, used)) void tt_reset_handler(void) {
  uint32_t sp;
  __asm__ volatile("mv %0, sp" : "=r"(sp));
  for (uint32_t* p = _stack_limit; p < (uint32_t*)(sp - 16u); ++p) *p = kStackPaint;

  for (uint32_t *src = _sidata, *dst = _sdata; dst < _edata;) *dst++ = *src++;
  for (uint32_t* dst = _sbss; dst < _ebss;) *dst++ = 0u;
  for (InitFn* f = __preinit_array_start; f < __preinit_array_end; ++f) (*f)();
  for (InitFn* f = __init_array_start; f < __init_array_end; ++f) (*f)();

  const int status = tt_workload_main();
  tt::board::put_kv_dec("board.stack_peak", stack_peak());
  board_exit(status);
}

// Entry at the start of the image: global pointer, stack pointer at the top of RAM, trap vector.
__attribute__((naked, noreturn, section(".text.start"), used)) void _start(void) {
  __asm__ volatile(
      ".option push\n"
      ".option norelax\n"
      "la gp, __global_pointer$\n"
      ".option pop\n"
      "la sp, _estack\n"
      "la t0, tt_trap_handler\n"
      "csrw mtvec, t0\n"
      "j tt_reset_handler\n");
}

}  // extern "C"
