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

// Go's regexp reads the subject as UTF-8 where each byte that is not part of a well-formed
// sequence is one U+FFFD, which `.`, `[^a]` and `\x{fffd}` match; RE2 never matches such a
// byte. So an ill-formed subject is matched as a copy with each such byte replaced by U+FFFD,
// and `origin` maps each offset of the copy back to the subject, for captures.
struct GoText {
  std::string text;
  std::vector<std::size_t> origin;  // size text.size() + 1; empty when the subject was valid
};

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

bool well_formed(std::string_view subject) {
  for (std::size_t i = 0; i < subject.size();) {
    std::size_t n = utf8_sequence_length(subject, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

GoText as_go_reads(std::string_view subject) {
  GoText out;
  out.text.reserve(subject.size() + 16);
  out.origin.reserve(subject.size() + 17);
  for (std::size_t i = 0; i < subject.size();) {
    std::size_t n = utf8_sequence_length(subject, i);
    if (n == 0) {
      out.text += kReplacement;
      for (std::size_t k = 0; k < kReplacement.size(); ++k) out.origin.push_back(i);
      ++i;
      continue;
    }
    for (std::size_t k = 0; k < n; ++k) {
      out.text += subject[i + k];
      out.origin.push_back(i + k);
    }
    i += n;
  }
  out.origin.push_back(subject.size());
  return out;
}

// Go refuses \C (one byte, which can split a UTF-8 sequence); RE2 takes it. Outside \Q...\E.
bool has_single_byte_escape(std::string_view text) {
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] != '\\') continue;
    char next = text[i + 1];
    if (next == 'C') return true;
    if (next == 'Q') {
      auto end = text.find("\\E", i + 2);
      if (end == std::string_view::npos) return false;
      i = end + 1;
      continue;
    }
    ++i;  // the escaped character, so "\\C" is a backslash and a C
  }
  return false;
}

}  // namespace

Pattern::Pattern() {
  // One shared empty program: specs default-construct patterns often, and copy them per probe.
  static const auto empty = std::make_shared<const RE2>("", go_options());
  compiled_ = empty;
}

Expected<Pattern> Pattern::compile(const std::string& text, bool /*capture*/) {
  if (has_single_byte_escape(text)) {
    return Expected<Pattern>::failure("invalid regular expression " + quote_printable(text) +
                                      ": invalid escape sequence: \\C");
  }
  auto compiled = std::make_shared<const RE2>(text, go_options());
  if (!compiled->ok()) {
    return Expected<Pattern>::failure("invalid regular expression " + quote_printable(text) + ": " +
                                      compiled->error());
  }
  return Pattern(text, std::move(compiled));
}

bool Pattern::search(std::string_view subject) const {
  if (well_formed(subject)) {
    return RE2::PartialMatch(re2::StringPiece(subject.data(), subject.size()), *compiled_);
  }
  GoText go = as_go_reads(subject);
  return RE2::PartialMatch(go.text, *compiled_);
}

std::optional<std::vector<std::string>> Pattern::groups(std::string_view subject) const {
  const auto count = static_cast<std::size_t>(compiled_->NumberOfCapturingGroups()) + 1;
  GoText go;
  std::string_view matched = subject;
  if (!well_formed(subject)) {
    go = as_go_reads(subject);
    matched = go.text;
  }
  std::vector<re2::StringPiece> match(count);
  if (!compiled_->Match(re2::StringPiece(matched.data(), matched.size()), 0, matched.size(),
                        RE2::UNANCHORED, match.data(), static_cast<int>(count))) {
    return std::nullopt;
  }
  std::vector<std::string> out;
  out.reserve(count);
  for (const auto& m : match) {
    if (m.data() == nullptr) {
      out.emplace_back();
    } else if (go.origin.empty()) {
      out.emplace_back(m);
    } else {
      // A capture's bytes are the subject's own, not the U+FFFD that stood in for them.
      auto start = static_cast<std::size_t>(m.data() - matched.data());
      auto from = go.origin[start], to = go.origin[start + m.size()];
      out.emplace_back(subject.substr(from, to - from));
    }
  }
  return out;
}

const std::map<std::string, int>& Pattern::group_names() const {
  return compiled_->NamedCapturingGroups();
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

std::string expand_template(std::string_view text, const std::vector<std::string>& groups,
                            const std::map<std::string, int>& names) {
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
    if (auto n = group_number(name)) {
      if (*n < groups.size()) out += groups[*n];
    } else if (auto it = names.find(std::string(name)); it != names.end()) {
      // Go's Expand: a name that is not a number is a named group ((?P<tok>...)).
      auto index = static_cast<std::size_t>(it->second);
      if (index < groups.size()) out += groups[index];
    }
    i = next;
  }
  return out;
}

}  // namespace reachprobe::targets
