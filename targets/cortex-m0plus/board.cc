// Cortex-M0+ board for qemu -M microbit (and, unchanged, the Cortex-M4 on -M mps2-an386): vector
// table and the ARM semihosting trap; the rest is targets/common/semihost_board.h.
// No libc needed; printing is by hand (board_print.cc).
#include "board.h"

extern "C" {

// ---- semihosting (ARMv6-M and ARMv7-M: bkpt 0xAB, operation in r0, argument in r1) ----
static uint32_t semihost(uint32_t op, const void* arg) {
  register uint32_t r0 __asm__("r0") = op;
  register const void* r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

static uint32_t current_sp(void) {
  uint32_t sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  return sp;
}

#include "semihost_board.h"

// Any fault: say so and end QEMU with status 3, so a crash never passes.
__attribute__((noreturn)) static void tt_fault_handler(void) {
  tt_board_puts("board.fault=1\n");
  board_exit(3);
}

// Cortex-M0 core vectors: initial SP, reset (tt_board_start), NMI, HardFault, 7 reserved, SVCall, 2 reserved,
// PendSV, SysTick. No peripheral interrupts are enabled.
__attribute__((section(".isr_vector"), used)) void (*const tt_vectors[16])(void) = {
    (void (*)(void))_estack, tt_board_start, tt_fault_handler, tt_fault_handler,
    0, 0, 0, 0, 0, 0, 0, tt_fault_handler, 0, 0, tt_fault_handler, tt_fault_handler,
};

}  // extern "C"
