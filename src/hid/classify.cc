#include "hid/classify.h"

#include "hid/keyboard.h"

namespace tt::hid {

std::string typeable_text(std::string_view text, const HidLayout& layout) {
  std::string spaced(text);
  for (char& c : spaced) {
    const auto b = static_cast<uint8_t>(c);
    if ((b < 0x20u && b != '\t') || b == 0x7Fu) c = ' ';
  }
  return keep_typeable(spaced, layout);
}

}  // namespace tt::hid
