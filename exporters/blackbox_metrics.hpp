#pragma once
#include <prometheus/registry.h>

#include <memory>
#include <string>

#include "engine/probe_report.hpp"

namespace reachprobe::exporters {

// One /probe answer as blackbox_exporter shapes it: a fresh registry holding probe_success,
// probe_duration_seconds and the prober's blackbox metric names (same meanings), plus
// reachprobe's layer metrics (CONTRACT §5). `prober` is the module's kind ("http", "tcp", ...).
std::shared_ptr<prometheus::Registry> probe_registry(const engine::ProbeReport& report,
                                                     const std::string& prober);

// Text exposition format 0.0.4.
std::string serialize(const prometheus::Registry& registry);

}  // namespace reachprobe::exporters
