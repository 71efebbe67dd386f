#include "targets/pattern.hpp"

#include <regex.h>

#include <array>

namespace reachprobe::targets {

Expected<Pattern> Pattern::compile(const std::string& text) {
  auto compiled = std::shared_ptr<regex_t>(new regex_t, [](regex_t* r) {
    regfree(r);
    delete r;
  });
  int rc = regcomp(compiled.get(), text.c_str(), REG_EXTENDED | REG_NEWLINE | REG_NOSUB);
  if (rc != 0) {
    std::array<char, 256> why{};
    regerror(rc, compiled.get(), why.data(), why.size());
    // regcomp failed: nothing to free, and regfree on it is undefined.
    compiled = std::shared_ptr<regex_t>(new regex_t, [](regex_t* r) { delete r; });
    return Expected<Pattern>::failure("invalid regular expression \"" + text + "\": " + why.data());
  }
  return Pattern(text, std::move(compiled));
}

bool Pattern::search(std::string_view subject) const {
  regmatch_t range{};
  range.rm_so = 0;
  range.rm_eo = static_cast<regoff_t>(subject.size());
  // REG_STARTEND: match within [rm_so, rm_eo) without needing a NUL terminator.
  return regexec(compiled_.get(), subject.data(), 1, &range, REG_STARTEND) == 0;
}

}  // namespace reachprobe::targets
