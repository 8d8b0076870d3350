/*
 * Runs an ATmega328P ELF under simavr (linked with libsimavr) to completion and reports:
 *   the program's UART0 output, copied to stdout as it arrives;
 *   board.cycles=N        cycles between GPIOR0 = 1 (tt_bench_begin) and GPIOR0 = 2 (tt_bench_end),
 *                         summed over all pairs; exact and repeatable (simavr counts AVR cycles);
 *   board.pairs=N         number of begin/end pairs;
 *   board.stack_peak=N    RAMEND - lowest SP seen, sampled after every instruction;
 *   board.bench_stack_peak=N  RAMEND - lowest SP seen between the markers (the measured code and
 *                         the frames of its callers);
 *   board.cycles_total=N  cycles from reset to the exit write.
 * Exit status: the program's (GPIOR0 = 0x80 | rc before cli + sleep); 3 if it crashed or stopped
 * without that write; 4 if it ran past --max-cycles; 2 for a usage or load error.
 *
 * With --input FILE (a program that never exits, e.g. an Arduino sketch reading Serial): once the
 * program has printed its first line, the file's bytes go to UART0's receiver, one every
 * --input-gap cycles (default 8000: 115200 baud is 1389 cycles a byte at 16 MHz); the run ends
 * 4,000,000 cycles after the last one, with status 0 unless the program crashed.
 *
 * Usage: tt_avr_runner [--mcu atmega328p] [--freq 16000000] [--max-cycles N]
 *                      [--input FILE [--input-gap N]] app.elf
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <simavr/avr_uart.h>
#include <simavr/sim_avr.h>
#include <simavr/sim_elf.h>
#include <simavr/sim_io.h>
#include <simavr/sim_irq.h>

enum { kGpior0 = 0x3E }; /* data-space address of GPIOR0 (I/O 0x1E) on the ATmega328P */

static avr_cycle_count_t bench_start, bench_cycles, exit_cycle;
static unsigned pairs;
static int in_bench, exit_status = -1, printed_line;

static void on_gpior0(struct avr_t *avr, avr_io_addr_t addr, uint8_t v, void *param) {
  (void)param;
  avr->data[addr] = v;
  if (v == 1) {
    in_bench = 1;
    bench_start = avr->cycle;
  } else if (v == 2) {
    if (in_bench) {
      bench_cycles += avr->cycle - bench_start;
      ++pairs;
    }
    in_bench = 0;
  } else if (v & 0x80) {
    exit_status = v & 0x7F;
    exit_cycle = avr->cycle;
  }
}

static void on_uart(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  (void)param;
  fputc((int)(value & 0xFF), stdout);
  if ((value & 0xFF) == '\n') printed_line = 1;
}

/* simavr's default logger writes to stdout; keep stdout for the program's output. */
static void log_stderr(struct avr_t *avr, const int level, const char *fmt, va_list ap) {
  (void)avr;
  if (level <= LOG_WARNING) vfprintf(stderr, fmt, ap);
}

static int usage(void) {
  fprintf(stderr, "usage: tt_avr_runner [--mcu NAME] [--freq HZ] [--max-cycles N] [--input FILE [--input-gap N]] "
                  "app.elf\n");
  return 2;
}

