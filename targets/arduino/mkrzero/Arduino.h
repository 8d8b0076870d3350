// Test stub of the Arduino SAMD core's Arduino.h (arduino:samd, board mkrzero): only what
// TinytextKeyboard.ino uses, with the core's signatures, so targets/arduino/build_mkrzero.sh can
// compile the sketch for the Cortex-M0+ without the core. Not the core: no hardware behind it.
//
// Two flavours, since the SAMD core was ported to ArduinoCore-API and older releases are in use:
//   default              ArduinoCore-API (api/Common.h): PinStatus/PinMode enums (LOW, HIGH,
//                        OUTPUT...), pinMode(pin_size_t, PinMode), digitalWrite(pin_size_t,
//                        PinStatus), pin_size_t = uint8_t, min/max as templates, word(...) macro;
//   TT_STUB_LEGACY_CORE  the SAMD core's own wiring headers before the port: LOW/HIGH/OUTPUT as
//                        macros, pinMode/digitalWrite(uint32_t, uint32_t), min/max/abs/round as
//                        function-like macros.
// Both: the C headers Arduino.h includes, extern "C" pin functions, the function-like macros
// (constrain, sq, bit, ...), which are in scope for everything the sketch includes after Arduino.h;
// LED_BUILTIN (pin 32, variants/mkrzero/variant.h) and Serial1, a Uart: begin(unsigned long),
// Print's print/println overloads, each returning size_t.
#ifndef TT_STUB_ARDUINO_H
#define TT_STUB_ARDUINO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#define PI 3.1415926535897932384626433832795
#define HALF_PI 1.5707963267948966192313216916398
#define TWO_PI 6.283185307179586476925286766559
#define DEG_TO_RAD 0.017453292519943295769236907684886
#define RAD_TO_DEG 57.295779513082320876798154814105
#define EULER 2.718281828459045235360287471352
#define SERIAL 0x0
#define DISPLAY 0x1

typedef bool boolean;
typedef uint8_t byte;
typedef uint16_t word;

#ifdef __cplusplus
extern "C" {
#endif

void yield(void);
int main(void);
void init(void);
void setup(void);
void loop(void);

#ifdef TT_STUB_LEGACY_CORE
// wiring_constants.h
#define LOW (0x0)
#define HIGH (0x1)
#define INPUT (0x0)
#define OUTPUT (0x1)
#define INPUT_PULLUP (0x2)
#define INPUT_PULLDOWN (0x3)
// wiring_digital.h
void pinMode(uint32_t ulPin, uint32_t ulMode);
void digitalWrite(uint32_t ulPin, uint32_t ulVal);
int digitalRead(uint32_t ulPin);
#else
// api/Common.h
typedef enum { LOW = 0, HIGH = 1, CHANGE = 2, FALLING = 3, RISING = 4 } PinStatus;
typedef enum { INPUT = 0x0, OUTPUT = 0x1, INPUT_PULLUP = 0x2, INPUT_PULLDOWN = 0x3, OUTPUT_OPENDRAIN = 0x4 } PinMode;
typedef uint8_t pin_size_t;
void pinMode(pin_size_t pinNumber, PinMode pinMode);
void digitalWrite(pin_size_t pinNumber, PinStatus status);
PinStatus digitalRead(pin_size_t pinNumber);
#endif

// delay.h
unsigned long millis(void);
void delay(unsigned long ms);

#ifdef __cplusplus
}  // extern "C"

// Print.h (less String, Printable and __FlashStringHelper)
#define DEC 10
#define HEX 16
#define OCT 8
#define BIN 2

class Print {
 public:
  size_t write(uint8_t c);
  size_t write(const char* str);
  size_t print(const char[]);
  size_t print(char);
  size_t print(unsigned char, int = DEC);
  size_t print(int, int = DEC);
  size_t print(unsigned int, int = DEC);
  size_t print(long, int = DEC);
  size_t print(unsigned long, int = DEC);
  size_t print(double, int = 2);
  size_t println(const char[]);
  size_t println(char);
  size_t println(unsigned char, int = DEC);
  size_t println(int, int = DEC);
  size_t println(unsigned int, int = DEC);
  size_t println(long, int = DEC);
  size_t println(unsigned long, int = DEC);
  size_t println(double, int = 2);
  size_t println(void);
};

// Uart.h (HardwareSerial, Stream: the parts a sketch calls on Serial1)
class Uart : public Print {
 public:
  void begin(unsigned long baudRate);
  void begin(unsigned long baudrate, uint16_t config);
  void end();
  int available();
  int read();
  void flush();
  operator bool() { return true; }
};
#endif  // __cplusplus

// variant.h (mkrzero)
#define PIN_LED (32u)
#define LED_BUILTIN PIN_LED
#ifdef __cplusplus
extern Uart Serial1;
#endif

// Function-like macros
#ifdef TT_STUB_LEGACY_CORE
#ifdef abs
#undef abs
#endif
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define abs(x) ((x) > 0 ? (x) : -(x))
#define round(x) ((x) >= 0 ? (long)((x) + 0.5) : (long)((x)-0.5))
#elif defined(__cplusplus)
template <class T, class L>
auto min(const T& a, const L& b) -> decltype((b < a) ? b : a) {
  return (b < a) ? b : a;
}
template <class T, class L>
auto max(const T& a, const L& b) -> decltype((b < a) ? b : a) {
  return (a < b) ? b : a;
}
uint16_t makeWord(uint16_t w);
uint16_t makeWord(byte h, byte l);
#define word(...) makeWord(__VA_ARGS__)
#endif
#define constrain(amt, low, high) ((amt) < (low) ? (low) : ((amt) > (high) ? (high) : (amt)))
#define radians(deg) ((deg)*DEG_TO_RAD)
#define degrees(rad) ((rad)*RAD_TO_DEG)
#define sq(x) ((x) * (x))
#define lowByte(w) ((uint8_t)((w)&0xff))
#define highByte(w) ((uint8_t)((w) >> 8))
#define bitRead(value, bit) (((value) >> (bit)) & 0x01)
#define bitSet(value, bit) ((value) |= (1UL << (bit)))
#define bitClear(value, bit) ((value) &= ~(1UL << (bit)))
#define bit(b) (1UL << (b))

#endif  // TT_STUB_ARDUINO_H
