// tinytext inspect MODEL [--json]: what a model file holds: kind, shape and tokenizer, labels and
// thresholds, how it was trained (options and the data summary), how it was quantised, and its
// flash and RAM on each target.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/model_sizes.h"
#include "common/error.h"
#include "common/json.h"
#include "data/summary.h"
#include "model/model_io.h"
#include "quant/quantize.h"

namespace tt::cli {

namespace {

std::string hex32(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08X", v);
  return b;
}

}  // namespace

int cmd_inspect(int argc, char** argv) {
  std::vector<Option> opts = {flag("json", "print one JSON object on stdout")};
  Args args("inspect", "MODEL [--json]", opts, argc, argv, 2);
  if (args.show_help(R"(Prints what a model file (float or int8) holds: kind, shape and tokenizer, labels and their
thresholds, the training options and the summary of the training data stored by train
(docs/cli.md), how an int8 model was quantised and its parent float model, and the flash
and RAM on each target (as 'tinytext size'; a float model as it would be once quantised).
)"))
    return 0;
  if (args.positional().size() != 1) throw UsageError("inspect: give exactly one MODEL (see --help)");
  const std::string in = args.positional()[0];
  bool is_float = false;
  const quant::QuantModel q = int8_of(in, &is_float);
  std::string info = q.info, data = q.data;
  std::vector<float> thresholds = q.float_threshold;
  if (is_float) {
    const FloatModel f = load_model(in);
    info = f.info;
    data = f.data;
    thresholds = f.threshold;
  }
  const tt::Model view = q.view();
  const bool softmax = q.shape.head == Head::kSoftmax;

  if (args.has("json")) {
    std::string o = "{\"model\":" + json_quote(in) + ",\"kind\":" + (is_float ? "\"float32\"" : "\"int8\"") +
                    ",\"shape\":" + json_quote(q.shape.describe()) +
                    ",\"parameters\":" + std::to_string(q.shape.parameter_count()) +
                    ",\"head\":" + json_quote(head_name(q.shape.head)) + ",\"labels\":[";
    for (size_t k = 0; k < q.labels.size(); ++k)
      o += std::string(k ? "," : "") + "{\"name\":" + json_quote(q.labels[k]) + ",\"threshold\":" +
           (softmax ? std::string("null") : json_number(thresholds[k])) + "}";
    o += "],\"info\":" + json_quote(info);
    if (!is_float)
      o += ",\"quantisation\":" + json_quote(q.qinfo) + ",\"image_bytes\":" + std::to_string(q.image.size()) +
           ",\"parent_model\":" + json_quote(hex32(tt::model_id(view)));
    o += ",\"data_summary\":" + (data.empty() ? std::string("null") : data) + ",\"targets\":" + targets_json(q) + "}";
    std::cout << o << "\n";
    return 0;
  }
  std::printf("%s: %s\n", in.c_str(),
              is_float ? "float model (train's output; quantize it for the device)" : "int8 model (quantize's output)");
  std::printf("shape: %s\n", q.shape.describe().c_str());
  std::printf("labels (output index, name%s):\n", softmax ? "; softmax: the highest score wins" : ", threshold");
  for (size_t k = 0; k < q.labels.size(); ++k) {
    if (softmax)
      std::printf("  %zu %s\n", k, q.labels[k].c_str());
    else
      std::printf("  %zu %s %.4f\n", k, q.labels[k].c_str(), static_cast<double>(thresholds[k]));
  }
  std::printf("trained: %s\n", info.empty() ? "(not recorded)" : info.c_str());
  if (!is_float)
    std::printf("quantised: %s\nparent float model: %s (device image %zu bytes)\n",
                q.qinfo.empty() ? "(not recorded)" : q.qinfo.c_str(), hex32(tt::model_id(view)).c_str(),
                q.image.size());
  if (data.empty())
    std::printf("data: not recorded (a model from a tinytext before the data summary)\n");
  else
    std::fputs(data::summary_text(data::summary_from_json(data)).c_str(), stdout);
  std::printf("%s", is_float ? "sizes once quantised:\n" : "sizes:\n");
  std::fputs(targets_text(q).c_str(), stdout);
  std::fputs(("\n" + boards_text(q, exporter::boards())).c_str(), stdout);
  return 0;
}

}  // namespace tt::cli
