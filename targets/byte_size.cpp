#include "targets/byte_size.hpp"

#include <array>
#include <optional>
#include <string>
#include <utility>

namespace reachprobe::targets {
namespace {

// Go's units accepts either family of spellings (the IEC one first, then the old one), so
// both map to powers of 1024 here.
std::optional<double> unit_bytes(std::string_view unit) {
  static constexpr std::array<std::pair<std::string_view, double>, 13> kUnits = {{
      {"B", 1.0},
      {"KiB", 1024.0},
      {"KB", 1024.0},
      {"MiB", 1048576.0},
      {"MB", 1048576.0},
      {"GiB", 1073741824.0},
      {"GB", 1073741824.0},
      {"TiB", 1099511627776.0},
      {"TB", 1099511627776.0},
      {"PiB", 1125899906842624.0},
      {"PB", 1125899906842624.0},
      {"EiB", 1152921504606846976.0},
      {"EB", 1152921504606846976.0},
  }};
  for (const auto& [name, bytes] : kUnits) {
    if (name == unit) return bytes;
  }
  return std::nullopt;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

Expected<std::int64_t> parse_byte_size(std::string_view text) {
  using Result = Expected<std::int64_t>;
  auto fail = [&](const std::string& why) {
    return Result::failure("invalid size \"" + std::string(text) + "\": " + why +
                           " (e.g. 1MB, 512KiB, 4096)");
  };
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return fail("empty");
  // Plain bytes: what a YAML integer is.
  bool all_digits = true;
  for (char c : s) all_digits = all_digits && is_digit(c);
  if (all_digits) {
    if (s.size() > 18) return fail("too large");
    std::int64_t n = 0;
    for (char c : s) n = n * 10 + (c - '0');
    return negative ? -n : n;
  }
  double total = 0;
  while (!s.empty()) {
    if (!is_digit(s.front()) && s.front() != '.') return fail("expected a number");
    double whole = 0, fraction = 0, scale = 1;
    bool digits = false;
    while (!s.empty() && is_digit(s.front())) {
      whole = whole * 10 + (s.front() - '0');
      digits = true;
      s.remove_prefix(1);
    }
    if (!s.empty() && s.front() == '.') {
      s.remove_prefix(1);
      while (!s.empty() && is_digit(s.front())) {
        fraction = fraction * 10 + (s.front() - '0');
        scale *= 10;
        digits = true;
        s.remove_prefix(1);
      }
    }
    if (!digits) return fail("expected a number");
    std::size_t unit_length = 0;
    while (unit_length < s.size() && !is_digit(s[unit_length]) && s[unit_length] != '.')
      ++unit_length;
    auto unit = unit_bytes(s.substr(0, unit_length));
    if (!unit) return fail("unknown unit \"" + std::string(s.substr(0, unit_length)) + "\"");
    s.remove_prefix(unit_length);
    total += (whole + fraction / scale) * *unit;
  }
  if (total > 9.2e18) return fail("too large");
  auto bytes = static_cast<std::int64_t>(total);
  return negative ? -bytes : bytes;
}

}  // namespace reachprobe::targets
