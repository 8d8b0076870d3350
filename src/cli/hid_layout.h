// The --layout option shared by `hid` and `hid-type`: one description, one default, one error.
#pragma once

#include <string>

#include "cli/args.h"
#include "common/error.h"
#include "hid/keyboard.h"

namespace tt::cli {

inline Option layout_option() { return {"layout", "NAME", std::string("keyboard layout: ") + hid::layout_names(), "us"}; }

// The layout --layout names; a UsageError listing the known ones otherwise.
inline const HidLayout* layout_arg(const Args& args, const std::string& command) {
  const HidLayout* layout = hid::layout_by_name(args.get("layout"));
  if (!layout)
    throw UsageError(command + ": unknown layout '" + args.get("layout") + "': use " + hid::layout_names());
  return layout;
}

}  // namespace tt::cli
