#include "report/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tt::report {

namespace {

constexpr int kLeft = 52, kRight = 14, kTop = 28, kBottom = 44;

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string tick_label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", std::fabs(v) < 1e-12 ? 0.0 : v);
  return buf;
}

// About five round tick values over [a, b].
std::vector<double> ticks(double a, double b) {
  const double span = b - a;
  if (!(span > 0)) return {a};
  const double raw = span / 5, mag = std::pow(10, std::floor(std::log10(raw)));
  const double step = raw / mag >= 5 ? 5 * mag : raw / mag >= 2 ? 2 * mag : mag;
  std::vector<double> t;
  for (double v = std::ceil(a / step - 1e-9) * step; v <= b + step * 1e-9; v += step) t.push_back(v);
  return t;
}

// The plot's data range and the picture's size; `extra` rows of legend below the x axis's label.
struct Frame {
  double x0, x1, y0, y1;
  int w, h, extra = 0;
  int bottom() const { return kBottom + 13 * extra; }
  double px(double x) const { return kLeft + (x - x0) / (x1 - x0) * (w - kLeft - kRight); }
  double py(double y) const { return h - bottom() - (y - y0) / (y1 - y0) * (h - kTop - bottom()); }
};

std::string axes(const Frame& f, const std::string& title, const std::string& xlabel, const std::string& ylabel) {
  std::string o = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"" + std::to_string(f.w) +
                  "\" height=\"" + std::to_string(f.h) + "\" viewBox=\"0 0 " + std::to_string(f.w) + " " +
                  std::to_string(f.h) + "\" role=\"img\" aria-label=\"" + escape(title) + "\">";
  o += "<rect class=\"plot\" x=\"" + num(f.px(f.x0)) + "\" y=\"" + num(f.py(f.y1)) + "\" width=\"" +
       num(f.px(f.x1) - f.px(f.x0)) + "\" height=\"" + num(f.py(f.y0) - f.py(f.y1)) + "\" fill=\"#fff\" stroke=\"#888\"/>";
  for (double t : ticks(f.x0, f.x1))
    o += "<line x1=\"" + num(f.px(t)) + "\" y1=\"" + num(f.py(f.y0)) + "\" x2=\"" + num(f.px(t)) + "\" y2=\"" +
         num(f.py(f.y1)) + "\" stroke=\"#eee\"/><text x=\"" + num(f.px(t)) + "\" y=\"" + num(f.py(f.y0) + 14) +
         "\" text-anchor=\"middle\" font-size=\"10\">" + tick_label(t) + "</text>";
  for (double t : ticks(f.y0, f.y1))
    o += "<line x1=\"" + num(f.px(f.x0)) + "\" y1=\"" + num(f.py(t)) + "\" x2=\"" + num(f.px(f.x1)) + "\" y2=\"" +
         num(f.py(t)) + "\" stroke=\"#eee\"/><text x=\"" + num(f.px(f.x0) - 4) + "\" y=\"" + num(f.py(t) + 3) +
         "\" text-anchor=\"end\" font-size=\"10\">" + tick_label(t) + "</text>";
  o += "<text x=\"" + num(f.w / 2.0) + "\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">" +
       escape(title) + "</text>";
  o += "<text x=\"" + num((f.px(f.x0) + f.px(f.x1)) / 2) + "\" y=\"" + num(f.py(f.y0) + 32) +
       "\" text-anchor=\"middle\" font-size=\"11\">" + escape(xlabel) + "</text>";
  if (!ylabel.empty())
    o += "<text transform=\"translate(12," + num((f.py(f.y0) + f.py(f.y1)) / 2) +
         ") rotate(-90)\" text-anchor=\"middle\" font-size=\"11\">" + escape(ylabel) + "</text>";
  return o;
}

