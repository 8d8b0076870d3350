#include "cli/model_sizes.h"

#include <cstdio>

#include "cli/args.h"
#include "common/error.h"
#include "common/json.h"
#include "export/size.h"
#include "model/model_io.h"

namespace tt::cli {

quant::QuantModel int8_of(const std::string& path, bool* is_float) {
  *is_float = model_file_kind(path) == ModelKind::kFloat32;
  if (!*is_float) return quant::load_quant(path);
  const FloatModel f = load_model(path);
  numerics::QuantOptions o;
  return quant::quantize(f, quant::calibrate(f, {}, o));
}

exporter::Board board_arg(const std::string& command, const std::string& spec) {
  const size_t a = spec.find(':');
  if (a == std::string::npos) return exporter::find_board(spec);
  const size_t b = spec.find(':', a + 1);
  if (b == std::string::npos)
    throw UsageError(command + ": --board " + spec + ": give FLASH and RAM, e.g. " + spec.substr(0, a) + ":256K:32K");
  return exporter::find_board(spec.substr(0, a), parse_size(command, "board's FLASH", spec.substr(a + 1, b - a - 1)),
                              parse_size(command, "board's RAM", spec.substr(b + 1)));
}

std::string targets_json(const quant::QuantModel& q) {
  const tt::Model m = q.view();
  const auto img = static_cast<uint32_t>(q.image.size());
  std::string o = "[";
  for (const auto& t : exporter::target_costs()) {
    const auto r = exporter::size_on(t, m, img);
    o += std::string(o.size() > 1 ? "," : "") + "{\"target\":" + json_quote(r.target) +
         ",\"flash\":" + std::to_string(r.flash) + ",\"image\":" + std::to_string(r.image) +
         ",\"code_estimate\":" + std::to_string(r.code) + ",\"flash_generic\":" + std::to_string(r.flash_generic) +
         ",\"code_estimate_generic\":" + std::to_string(r.code_generic) + ",\"ram\":" + std::to_string(r.ram) +
         ",\"state\":" + std::to_string(r.state) + ",\"scores\":" + std::to_string(r.scores) +
         ",\"stack_estimate\":" + std::to_string(r.stack) + "}";
  }
  return o + "]";
}

std::string targets_text(const quant::QuantModel& q) {
  const tt::Model m = q.view();
  const auto img = static_cast<uint32_t>(q.image.size());
  char line[160];
  std::snprintf(line, sizeof line, "%-14s %8s %8s %8s %8s   %6s %6s %6s %6s\n", "target", "flash", "image", "code~",
                "open~", "RAM", "state", "scores", "stack~");
  std::string o = line;
  for (const auto& t : exporter::target_costs()) {
    const auto r = exporter::size_on(t, m, img);
    std::snprintf(line, sizeof line, "%-14s %8u %8u %8u %8u   %6u %6u %6u %6u\n", r.target.c_str(), r.flash, r.image,
                  r.code, r.code_generic, r.ram, r.state, r.scores, r.stack);
    o += line;
  }
  return o;
}

std::string boards_json(const quant::QuantModel& q, const std::vector<exporter::Board>& boards) {
  const tt::Model m = q.view();
  const auto img = static_cast<uint32_t>(q.image.size());
  std::string o = "[";
  for (const auto& b : boards) {
    const auto f = exporter::fit_on(b, m, img);
    o += std::string(o.size() > 1 ? "," : "") + "{\"board\":" + json_quote(b.name) +
         ",\"title\":" + json_quote(b.title) + ",\"mcu\":" + json_quote(b.mcu) + ",\"target\":" + json_quote(b.target) +
         ",\"flash_used\":" + std::to_string(f.flash_used) + ",\"flash\":" + std::to_string(b.flash) +
         ",\"sketch_flash\":" + std::to_string(b.sketch_flash) + ",\"ram_used\":" + std::to_string(f.ram_used) +
         ",\"ram\":" + std::to_string(b.ram) + ",\"sketch_ram\":" + std::to_string(b.sketch_ram) +
         ",\"fits\":" + (f.fits ? "true" : "false") + ",\"why\":" + json_quote(f.why) + "}";
  }
  return o + "]";
}

std::string boards_text(const quant::QuantModel& q, const std::vector<exporter::Board>& boards) {
  const tt::Model m = q.view();
  const auto img = static_cast<uint32_t>(q.image.size());
  char line[256];
  std::snprintf(line, sizeof line, "%-32s %-11s %19s %17s  %s\n", "board", "mcu", "flash~ used / has",
                "RAM~ used / has", "fits");
  std::string o = line;
  for (const auto& b : boards) {
    const auto f = exporter::fit_on(b, m, img);
    std::snprintf(line, sizeof line, "%-32s %-11s %9u / %7u %8u / %6u  ", (b.title + " (" + b.name + ")").c_str(),
                  b.mcu.c_str(), f.flash_used, b.flash, f.ram_used, b.ram);
    o += line + (f.fits ? std::string("yes") : "NO: " + f.why) + "\n";  // (why: any length)
  }
  return o;
}

}  // namespace tt::cli
