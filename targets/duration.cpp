#include "targets/duration.hpp"

#include <cctype>
#include <cstdlib>
#include <string>

#include "targets/printable.hpp"

namespace reachprobe::targets {
namespace {

double unit_seconds(std::string_view unit) {
  if (unit == "ns") return 1e-9;
  if (unit == "us" || unit == "µs") return 1e-6;
  if (unit == "ms") return 1e-3;
  if (unit == "s" || unit.empty()) return 1.0;
  if (unit == "m") return 60.0;
  if (unit == "h") return 3600.0;
  return -1.0;
}

}  // namespace

Expected<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  using Result = Expected<std::chrono::nanoseconds>;
  auto fail = [&](const char* why) {
    return Result::failure("bad duration " + quote_printable(text) + ": " + why);
  };
  if (text.empty()) return fail("empty");
  double total = 0;
  std::size_t i = 0;
  bool bare_number_allowed = true;
  while (i < text.size()) {
    std::size_t start = i;
    while (i < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[i])) != 0 || text[i] == '.'))
      ++i;
    if (i == start) return fail("expected a number (e.g. 10s, 500ms, 1.5s)");
    std::string number(text.substr(start, i - start));
    char* end = nullptr;
    double value = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return fail("malformed number");
    std::size_t unit_start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) == 0 &&
           text[i] != '.')
      ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    if (unit.empty() && !(bare_number_allowed && i == text.size())) return fail("missing unit");
    double scale = unit_seconds(unit);
    if (scale < 0) return fail("unknown unit (use ms, s, m or h)");
    total += value * scale;
    bare_number_allowed = false;
  }
  if (!(total > 0)) return fail("must be greater than zero");
  if (total > 86400.0 * 365) return fail("too long");
  return std::chrono::nanoseconds(static_cast<std::int64_t>(total * 1e9));
}

}  // namespace reachprobe::targets
