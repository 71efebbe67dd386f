#include "exporters/logger.hpp"

#include <ctime>
#include <iostream>
#include <sstream>

#include "targets/printable.hpp"

namespace reachprobe::exporters {
namespace {

const char* level_name(Logger::Level level) {
  switch (level) {
    case Logger::Level::debug:
      return "debug";
    case Logger::Level::info:
      return "info";
    case Logger::Level::warn:
      return "warn";
    case Logger::Level::error:
      return "error";
  }
  return "info";
}

// A value in double quotes with JSON's escapes: valid JSON and, since targets and peers' text
// reach the log, valid UTF-8 whatever the bytes (each stray byte becomes U+FFFD, as Go's
// encoding/json writes it) and always one line (every control byte escaped, as go-logfmt does).
std::string quoted(const std::string& value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : targets::valid_utf8(value)) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string timestamp() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

bool Logger::parse_level(const std::string& text, Level& out) {
  if (text == "debug")
    out = Level::debug;
  else if (text == "info")
    out = Level::info;
  else if (text == "warn")
    out = Level::warn;
  else if (text == "error")
    out = Level::error;
  else
    return false;
  return true;
}

void Logger::log(Level level, const std::string& message, const Fields& fields) const {
  if (level < level_) return;
  std::ostringstream line;
  Fields all = {{"ts", timestamp()}, {"level", level_name(level)}, {"msg", message}};
  all.insert(all.end(), fields.begin(), fields.end());
  if (json_) {
    line << "{";
    for (std::size_t i = 0; i < all.size(); ++i) {
      line << (i ? "," : "") << quoted(all[i].first) << ":" << quoted(all[i].second);
    }
    line << "}";
  } else {
    for (std::size_t i = 0; i < all.size(); ++i) {
      line << (i ? " " : "") << all[i].first << "=" << quoted(all[i].second);
    }
  }
  std::cerr << line.str() << "\n";
}

}  // namespace reachprobe::exporters
