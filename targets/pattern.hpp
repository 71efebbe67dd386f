#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "targets/expected.hpp"

struct re_pattern_buffer;

namespace reachprobe::targets {

// A compiled POSIX extended regular expression (glibc), used on bodies and command output.
// Not std::regex: libstdc++'s matcher recurses per character and overflows the stack on a
// large hostile body. `^` and `$` match at line boundaries; `.` does not cross a newline.
class Pattern {
 public:
  static Expected<Pattern> compile(const std::string& text);
  // True when the pattern matches somewhere in `subject` (which may contain NUL bytes).
  bool search(std::string_view subject) const;
  const std::string& text() const { return text_; }

 private:
  Pattern(std::string text, std::shared_ptr<re_pattern_buffer> compiled)
      : text_(std::move(text)), compiled_(std::move(compiled)) {}
  std::string text_;
  std::shared_ptr<re_pattern_buffer> compiled_;
};

}  // namespace reachprobe::targets
