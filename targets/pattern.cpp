#include "targets/pattern.hpp"

#include <re2/re2.h>

#include "targets/printable.hpp"

#include <cctype>

namespace reachprobe::targets {

namespace {

RE2::Options go_options() {
  RE2::Options options;
  // Go's syntax (Perl classes, \b, non-greedy; ^ and $ anchor the text unless (?m)), UTF-8.
  options.set_log_errors(false);
  // RE2's default program budget (8 MiB): a pattern whose compiled form needs more is refused
  // at load, so a hostile regexp costs milliseconds, never gigabytes.
  options.set_max_mem(8 << 20);
  return options;
}

}  // namespace

Pattern::Pattern() {
  // One shared empty program: specs default-construct patterns often, and copy them per probe.
  static const auto empty = std::make_shared<const RE2>("", go_options());
  compiled_ = empty;
}

Expected<Pattern> Pattern::compile(const std::string& text, bool /*capture*/) {
  auto compiled = std::make_shared<const RE2>(text, go_options());
  if (!compiled->ok()) {
    return Expected<Pattern>::failure("invalid regular expression " + quote_printable(text) + ": " +
                                      compiled->error());
  }
  return Pattern(text, std::move(compiled));
}

bool Pattern::search(std::string_view subject) const {
  return RE2::PartialMatch(re2::StringPiece(subject.data(), subject.size()), *compiled_);
}

std::optional<std::vector<std::string>> Pattern::groups(std::string_view subject) const {
  const auto count = static_cast<std::size_t>(compiled_->NumberOfCapturingGroups()) + 1;
  std::vector<re2::StringPiece> match(count);
  if (!compiled_->Match(re2::StringPiece(subject.data(), subject.size()), 0, subject.size(),
                        RE2::UNANCHORED, match.data(), static_cast<int>(count))) {
    return std::nullopt;
  }
  std::vector<std::string> out;
  out.reserve(count);
  for (const auto& m : match)
    out.emplace_back(m.data() == nullptr ? std::string() : std::string(m));
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
