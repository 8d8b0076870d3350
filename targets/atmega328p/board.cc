// ATmega328P board (Arduino Uno) for simavr, run by targets/atmega328p/runner.c.
//
// Output: UART0, polled, at the fastest rate (UBRR0 = 0); no interrupts are used.
// Markers and exit go through GPIOR0, which the runner watches:
//   GPIOR0 = 1           tt_bench_begin
//   GPIOR0 = 2           tt_bench_end
//   GPIOR0 = 0x80 | rc   exit with status rc (0..127), then cli + sleep ends the simulation.
// The runner adds board.cycles, board.stack_peak (it watches SP) and board.cycles_total.
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>

#include "board.h"

extern "C" {

__attribute__((noinline, used)) void tt_bench_begin(void) { GPIOR0 = 1; }
__attribute__((noinline, used)) void tt_bench_end(void) { GPIOR0 = 2; }

static void uart_put(uint8_t c) {
  while (!(UCSR0A & _BV(UDRE0))) {
  }
  UDR0 = c;
}

void tt_board_puts(const char* s) {
  while (*s) uart_put((uint8_t)*s++);
}

}  // extern "C"

int main(void) {
  UBRR0 = 0;
  UCSR0A = 0;
  UCSR0B = _BV(TXEN0);
  UCSR0C = (uint8_t)(_BV(UCSZ01) | _BV(UCSZ00));  // 8N1

  const int rc = tt_workload_main();

  while (!(UCSR0A & _BV(UDRE0))) {
  }
  GPIOR0 = (uint8_t)(0x80u | ((unsigned)rc & 0x7Fu));
  cli();
  SMCR = (uint8_t)(_BV(SM1) | _BV(SE));  // power-down; simavr ends the run on sleep with I clear
  for (;;) sleep_cpu();
}
