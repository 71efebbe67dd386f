#include "exporters/svg_chart.hpp"

#include <algorithm>
#include <cstdio>

#include "exporters/html_text.hpp"

namespace reachprobe::exporters {
namespace {

std::string number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", v);
  return buffer;
}

const char* availability_colour(const std::optional<double>& a) {
  if (!a) return "#d0d0d0";
  if (*a >= 1) return "#2e9e44";
  if (*a <= 0) return "#d0312d";
  return "#e8a317";
}

}  // namespace

std::string svg_strip(const std::vector<ChartPoint>& points, int width, int height) {
  std::string svg = "<svg class=\"strip\" width=\"" + std::to_string(width) + "\" height=\"" +
                    std::to_string(height) + "\" role=\"img\" aria-label=\"timeline\">";
  if (!points.empty()) {
    const double w = static_cast<double>(width) / static_cast<double>(points.size());
    for (std::size_t i = 0; i < points.size(); ++i) {
      svg += "<rect x=\"" + number(w * static_cast<double>(i)) + "\" y=\"0\" width=\"" + number(w) +
             "\" height=\"" + std::to_string(height) + "\" fill=\"" +
             availability_colour(points[i].value) + "\"><title>" + html_escape(points[i].title) +
             "</title></rect>";
    }
  }
  return svg + "</svg>";
}

std::string svg_bars(const std::vector<ChartPoint>& points, double max, AxisLabel label,
                     const std::string& colour, const std::string& rest_colour) {
  constexpr int kWidth = 720, kHeight = 120, kLeft = 60;
  if (max <= 0) {
    for (const auto& p : points) max = std::max(max, p.value.value_or(0));
  }
  if (max <= 0) max = 1;
  std::string svg = "<svg class=\"chart\" width=\"" + std::to_string(kWidth + kLeft) +
                    "\" height=\"" + std::to_string(kHeight + 20) + "\" role=\"img\">";
  svg += "<text x=\"0\" y=\"12\" font-size=\"11\">" + html_escape(label(max)) +
         "</text><text x=\"0\" y=\"" + std::to_string(kHeight) + "\" font-size=\"11\">0</text>";
  svg += "<line x1=\"" + std::to_string(kLeft) + "\" y1=\"" + std::to_string(kHeight) + "\" x2=\"" +
         std::to_string(kLeft + kWidth) + "\" y2=\"" + std::to_string(kHeight) +
         "\" stroke=\"#888\"/>";
  if (!points.empty()) {
    const double w = static_cast<double>(kWidth) / static_cast<double>(points.size());
    for (std::size_t i = 0; i < points.size(); ++i) {
      const double x = kLeft + w * static_cast<double>(i);
      if (!points[i].value) {
        svg += "<rect x=\"" + number(x) + "\" y=\"" + std::to_string(kHeight - 2) + "\" width=\"" +
               number(w) + "\" height=\"2\" fill=\"#d0d0d0\"><title>" +
               html_escape(points[i].title) + "</title></rect>";
        continue;
      }
      const double h = std::clamp(*points[i].value / max, 0.0, 1.0) * kHeight;
      if (!rest_colour.empty() && h < kHeight) {
        svg += "<rect x=\"" + number(x) + "\" y=\"0\" width=\"" + number(std::max(w - 0.5, 0.5)) +
               "\" height=\"" + number(kHeight - h) + "\" fill=\"" + rest_colour + "\"><title>" +
               html_escape(points[i].title) + "</title></rect>";
      }
      svg += "<rect x=\"" + number(x) + "\" y=\"" + number(kHeight - h) + "\" width=\"" +
             number(std::max(w - 0.5, 0.5)) + "\" height=\"" + number(h) + "\" fill=\"" + colour +
             "\"><title>" + html_escape(points[i].title) + "</title></rect>";
    }
  }
  return svg + "</svg>";
}

}  // namespace reachprobe::exporters
