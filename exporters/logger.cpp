#include "exporters/logger.hpp"

#include <ctime>
#include <iostream>
#include <sstream>

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

std::string quoted(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
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
