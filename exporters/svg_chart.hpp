#pragma once
#include <optional>
#include <string>
#include <vector>

namespace reachprobe::exporters {

// One bar or strip segment: its share of failed runs, and a tooltip.
struct ChartPoint {
  std::optional<double> value;  // nullopt: no runs in that period (drawn grey)
  std::string title;
};

// The 24 h timeline strip: one segment per point, green when every run succeeded, red when all
// failed, amber between, grey without runs. `value` is the availability 0..1.
std::string svg_strip(const std::vector<ChartPoint>& points, int width, int height);

// Writes an axis value as the page writes that quantity ("1.5 s", "99.9 %").
using AxisLabel = std::string (*)(double value);

// Bars from the bottom, scaled to `max` (the largest value when 0), the top of the axis written
// by `label`.
// With a `rest_colour`, the part of each bar above its value is drawn in it (an availability
// bar is green up to its value and red above, so 0 % is a red bar, not an empty period).
std::string svg_bars(const std::vector<ChartPoint>& points, double max, AxisLabel label,
                     const std::string& colour, const std::string& rest_colour = "");

}  // namespace reachprobe::exporters
