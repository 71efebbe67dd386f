#include "targets/pattern.hpp"

#include <regex.h>

#include <array>
#include <cctype>

namespace reachprobe::targets {

Expected<Pattern> Pattern::compile(const std::string& text, bool capture) {
  auto compiled = std::shared_ptr<regex_t>(new regex_t, [](regex_t* r) {
    regfree(r);
    delete r;
  });
  int flags = REG_EXTENDED | REG_NEWLINE | (capture ? 0 : REG_NOSUB);
  int rc = regcomp(compiled.get(), text.c_str(), flags);
  if (rc != 0) {
    std::array<char, 256> why{};
    regerror(rc, compiled.get(), why.data(), why.size());
    // regcomp failed: nothing to free, and regfree on it is undefined.
    compiled = std::shared_ptr<regex_t>(new regex_t, [](regex_t* r) { delete r; });
    return Expected<Pattern>::failure("invalid regular expression \"" + text + "\": " + why.data());
  }
  return Pattern(text, std::move(compiled), capture);
}

bool Pattern::search(std::string_view subject) const {
  regmatch_t range{};
  range.rm_so = 0;
  range.rm_eo = static_cast<regoff_t>(subject.size());
  // REG_STARTEND: match within [rm_so, rm_eo) without needing a NUL terminator.
  return regexec(compiled_.get(), subject.data(), 1, &range, REG_STARTEND) == 0;
}

std::optional<std::vector<std::string>> Pattern::groups(std::string_view subject) const {
  if (!capture_) return search(subject) ? std::optional(std::vector<std::string>{}) : std::nullopt;
  std::vector<regmatch_t> match(compiled_->re_nsub + 1);
  match[0].rm_so = 0;
  match[0].rm_eo = static_cast<regoff_t>(subject.size());
  if (regexec(compiled_.get(), subject.data(), match.size(), match.data(), REG_STARTEND) != 0) {
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& m : match) {
    if (m.rm_so < 0) {
      out.emplace_back();
    } else {
      auto from = static_cast<std::size_t>(m.rm_so);
      out.emplace_back(subject.substr(from, static_cast<std::size_t>(m.rm_eo - m.rm_so)));
    }
  }
  return out;
}

namespace {

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// The group a template name refers to, or nullopt when it is not a plain number.
std::optional<std::size_t> group_number(std::string_view name) {
  if (name.empty() || name.size() > 6) return std::nullopt;
  std::size_t n = 0;
  for (char c : name) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) return std::nullopt;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  return n;
}

}  // namespace

std::string expand_template(std::string_view text, const std::vector<std::string>& groups) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c != '$' || i + 1 >= text.size()) {
      out += c;
      ++i;
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      i += 2;
      continue;
    }
    std::string_view name;
    std::size_t next = i + 1;
    if (text[next] == '{') {
      auto close = text.find('}', next + 1);
      bool ok = close != std::string_view::npos && close > next + 1;
      for (std::size_t k = next + 1; ok && k < close; ++k) ok = name_char(text[k]);
      if (!ok) {
        out += '$';
        ++i;
        continue;
      }
      name = text.substr(next + 1, close - next - 1);
      next = close + 1;
    } else {
      std::size_t end = next;
      while (end < text.size() && name_char(text[end])) ++end;
      if (end == next) {
        out += '$';
        ++i;
        continue;
      }
      name = text.substr(next, end - next);
      next = end;
    }
    if (auto n = group_number(name); n && *n < groups.size()) out += groups[*n];
    i = next;
  }
  return out;
}

}  // namespace reachprobe::targets
