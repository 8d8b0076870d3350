// Number printing for every board, by hand: printf would cost kilobytes of flash.
#include "board.h"

namespace tt {
namespace board {

void put_hex32(uint32_t v) {
  char buf[11];
  buf[0] = '0';
  buf[1] = 'x';
  for (uint8_t i = 0; i < 8; ++i) {
    const uint8_t d = (uint8_t)((v >> (28u - 4u * i)) & 0xFu);
    buf[2 + i] = (char)(d < 10u ? '0' + d : 'a' + (d - 10u));
  }
  buf[10] = '\0';
  tt_board_puts(buf);
}

void put_dec32(uint32_t v) {
  char buf[11];
  uint8_t i = 10;
  buf[i] = '\0';
  do {
    buf[--i] = (char)('0' + (uint8_t)(v % 10u));
    v /= 10u;
  } while (v != 0u);
  tt_board_puts(buf + i);
}

static void put_key(const char* key) {
  tt_board_puts(key);
  tt_board_puts("=");
}

void put_kv_hex(const char* key, uint32_t v) {
  put_key(key);
  put_hex32(v);
  tt_board_puts("\n");
}

void put_kv_dec(const char* key, uint32_t v) {
  put_key(key);
  put_dec32(v);
  tt_board_puts("\n");
}

}  // namespace board
}  // namespace tt
