#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "targets/expected.hpp"

struct re_pattern_buffer;

namespace reachprobe::targets {

// A compiled POSIX extended regular expression (glibc), used on bodies and command output.
// Not std::regex: libstdc++'s matcher recurses per character and overflows the stack on a
// large hostile body. `^` and `$` match at line boundaries; `.` does not cross a newline.
class Pattern {
 public:
  // `capture` keeps the subexpressions for groups(); without it matching is cheaper.
  static Expected<Pattern> compile(const std::string& text, bool capture = false);
  // True when the pattern matches somewhere in `subject` (which may contain NUL bytes).
  bool search(std::string_view subject) const;
  // The whole match and each subexpression (empty when it did not take part), or nullopt
  // when there is no match. Needs a pattern compiled with `capture`.
  std::optional<std::vector<std::string>> groups(std::string_view subject) const;
  const std::string& text() const { return text_; }

 private:
  Pattern(std::string text, std::shared_ptr<re_pattern_buffer> compiled, bool capture)
      : text_(std::move(text)), compiled_(std::move(compiled)), capture_(capture) {}
  std::string text_;
  std::shared_ptr<re_pattern_buffer> compiled_;
  bool capture_ = false;
};

// Go's regexp.Expand as blackbox applies it to a query_response `send`: `$1` and `${1}` become
// that group of the preceding `expect`, `$$` a dollar; a name that is not a group number
// (Go's `$1x` means the group named "1x") becomes empty; a `$` not followed by a name stays.
std::string expand_template(std::string_view text, const std::vector<std::string>& groups);

}  // namespace reachprobe::targets
