#pragma once
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace reachprobe::exporters {

// blackbox_exporter's --log.level / --log.format: one line per event on stderr, logfmt or
// JSON. Values are quoted and escaped; callers never pass secrets.
class Logger {
 public:
  enum class Level { debug, info, warn, error };
  using Fields = std::vector<std::pair<std::string, std::string>>;

  static bool parse_level(const std::string& text, Level& out);
  void set_level(Level level) { level_ = level; }
  void set_json(bool json) { json_ = json; }
  void log(Level level, const std::string& message, const Fields& fields = {}) const;
  // Whether a line at this level is written: callers test it before building a line's fields
  // when they are built for every probe.
  bool enabled(Level level) const { return level >= level_; }

 private:
  Level level_ = Level::info;
  bool json_ = false;
};

}  // namespace reachprobe::exporters
