// Definitions behind the stub Arduino.h and KeyboardController.h, plus the start-up the SAMD core
// provides (vector table, reset handler, main calling setup() and loop()), so the sketch links
// into a Cortex-M0+ image with --gc-sections. Nothing here drives hardware: each "register" is a
// volatile variable, which keeps the compiler from dropping the sketch's code as unused.
#include <Arduino.h>
#include <KeyboardController.h>

// The sketch's callback, as the library calls it (strong here: see KeyboardController.h).
void keyPressed();

namespace {
volatile uint32_t pin_state;     // last pinMode/digitalWrite
volatile uint8_t uart_data;      // Serial1's transmit register
volatile uint8_t usb_report[3];  // a key press to deliver: [0] != 0, modifiers, key (HID usage)
}  // namespace

Uart Serial1;

extern "C" {
#ifdef TT_STUB_LEGACY_CORE
void pinMode(uint32_t ulPin, uint32_t ulMode) { pin_state = (ulPin << 8) | ulMode; }
void digitalWrite(uint32_t ulPin, uint32_t ulVal) { pin_state = (ulPin << 8) | ulVal; }
int digitalRead(uint32_t ulPin) { return (int)((pin_state >> ulPin) & 1u); }
#else
void pinMode(pin_size_t pinNumber, PinMode pinMode) { pin_state = (uint32_t)(pinNumber << 8) | pinMode; }
void digitalWrite(pin_size_t pinNumber, PinStatus status) { pin_state = (uint32_t)(pinNumber << 8) | status; }
PinStatus digitalRead(pin_size_t pinNumber) { return ((pin_state >> pinNumber) & 1u) ? HIGH : LOW; }
#endif
unsigned long millis(void) { return pin_state; }
void delay(unsigned long ms) { pin_state = (uint32_t)ms; }
void yield(void) {}
void init(void) {}
}

size_t Print::write(uint8_t c) {
  uart_data = c;
  return 1;
}
size_t Print::write(const char* str) {
  size_t n = 0;
  while (str[n]) write((uint8_t)str[n++]);
  return n;
}
size_t Print::print(const char s[]) { return write(s); }
size_t Print::print(char c) { return write((uint8_t)c); }
// Numbers: the stub prints one byte whatever the value (the sketch prints none).
size_t Print::print(unsigned char n, int base) { return print((unsigned long)n, base); }
size_t Print::print(int n, int base) { return print((long)n, base); }
size_t Print::print(unsigned int n, int base) { return print((unsigned long)n, base); }
size_t Print::print(long n, int base) { return print((unsigned long)n, base); }
size_t Print::print(unsigned long n, int base) { return write((uint8_t)(n % (unsigned long)base)); }
size_t Print::print(double, int) { return write((uint8_t)'?'); }
size_t Print::println(void) { return write("\r\n"); }
size_t Print::println(const char s[]) { return print(s) + println(); }
size_t Print::println(char c) { return print(c) + println(); }
size_t Print::println(unsigned char n, int base) { return print(n, base) + println(); }
size_t Print::println(int n, int base) { return print(n, base) + println(); }
size_t Print::println(unsigned int n, int base) { return print(n, base) + println(); }
size_t Print::println(long n, int base) { return print(n, base) + println(); }
size_t Print::println(unsigned long n, int base) { return print(n, base) + println(); }
size_t Print::println(double n, int digits) { return print(n, digits) + println(); }

void Uart::begin(unsigned long baudRate) { uart_data = (uint8_t)baudRate; }
void Uart::begin(unsigned long baudrate, uint16_t config) { uart_data = (uint8_t)(baudrate + config); }
void Uart::end() {}
int Uart::available() { return 0; }
int Uart::read() { return -1; }
void Uart::flush() {}

USBHost::USBHost(void) : keyboard_(0) {}
uint32_t USBHost::Init() { return usb_report[0] == 0xFFu ? (uint32_t)-1 : 0u; }
uint32_t USBHost::getUsbTaskState(void) { return usb_report[0]; }
// One pending key press, as HIDBoot's report parser would deliver it to the keyboard.
void USBHost::Task(void) {
  if (usb_report[0] == 0 || keyboard_ == 0) return;
  usb_report[0] = 0;
  keyboard_->OnKeyDown(usb_report[1], usb_report[2]);
}

KeyboardController::KeyboardController(USBHost& usb) : key(0), keyOem(0), modifiers(0) { usb.keyboard_ = this; }
void KeyboardController::OnKeyDown(uint8_t _mod, uint8_t _oemKey) {
  modifiers = _mod;
  keyOem = _oemKey;
  key = 0;  // the library's OemToAscii(); unused by the sketch
  keyPressed();
}
void KeyboardController::OnKeyUp(uint8_t _mod, uint8_t _oemKey) {
  modifiers = _mod;
  keyOem = _oemKey;
}

// ---- start-up (the core's cortex_handlers.c and main.cpp, reduced) ----
extern "C" {
extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _estack[];
typedef void (*InitFn)(void);
extern InitFn __init_array_start[], __init_array_end[];

// memset and memcpy, which GCC may call even in freestanding code (struct copies, zeroing).
#include "../../common/mem_bytes.h"

int main(void) {
  init();
  setup();
  for (;;) {
    loop();
    yield();
  }
}

__attribute__((noreturn, used)) void Reset_Handler(void) {
  for (uint32_t *src = _sidata, *dst = _sdata; dst < _edata;) *dst++ = *src++;
  for (uint32_t* dst = _sbss; dst < _ebss;) *dst++ = 0u;
  for (InitFn* f = __init_array_start; f < __init_array_end; ++f) (*f)();
  main();
  for (;;) {
  }
}

__attribute__((noreturn)) static void Dummy_Handler(void) {
  for (;;) {
  }
}

// Cortex-M0+ core vectors (the SAMD21's peripheral vectors are not needed here).
__attribute__((section(".isr_vector"), used)) void (*const exception_table[16])(void) = {
    (void (*)(void))_estack, Reset_Handler, Dummy_Handler, Dummy_Handler, 0, 0, 0, 0, 0, 0, 0,
    Dummy_Handler, 0, 0, Dummy_Handler, Dummy_Handler,
};
}  // extern "C"