int main(int argc, char **argv) {
  const char *mcu = "atmega328p";
  unsigned long freq = 16000000UL;
  unsigned long long max_cycles = 4000000000ULL;
  const char *elf = NULL, *input_path = NULL;
  unsigned long long input_gap = 8000;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--mcu") && i + 1 < argc) {
      mcu = argv[++i];
    } else if (!strcmp(argv[i], "--freq") && i + 1 < argc) {
      freq = strtoul(argv[++i], NULL, 0);
    } else if (!strcmp(argv[i], "--max-cycles") && i + 1 < argc) {
      max_cycles = strtoull(argv[++i], NULL, 0);
    } else if (!strcmp(argv[i], "--input") && i + 1 < argc) {
      input_path = argv[++i];
    } else if (!strcmp(argv[i], "--input-gap") && i + 1 < argc) {
      input_gap = strtoull(argv[++i], NULL, 0);
    } else if (!strcmp(argv[i], "--help")) {
      usage();
      return 0;
    } else if (argv[i][0] == '-' || elf) {
      return usage();
    } else {
      elf = argv[i];
    }
  }
  if (!elf) return usage();

  avr_global_logger_set(log_stderr);
  elf_firmware_t fw;
  memset(&fw, 0, sizeof fw);
  if (elf_read_firmware(elf, &fw) != 0) {
    fprintf(stderr, "tt_avr_runner: %s: cannot read the ELF file\n", elf);
    return 2;
  }
  avr_t *avr = avr_make_mcu_by_name(mcu);
  if (!avr) {
    fprintf(stderr, "tt_avr_runner: unknown MCU '%s'\n", mcu);
    return 2;
  }
  avr_init(avr);
  avr->log = LOG_WARNING;
  avr_load_firmware(avr, &fw);
  avr->frequency = (uint32_t)freq;

  uint32_t flags = 0;
  avr_ioctl(avr, AVR_IOCTL_UART_GET_FLAGS('0'), &flags);
  flags &= ~(uint32_t)AVR_UART_FLAG_STDIO;
  avr_ioctl(avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT), on_uart, NULL);
  avr_register_io_write(avr, kGpior0, on_gpior0, NULL);
  FILE *input = NULL;
  if (input_path && !(input = fopen(input_path, "rb"))) {
    fprintf(stderr, "tt_avr_runner: %s: cannot open the input\n", input_path);
    return 2;
  }
  avr_irq_t *rx = avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_INPUT);
  avr_cycle_count_t next_byte = 0, input_end = 0;
  int input_done = 0;

  uint16_t min_sp = (uint16_t)avr->ramend, bench_min_sp = (uint16_t)avr->ramend;
  int state = cpu_Running;
  for (;;) {
    state = avr_run(avr);
    const uint16_t sp = (uint16_t)(avr->data[R_SPL] | (avr->data[R_SPH] << 8));
    if (sp < min_sp) min_sp = sp;
    if (in_bench && sp < bench_min_sp) bench_min_sp = sp;
    if (state == cpu_Done || state == cpu_Crashed) break;
    if (avr->cycle > max_cycles) break;
    if (input && printed_line && avr->cycle >= next_byte) {
      const int c = input_done ? EOF : fgetc(input);
      if (c != EOF) {
        avr_raise_irq(rx, (uint32_t)c);
        next_byte = avr->cycle + input_gap;
      } else if (!input_done) {
        input_done = 1;
        input_end = avr->cycle + 4000000u;
      } else if (avr->cycle >= input_end) {
        break;
      }
    }
  }
  fflush(stdout);
  printf("board.cycles=%llu\n", (unsigned long long)bench_cycles);
  printf("board.pairs=%u\n", pairs);
  printf("board.stack_peak=%u\n", (unsigned)(avr->ramend - min_sp));
  printf("board.bench_stack_peak=%u\n", (unsigned)(avr->ramend - bench_min_sp));
  printf("board.cycles_total=%llu\n", (unsigned long long)exit_cycle);
  fflush(stdout);

  if (input && input_done && state != cpu_Crashed && avr->cycle >= input_end) return 0;
  if (state != cpu_Done && state != cpu_Crashed) {
    fprintf(stderr, "tt_avr_runner: %s: still running after %llu cycles\n", elf, max_cycles);
    return 4;
  }
  if (state == cpu_Crashed || exit_status < 0) {
    fprintf(stderr, "tt_avr_runner: %s: %s at cycle %llu (pc 0x%04x) without the exit write\n", elf,
            state == cpu_Crashed ? "crashed" : "stopped", (unsigned long long)avr->cycle, (unsigned)avr->pc);
    return 3;
  }
  return exit_status;
}
