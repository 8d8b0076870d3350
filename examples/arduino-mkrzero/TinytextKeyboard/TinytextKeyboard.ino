// TinytextKeyboard: classify what is typed on a USB keyboard plugged into an Arduino MKR Zero.
//
// The MKR Zero's native USB port runs as a host (USBHost library; a USB OTG adapter, and power
// from the VIN pin or a battery, since the port now feeds the keyboard). Every key press goes to
// the tinytext decoder and the int8 model; the LED shows the live verdict of the watched label
// after every key, and each message (ended by Enter) prints its verdict on Serial1 (pins 13/14),
// because the native USB port is busy being a host.
//
// Assemble this sketch with your model (examples/arduino-mkrzero/make_sketch.sh QMODEL DIR),
// which copies the tinytext headers, keyboard_verdict.h and the exported model into src/.
// All the logic is in src/keyboard_verdict.h, compiled and tested on the host; this file only
// wires USB, the LED and the serial port. See docs/hid.md.
#include <KeyboardController.h>

#include "src/keyboard_verdict.h"
#include "src/tt_model.h"  // written by make_sketch.sh: includes NAME_model.h, defines TT_MODEL_*

static const uint16_t kWatch = 0;  // the label the LED shows (0: the first)

USBHost usb;
KeyboardController keyboard(usb);
tt::Model model;
tt::example::KeyboardApp<TT_MODEL_DIM, TT_MODEL_HIDDEN, TT_MODEL_OUTPUTS> app;
bool ready = false;

void keyPressed() {
  if (!ready) return;
  const tt::example::KeyUpdate u = tt::example::keyboard_press(app, keyboard.getModifiers(), keyboard.getOemKey());
  if (u.changed || u.message) digitalWrite(LED_BUILTIN, u.led ? HIGH : LOW);
  if (u.message) {
    Serial1.print(u.line);
    Serial1.println(u.inexact ? "  (inexact: Backspace reached committed text)" : "");
  }
}

void setup() {
  pinMode(LED_BUILTIN, OUTPUT);
  Serial1.begin(115200);
  ready = TT_MODEL_OPEN(model) == tt::kOk &&
          tt::example::keyboard_begin(app, model, TT_MODEL_LAYOUT, kWatch) == tt::kOk;
  Serial1.println(ready ? "tinytext keyboard: type, then Enter" : "tinytext keyboard: the model was refused");
  if (usb.Init() == (uint32_t)-1) Serial1.println("USB host did not start");  // Init() is uint32_t
}

void loop() { usb.Task(); }
