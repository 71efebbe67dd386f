#pragma once
#include <string_view>

#include "engine/evidence.hpp"

namespace reachprobe::host {

// Limits on what the parser keeps from a target's output, whatever the target sends.
inline constexpr std::size_t kMaxTriageLines = 4096;
inline constexpr std::size_t kMaxTriageLineBytes = 1024;

// Reads the output of host_triage.sh into the facts of a HostEvidence (no findings: see
// assess()). A pure function of its input: lines that are not the script's ("rpt <key> ...")
// are ignored, binary bytes become '?', and huge or truncated output gives whatever could be
// read, with `complete` false when the end marker never came. With a nonce, only markers
// carrying it begin and end the output, so nothing the target prints can end it early.
engine::HostEvidence parse_triage_output(std::string_view output, std::string_view nonce = {});

// The same address whatever its spelling (IPv6 zeros, case); plain text comparison when
// either is not an address.
bool same_address(std::string_view a, std::string_view b);

}  // namespace reachprobe::host
