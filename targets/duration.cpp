#include "targets/duration.hpp"

#include <cctype>
#include <cstdint>
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

// Nanoseconds per Go duration unit; 0 for a unit Go does not know.
std::int64_t go_unit_nanoseconds(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs") return 1000;
  if (unit == "ms") return 1000 * 1000;
  if (unit == "s") return 1000 * 1000 * 1000;
  if (unit == "m") return 60LL * 1000 * 1000 * 1000;
  if (unit == "h") return 3600LL * 1000 * 1000 * 1000;
  return 0;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

Expected<std::chrono::nanoseconds> parse_go_duration(std::string_view text) {
  using Result = Expected<std::chrono::nanoseconds>;
  auto fail = [&](const char* why) {
    return Result::failure("time: " + std::string(why) + " duration " + quote_printable(text));
  };
  std::string_view rest = text;
  bool negative = false;
  if (!rest.empty() && (rest[0] == '-' || rest[0] == '+')) {
    negative = rest[0] == '-';
    rest.remove_prefix(1);
  }
  if (rest == "0") return std::chrono::nanoseconds(0);
  if (rest.empty()) return fail("invalid");
  // Long double holds every int64 nanosecond count exactly enough for the overflow check.
  long double total = 0;
  while (!rest.empty()) {
    std::size_t i = 0;
    long double whole = 0;
    while (i < rest.size() && is_digit(rest[i])) whole = whole * 10 + (rest[i++] - '0');
    bool had_digits = i > 0;
    long double fraction = 0, scale = 1;
    if (i < rest.size() && rest[i] == '.') {
      ++i;
      std::size_t start = i;
      while (i < rest.size() && is_digit(rest[i])) {
        fraction = fraction * 10 + (rest[i++] - '0');
        scale *= 10;
      }
      had_digits = had_digits || i > start;
    }
    if (!had_digits) return fail("invalid");
    std::size_t unit_start = i;
    while (i < rest.size() && rest[i] != '.' && !is_digit(rest[i])) ++i;
    if (i == unit_start) return fail("missing unit in");
    std::int64_t unit = go_unit_nanoseconds(rest.substr(unit_start, i - unit_start));
    if (unit == 0) return fail("unknown unit in");
    total += (whole + fraction / scale) * static_cast<long double>(unit);
    if (total > 9223372036854775807.0L) return fail("invalid");
    rest.remove_prefix(i);
  }
  auto ns = static_cast<std::int64_t>(total);
  return std::chrono::nanoseconds(negative ? -ns : ns);
}

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
