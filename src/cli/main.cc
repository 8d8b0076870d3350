// tinytext: train tiny text classifiers on a desktop, run them on microcontrollers.
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <new>

#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "common/error.h"
#include "model/model_io.h"
#include "tinytext/model.h"

namespace {

struct Command {
  const char* name;
  int (*run)(int, char**);
  const char* summary;
};

const Command kCommands[] = {
    {"train", tt::cli::cmd_train, "train a classifier on labelled data"},
    {"eval", tt::cli::cmd_eval, "evaluate a model on labelled data"},
    {"predict", tt::cli::cmd_predict, "print a model's scores for texts"},
    {"threshold", tt::cli::cmd_threshold, "choose the decision thresholds on labelled data and store them in the model"},
    {"report", tt::cli::cmd_report, "write an HTML report with plots: curves, thresholds, mistakes, sizes"},
    {"quantize", tt::cli::cmd_quantize, "turn a float model into a full-integer int8 model"},
    {"export", tt::cli::cmd_export, "write a model as C sources or an Arduino library"},
    {"size", tt::cli::cmd_size, "print a model's flash and RAM on the device"},
    {"inspect", tt::cli::cmd_inspect, "print what a model file holds: shape, labels, training data and options"},
    {"split", tt::cli::cmd_split, "split labelled data into train and test files"},
    {"tokenize", tt::cli::cmd_tokenize, "print the tokens, hashes and ids of texts"},
    {"hash", tt::cli::cmd_hash, "print the SuperFastHash of words"},
    {"hid", tt::cli::cmd_hid, "decode USB HID keyboard reports and classify what was typed"},
    {"hid-type", tt::cli::cmd_hid_type, "write the keyboard reports that type a text"},
};

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: tinytext <command> [options]\n\n"
               "Trains tiny text classifiers on a desktop and runs them on microcontrollers.\n\n"
               "commands:\n");
  for (const auto& c : kCommands) std::fprintf(out, "  %-10s %s\n", c.name, c.summary);
  std::fprintf(out, "\n'tinytext <command> --help' describes a command; 'tinytext --version' gives the versions.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (!std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
    usage(stdout);
    return 0;
  }
  if (!std::strcmp(argv[1], "--version") || !std::strcmp(argv[1], "version")) {
    std::printf("tinytext %s\nmodel file format %u (float and int8 model files)\ndevice runtime %d, device image "
                "format %d (exported headers refuse other versions)\n",
                TT_TOOL_VERSION, tt::kModelFormatVersion, TT_RUNTIME_VERSION, TT_MODEL_FORMAT_VERSION);
    return 0;
  }
  for (const auto& c : kCommands) {
    if (std::strcmp(argv[1], c.name) != 0) continue;
    try {
      return c.run(argc, argv);
    } catch (const tt::UsageError& e) {
      std::cerr << "tinytext: " << e.what() << "\n";
      return 2;
    } catch (const tt::Error& e) {
      std::cerr << "tinytext: error: " << e.what() << "\n";
      return 1;
    } catch (const std::bad_alloc&) {
      std::cerr << "tinytext: error: out of memory\n";
      return 1;
    } catch (const std::exception& e) {
      std::cerr << "tinytext: error: " << e.what() << "\n";
      return 1;
    }
  }
  std::vector<std::string> names;
  for (const auto& c : kCommands) names.push_back(c.name);
  const std::string hint = tt::cli::closest(argv[1], names);
  std::fprintf(stderr, "tinytext: unknown command '%s'%s\n\n", argv[1],
               hint.empty() ? "" : ("; did you mean '" + hint + "'?").c_str());
  usage(stderr);
  return 2;
}
