#pragma once
#include <nlohmann/json.hpp>
#include <vector>

#include "engine/probe_report.hpp"

namespace reachprobe::exporters {

// CONTRACT §4: one RESULT object per target, and the {"results": [...]} document.
nlohmann::ordered_json to_json(const engine::ProbeReport& report);
nlohmann::ordered_json to_json_document(const std::vector<engine::ProbeReport>& reports);

}  // namespace reachprobe::exporters
