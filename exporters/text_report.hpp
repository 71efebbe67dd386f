#pragma once
#include <string>
#include <vector>

#include "engine/probe_report.hpp"

namespace reachprobe::exporters {

// The human report: per target a ladder of layers, the hop table, the verdict and its
// sentence; with several targets, a side-by-side table (one column per target, one row per
// layer) so a working node and a failing one can be compared at a glance.
std::string render_text(const std::vector<engine::ProbeReport>& reports);
std::string render_ladder(const engine::ProbeReport& report);
std::string render_side_by_side(const std::vector<engine::ProbeReport>& reports);

}  // namespace reachprobe::exporters
