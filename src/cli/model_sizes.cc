#include "cli/model_sizes.h"

#include <cstdio>

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
         ",\"stack_estimate\":" + std::to_string(r.stack) + ",\"board\":" + json_quote(t.board) +
         ",\"flash_available\":" + std::to_string(t.flash_avail) +
         ",\"ram_available\":" + std::to_string(t.ram_avail) + ",\"fits\":" + (r.fits ? "true" : "false") + "}";
  }
  return o + "]";
}

std::string targets_text(const quant::QuantModel& q) {
  const tt::Model m = q.view();
  const auto img = static_cast<uint32_t>(q.image.size());
  char line[160];
  std::snprintf(line, sizeof line, "%-14s %8s %8s %8s %8s   %6s %6s %6s %6s\n", "target", "flash", "image", "code~",
                "open~", "RAM", "state", "scores", "stack~");
  std::string o = line, misfits;
  for (const auto& t : exporter::target_costs()) {
    const auto r = exporter::size_on(t, m, img);
    std::snprintf(line, sizeof line, "%-14s %8u %8u %8u %8u   %6u %6u %6u %6u\n", r.target.c_str(), r.flash, r.image,
                  r.code, r.code_generic, r.ram, r.state, r.scores, r.stack);
    o += line;
    if (!r.fits)
      misfits += "does not fit the " + t.board + " (" + t.name + "): flash " + std::to_string(r.flash) + " of " +
                 std::to_string(t.flash_avail) + " bytes, RAM " + std::to_string(r.ram) + " of " +
                 std::to_string(t.ram_avail) + "\n";
  }
  return o + misfits;
}

}  // namespace tt::cli
