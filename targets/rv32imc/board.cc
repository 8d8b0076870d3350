// RISC-V rv32imc board for qemu-system-riscv32 -M virt -bios none: entry, trap handler and the
// RISC-V semihosting trap; the rest is targets/common/semihost_board.h. No libc; printing is by
// hand (board_print.cc). The ESP32-C3's core is an rv32imc; this board stands for its code and RAM.
#include "board.h"

extern "C" {

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

static uint32_t current_sp(void) {
  uint32_t sp;
  __asm__ volatile("mv %0, sp" : "=r"(sp));
  return sp;
}

#include "semihost_board.h"

// Any trap (illegal instruction, misaligned or faulting access): say so and end with status 3.
__attribute__((noreturn, aligned(4), used)) void tt_trap_handler(void) {
  tt_board_puts("board.fault=1\n");
  board_exit(3);
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
      "j tt_board_start\n");
}

}  // extern "C"
