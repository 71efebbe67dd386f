#include "exporters/html_text.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace reachprobe::exporters {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '_' || u == '.' || u == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string utc_time(std::int64_t ms) {
  if (ms <= 0) return "-";
  std::time_t seconds = ms / 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%SZ", &tm);
  return buffer;
}

std::string elapsed(std::int64_t from_ms, std::int64_t now_ms) {
  if (from_ms <= 0) return "-";
  std::int64_t s = std::max<std::int64_t>(0, (now_ms - from_ms) / 1000);
  auto part = [](std::int64_t a, const char* ua, std::int64_t b, const char* ub) {
    return std::to_string(a) + ua + (b > 0 ? " " + std::to_string(b) + ub : "");
  };
  if (s >= 86400) return part(s / 86400, "d", s % 86400 / 3600, "h");
  if (s >= 3600) return part(s / 3600, "h", s % 3600 / 60, "m");
  if (s >= 60) return part(s / 60, "m", s % 60, "s");
  return std::to_string(s) + "s";
}

std::string percent(const std::optional<double>& ratio) {
  if (!ratio) return "-";
  char buffer[32];
  double p = *ratio * 100;
  // Two decimals where they matter (99.95 %), none at the ends (100 %, 0 %).
  if (p >= 100 || p <= 0)
    std::snprintf(buffer, sizeof buffer, "%.0f %%", p);
  else
    std::snprintf(buffer, sizeof buffer, "%.2f %%", std::floor(p * 100) / 100);
  return buffer;
}

std::string duration_text(const std::optional<double>& seconds) {
  if (!seconds) return "-";
  char buffer[32];
  if (*seconds < 1)
    std::snprintf(buffer, sizeof buffer, "%.1f ms", *seconds * 1000);
  else
    std::snprintf(buffer, sizeof buffer, "%.2f s", *seconds);
  return buffer;
}

}  // namespace reachprobe::exporters
