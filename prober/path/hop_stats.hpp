#pragma once
#include <string>
#include <vector>

#include "engine/evidence.hpp"
#include "path/probe_record.hpp"

namespace reachprobe::path {

// Folds a trace's probe records into per-hop statistics and the facts the classifier needs
// (destination TTL, the first unreachable, a local routing failure). Pure: unit-tested.
engine::PathEvidence summarize_trace(const std::vector<ProbeRecord>& records, std::string method);

}  // namespace reachprobe::path
