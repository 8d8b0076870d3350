// Test stub of the USBHost library's KeyboardController.h as the Arduino SAMD core ships it
// (libraries/USBHost: KeyboardController.h, UsbCore.h), for targets/arduino/build_mkrzero.sh.
// The public API a sketch uses, with the library's signatures:
//   USBHost:            USBHost(), uint32_t Init(), void Task(), uint32_t getUsbTaskState()
//   KeyboardController: KeyboardController(USBHost&), uint8_t getKey(), getModifiers(), getOemKey()
//   KeyboardModifiers:  LeftCtrl = 1 ... RightCmd = 128
// The library calls the sketch's `void keyPressed()` and `void keyReleased()` (defined weak in
// KeyboardController.cpp, not declared in the header). stubs.cc declares keyPressed() strong, so
// the link fails unless the sketch defines exactly that function (the real library would silently
// call an empty one).
#ifndef TT_STUB_KEYBOARD_CONTROLLER_H
#define TT_STUB_KEYBOARD_CONTROLLER_H

#include <Arduino.h>  // the real header reaches it through hidboot.h -> Usb.h

class KeyboardController;

class USBHost {
 public:
  USBHost(void);
  uint32_t Init();
  void Task(void);
  uint32_t getUsbTaskState(void);

 private:
  friend class KeyboardController;
  KeyboardController* keyboard_;
};

enum KeyboardModifiers {
  LeftCtrl = 1,
  LeftShift = 2,
  Alt = 4,
  LeftCmd = 8,
  RightCtrl = 16,
  RightShift = 32,
  AltGr = 64,
  RightCmd = 128
};

class KeyboardController {
 public:
  KeyboardController(USBHost& usb);

  uint8_t getKey() { return key; }
  uint8_t getModifiers() { return modifiers; }
  uint8_t getOemKey() { return keyOem; }

 protected:
  void OnKeyDown(uint8_t mod, uint8_t key);
  void OnKeyUp(uint8_t mod, uint8_t key);

 private:
  friend class USBHost;
  uint8_t key, keyOem, modifiers;
};

#endif  // TT_STUB_KEYBOARD_CONTROLLER_H
