#pragma once
// blackbox's judgement of a DNS answer (prober/dns.go validRcode, validRRs), pure so it is
// unit-tested: the first check that refuses the answer, in blackbox's order, or "" when the
// answer is acceptable.
#include <string>
#include <vector>

#include "targets/module.hpp"

namespace reachprobe::layers {

// "" when `rcode` is one of `valid` (names as miekg/dns spells them), else why not.
std::string check_rcode(int rcode, const std::vector<std::string>& valid);

// "" when the records (zone-file text) pass the validator, else why not. `section` names
// them in the message ("answer", "authority", "additional").
std::string check_records(const std::vector<std::string>& records,
                          const targets::DnsRecordValidator& validator, const std::string& section);

}  // namespace reachprobe::layers
