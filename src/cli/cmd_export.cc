// Placeholder until this command lands; replaced by its owner.
#include "cli/commands.h"
#include "common/error.h"

namespace tt::cli {

int cmd_export(int, char**) { throw Error("'export' is not implemented yet"); }

}  // namespace tt::cli
