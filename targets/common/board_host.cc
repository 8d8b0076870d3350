// Host implementation of the board interface: the reference every emulated board is compared with.
#include <stdio.h>

#include "board.h"

extern "C" {

static volatile uint8_t tt_bench_state;

__attribute__((noinline)) void tt_bench_begin(void) { tt_bench_state = 1; }
__attribute__((noinline)) void tt_bench_end(void) { tt_bench_state = 2; }

void tt_board_puts(const char* s) { fputs(s, stdout); }

}  // extern "C"

int main() {
  const int rc = tt_workload_main();
  fflush(stdout);
  return rc;
}
