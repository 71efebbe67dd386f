#pragma once
#include <string>

#include "engine/probe_report.hpp"

namespace reachprobe::classify {

// One sentence that states the evidence behind the verdict in falsifiable terms: what was
// sent, what came back from whom and when, and what that means for the operator.
std::string summarize(const engine::ProbeReport& report, const engine::Verdict& verdict);

// "0.42 ms", "3.0 s": durations as the summaries print them.
std::string format_seconds(double seconds);

}  // namespace reachprobe::classify
