#pragma once
#include "engine/evidence.hpp"
#include "targets/ssh_spec.hpp"

namespace reachprobe::host {

// Turns the facts of `evidence` into findings by the module's thresholds and critical peers,
// in a fixed order (return route, neighbours, mounts, blocked tasks, I/O pressure, NSS), each
// with the clause a summary says about it. Pure; replaces evidence.findings.
void assess(engine::HostEvidence& evidence, const targets::HostTriageSpec& spec);

// The findings as one clause: "replies to ... leave ...; the neighbour entry of ...".
std::string findings_text(const engine::HostEvidence& evidence);

}  // namespace reachprobe::host
