// Placeholder until this command lands; replaced by its owner.
#include "cli/commands.h"
#include "common/error.h"

namespace tt::cli {

int cmd_eval(int, char**) { throw Error("'eval' is not implemented yet"); }

}  // namespace tt::cli
