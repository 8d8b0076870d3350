// The CLI's commands. Each parses its own options from argv[2..] and returns the exit code
// (0 success; errors are thrown as tt::Error / tt::UsageError and mapped in main).
#pragma once

namespace tt::cli {

int cmd_tokenize(int argc, char** argv);
int cmd_hash(int argc, char** argv);
int cmd_split(int argc, char** argv);
int cmd_train(int argc, char** argv);
int cmd_eval(int argc, char** argv);
int cmd_predict(int argc, char** argv);
int cmd_threshold(int argc, char** argv);
int cmd_report(int argc, char** argv);
int cmd_quantize(int argc, char** argv);
int cmd_export(int argc, char** argv);
int cmd_size(int argc, char** argv);
int cmd_inspect(int argc, char** argv);
int cmd_hid(int argc, char** argv);
int cmd_hid_type(int argc, char** argv);

}  // namespace tt::cli
