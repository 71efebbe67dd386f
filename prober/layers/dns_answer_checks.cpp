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

std::string list(const std::vector<targets::Pattern>& patterns) {
  std::vector<std::string> texts;
  for (const auto& p : patterns) texts.push_back(p.text());
  return list(texts);
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
  bool all_match = true;
  bool any_match = false;
  for (const auto& record : records) {
    // Compiled by the config loader, once per load.
    for (const auto& pattern : v.fail_if_matches_regexp) {
      if (pattern.search(record))
        return section + ": \"" + record + "\" matches \"" + pattern.text() + "\"";
    }
    for (const auto& pattern : v.fail_if_all_match_regexp) {
      if (!pattern.search(record)) all_match = false;
    }
    for (const auto& pattern : v.fail_if_not_matches_regexp) {
      if (!pattern.search(record))
        return section + ": \"" + record + "\" does not match \"" + pattern.text() + "\"";
    }
    for (const auto& pattern : v.fail_if_none_matches_regexp) {
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
