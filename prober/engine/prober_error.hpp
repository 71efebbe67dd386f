#pragma once
#include <optional>
#include <string>

#include "engine/probe_report.hpp"

namespace reachprobe::engine {

// When a layer failed because this process ran out of something (descriptors: EMFILE,
// ENFILE; kernel memory: ENOBUFS, ENOMEM), the sentence saying so: the prober failed, not the
// network, so the verdict must not blame a layer (README "Exporter limits": /probe answers
// 503 with it; check reports it and exits 1). nullopt when no layer says so.
std::optional<std::string> prober_exhaustion(const ProbeReport& report);

}  // namespace reachprobe::engine
