#include "targets/accept_encoding.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

namespace reachprobe::targets {
namespace {

struct Ranked {
  std::string encoding;
  double quality = 1.0;
};

std::string_view trimmed(std::string_view text) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

// "q=0.5" or "0.5" -> 0.5, rounded to three decimals as HTTP qvalues are; garbage -> 0.
double quality_of(std::string_view text) {
  text = trimmed(text);
  if (text.starts_with("q=")) text.remove_prefix(2);
  std::string number(text);
  char* end = nullptr;
  double q = std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size() || !std::isfinite(q)) return 0;
  return std::round(q * 1000) / 1000;
}

}  // namespace

bool compression_acceptable(std::string_view compression, std::string_view accept_encoding) {
  if (compression.empty() || accept_encoding.empty()) return true;
  std::vector<Ranked> ranked;
  while (true) {
    auto comma = accept_encoding.find(',');
    std::string_view part = accept_encoding.substr(0, comma);
    Ranked r;
    if (auto semicolon = part.rfind(';'); semicolon == std::string_view::npos) {
      r.encoding = trimmed(part);
    } else {
      r.encoding = trimmed(part.substr(0, semicolon));
      r.quality = quality_of(part.substr(semicolon + 1));
    }
    ranked.push_back(std::move(r));
    if (comma == std::string_view::npos) break;
    accept_encoding.remove_prefix(comma + 1);
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const Ranked& a, const Ranked& b) { return a.quality > b.quality; });
  for (const auto& r : ranked) {
    if (r.encoding == compression || r.encoding == "*") return r.quality > 0;
  }
  return false;
}

}  // namespace reachprobe::targets