// One row per named item, below the x axis's label.
std::string legend(const Frame& f, const std::vector<std::pair<std::string, std::string>>& items) {
  std::string o;
  double y = f.py(f.y0) + 48;
  for (const auto& [name, color] : items) {
    if (name.empty()) continue;
    const double x = f.px(f.x0);
    o += "<rect x=\"" + num(x) + "\" y=\"" + num(y - 8) + "\" width=\"10\" height=\"10\" fill=\"" + color +
         "\"/><text x=\"" + num(x + 14) + "\" y=\"" + num(y + 1) + "\" font-size=\"10\">" + escape(name) + "</text>";
    y += 13;
  }
  return o;
}

}  // namespace

std::string escape(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += c;
    }
  }
  return o;
}

int named(const std::vector<std::string>& names) {
  int n = 0;
  for (const auto& s : names) n += s.empty() ? 0 : 1;
  return n;
}

std::string line_chart(const Chart& c) {
  std::vector<std::string> names;
  for (const Series& s : c.series) names.push_back(s.name);
  const Frame f{c.x0, c.x1, c.y0, c.y1, c.width, c.height + 13 * named(names), named(names)};
  std::string o = axes(f, c.title, c.xlabel, c.ylabel);
  std::vector<std::pair<std::string, std::string>> items;
  for (const Series& s : c.series) {
    std::string pts;
    double lx = -1e9, ly = -1e9;
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (std::isnan(s.x[i]) || std::isnan(s.y[i])) continue;
      const double x = f.px(std::clamp(s.x[i], c.x0, c.x1)), y = f.py(std::clamp(s.y[i], c.y0, c.y1));
      if (std::fabs(x - lx) < 0.25 && std::fabs(y - ly) < 0.25 && i + 1 < s.x.size()) continue;  // sub-pixel
      pts += num(x) + "," + num(y) + " ";
      lx = x, ly = y;
    }
    o += "<polyline class=\"series\" fill=\"none\" stroke=\"" + s.color + "\" stroke-width=\"2\"" +
         (s.dashed ? " stroke-dasharray=\"5,3\"" : "") + " points=\"" + pts + "\"/>";
    items.push_back({s.name, s.color});
  }
  for (const Marker& m : c.markers) {
    o += "<circle class=\"marker\" cx=\"" + num(f.px(std::clamp(m.x, c.x0, c.x1))) + "\" cy=\"" +
         num(f.py(std::clamp(m.y, c.y0, c.y1))) + "\" r=\"5\" fill=\"" + m.color +
         "\" stroke=\"#000\"><title>" + escape(m.title) + "</title></circle>";
  }
  return o + legend(f, items) + "</svg>";
}

std::string histogram(const std::string& title, const std::string& xlabel, double x0, double x1,
                      const std::vector<Bars>& bars, int width, int height) {
  double top = 0;
  size_t bins = 0;
  for (const Bars& b : bars) {
    bins = std::max(bins, b.values.size());
    for (double v : b.values) top = std::max(top, v);
  }
  std::vector<std::string> names;
  for (const Bars& b : bars) names.push_back(b.name);
  const Frame f{x0, x1, 0, top > 0 ? top * 1.05 : 1, width, height + 13 * named(names), named(names)};
  std::string o = axes(f, title, xlabel, "examples");
  std::vector<std::pair<std::string, std::string>> items;
  for (const Bars& b : bars) {
    const double w = (x1 - x0) / static_cast<double>(std::max<size_t>(bins, 1));
    for (size_t i = 0; i < b.values.size(); ++i) {
      if (b.values[i] <= 0) continue;
      const double xa = f.px(x0 + w * static_cast<double>(i)), xb = f.px(x0 + w * static_cast<double>(i + 1));
      o += "<rect class=\"bar\" x=\"" + num(xa) + "\" y=\"" + num(f.py(b.values[i])) + "\" width=\"" + num(xb - xa) +
           "\" height=\"" + num(f.py(0) - f.py(b.values[i])) + "\" fill=\"" + b.color + "\" fill-opacity=\"0.55\"/>";
    }
    items.push_back({b.name, b.color});
  }
  return o + legend(f, items) + "</svg>";
}

}  // namespace tt::report
