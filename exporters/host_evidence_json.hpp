#pragma once
#include <nlohmann/json.hpp>

#include "engine/evidence.hpp"

namespace reachprobe::exporters {

// The host layer's fields in `check --json` and /api/v1 (README "Inside evidence"): facts as
// measured (null: not measured), then the findings with their reason and clause.
nlohmann::json host_evidence_json(const engine::HostEvidence& evidence);

}  // namespace reachprobe::exporters
