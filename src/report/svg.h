// A small SVG writer for the report's charts: line/step charts with axes, ticks, a legend and
// markers, and grouped histograms. Text is escaped; numbers are written with fixed precision so
// the same data gives the same bytes. (No Debian C++ plotting library writes a freestanding SVG
// string: matplot++ and gnuplot-iostream drive gnuplot, a separate program.)
#pragma once

#include <string>
#include <vector>

namespace tt::report {

// &, <, >, " and ' as entities (for HTML text and attributes).
std::string escape(const std::string& s);

struct Series {
  std::string name, color;
  std::vector<double> x, y;  // NaN points are skipped
  bool dashed = false;
};
struct Marker {
  double x = 0, y = 0;
  std::string color, title;  // title: the tooltip (<title>) and the legend entry
};
struct Chart {
  std::string title, xlabel, ylabel;
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  int width = 420, height = 320;
  std::vector<Series> series;
  std::vector<Marker> markers;
};
// One <svg> element (class "chart").
std::string line_chart(const Chart& c);

struct Bars {
  std::string name, color;
  std::vector<double> values;  // one per bin
};
// Histogram bins [x0, x1) split evenly; each Bars drawn as translucent bars, y from 0 to the max.
std::string histogram(const std::string& title, const std::string& xlabel, double x0, double x1,
                      const std::vector<Bars>& bars, int width = 420, int height = 320);

}  // namespace tt::report
