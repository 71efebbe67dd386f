#pragma once
#include <string>
#include <utility>

namespace reachprobe::targets {

// A password or passphrase. It has no operator<< and no formatter, so no log line, metric,
// JSON field or status page can print it by accident; reveal() is the one door, and only the
// code handing it to libssh uses it.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  ~Secret() {
    // Best effort: do not leave the bytes in freed memory.
    for (auto& c : value_) const_cast<volatile char&>(c) = 0;
  }

  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  static const char* redacted() { return "<secret>"; }

 private:
  std::string value_;
};

}  // namespace reachprobe::targets
