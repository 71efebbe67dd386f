#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "targets/expected.hpp"

namespace re2 {
class RE2;
}

namespace reachprobe::targets {

// A compiled regular expression in Go's syntax (RE2, the library Go's regexp comes from), as
// blackbox_exporter reads every regexp of its config: `(?i)`, `(?m)`, `(?s)`, `(?:...)`, `\d`,
// `\w`, `\b`, `\A`, `\z`, `\x41`, `\Q...\E`, `\pL`, non-greedy `*?`. Without `(?m)`, `^` and `$`
// are the start and end of the whole subject, and `.` does not match a newline, as in Go.
// Matching is linear in the subject's length and compilation is bounded in memory, so a
// hostile pattern or body cannot stall the io_context.
class Pattern {
 public:
  // The empty pattern, which matches everything (an unset `expect`, for instance).
  Pattern();
  // `capture` is accepted for callers that read groups(); every pattern can capture.
  static Expected<Pattern> compile(const std::string& text, bool capture = false);
  // Go's regexp.Match: true when the pattern matches somewhere in `subject` (bytes; may
  // contain NUL).
  bool search(std::string_view subject) const;
  // The whole match and each group (empty when it did not take part), or nullopt when there
  // is no match: what Go's FindSubmatch gives Regexp.Expand.
  std::optional<std::vector<std::string>> groups(std::string_view subject) const;
  // Named groups ((?P<name>...)) and their numbers, for expand_template.
  const std::map<std::string, int>& group_names() const;
  const std::string& text() const { return text_; }
  // Two patterns are the same when their text is: they compile to the same program.
  bool operator==(const Pattern& other) const { return text_ == other.text_; }

 private:
  Pattern(std::string text, std::shared_ptr<const re2::RE2> compiled)
      : text_(std::move(text)), compiled_(std::move(compiled)) {}
  std::string text_;
  std::shared_ptr<const re2::RE2> compiled_;
};

// Go's regexp.Expand as blackbox applies it to a query_response `send`: `$1` and `${1}` become
// that group of the preceding `expect`, `$$` a dollar; a name that is not a group number
// (Go's `$1x` means the group named "1x") is the named group of that name, or empty; a `$` not
// followed by a name stays.
std::string expand_template(std::string_view text, const std::vector<std::string>& groups,
                            const std::map<std::string, int>& names = {});

}  // namespace reachprobe::targets
