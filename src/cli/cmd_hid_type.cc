// Placeholder until this command lands; replaced by its owner.
#include "cli/commands.h"
#include "common/error.h"

namespace tt::cli {

int cmd_hid_type(int, char**) { throw Error("'hid-type' is not implemented yet"); }

}  // namespace tt::cli
