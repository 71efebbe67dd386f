#include "layers/dns_answer_checks.hpp"

#include "targets/dns_names.hpp"
#include "targets/pattern.hpp"

namespace reachprobe::layers {
namespace {

std::string list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return "[" + out + "]";
}

// Each list compiled once per answer, not once per record. The loader has compiled every
// pattern already; one that fails now refuses the answer, as blackbox's "Error matching
// regexp" does.
struct CompiledList {
  std::vector<std::pair<std::string, targets::Pattern>> patterns;
  std::string error;
};

CompiledList compile(const std::vector<std::string>& texts) {
  CompiledList out;
  for (const auto& text : texts) {
    auto compiled = targets::Pattern::compile(text);
    if (!compiled) {
      out.error = compiled.error();
      return out;
    }
    out.patterns.emplace_back(text, std::move(compiled).value());
  }
  return out;
}

}  // namespace

std::string check_rcode(int rcode, const std::vector<std::string>& valid) {
  for (const auto& name : valid) {
    auto code = targets::dns_rcode_from_name(name);
    if (!code) return "valid_rcodes holds an unknown rcode \"" + name + "\"";
    if (*code == rcode) return "";
  }
  return "rcode " + targets::dns_rcode_name(rcode) + " is not one of valid_rcodes " + list(valid);
}

std::string check_records(const std::vector<std::string>& records,
                          const targets::DnsRecordValidator& v, const std::string& section) {
  if (records.empty() && !v.fail_if_not_matches_regexp.empty())
    return section + ": fail_if_not_matches_regexp is set but no records were returned";
  if (records.empty() && !v.fail_if_none_matches_regexp.empty())
    return section + ": fail_if_none_matches_regexp is set but no records were returned";
  const auto fail_if_matches = compile(v.fail_if_matches_regexp);
  const auto fail_if_all_match = compile(v.fail_if_all_match_regexp);
  const auto fail_if_not_matches = compile(v.fail_if_not_matches_regexp);
  const auto fail_if_none_matches = compile(v.fail_if_none_matches_regexp);
  for (const auto* list :
       {&fail_if_matches, &fail_if_all_match, &fail_if_not_matches, &fail_if_none_matches}) {
    if (!list->error.empty()) return section + ": " + list->error;
  }
  bool all_match = true;
  bool any_match = false;
  for (const auto& record : records) {
    for (const auto& [text, pattern] : fail_if_matches.patterns) {
      if (pattern.search(record)) return section + ": \"" + record + "\" matches \"" + text + "\"";
    }
    for (const auto& [text, pattern] : fail_if_all_match.patterns) {
      if (!pattern.search(record)) all_match = false;
    }
    for (const auto& [text, pattern] : fail_if_not_matches.patterns) {
      if (!pattern.search(record))
        return section + ": \"" + record + "\" does not match \"" + text + "\"";
    }
    for (const auto& [text, pattern] : fail_if_none_matches.patterns) {
      if (pattern.search(record)) any_match = true;
    }
  }
  // blackbox 0.23 fails here when NOT all records matched, whatever the option's name says;
  // reachprobe keeps that meaning so an existing blackbox.yml judges the same.
  if (!v.fail_if_all_match_regexp.empty() && !all_match)
    return section + ": not every record matches fail_if_all_match_regexp " +
           list(v.fail_if_all_match_regexp);
  if (!v.fail_if_none_matches_regexp.empty() && !any_match)
    return section + ": no record matches fail_if_none_matches_regexp " +
           list(v.fail_if_none_matches_regexp);
  return "";
}

}  // namespace reachprobe::layers
