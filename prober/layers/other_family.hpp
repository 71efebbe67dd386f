#pragma once
#include <memory>
#include <optional>

#include "engine/asio.hpp"
#include "engine/probe_report.hpp"
#include "layers/probe_session.hpp"

namespace reachprobe::layers {

// Dual-stack divergence: when the name has both A and AAAA records and the family in use has
// not connected (or, for a bare host, answered echo) after a head start of a fifth of the
// budget (at most a second), probes the other family's first address beside it, within the
// same deadline: TCP to the same port (icmp as evidence), or echo for a bare host. nullopt
// when not needed. A healthy target answers within the head start and costs nothing more.
net::awaitable<std::optional<engine::OtherFamilyProbe>> run_other_family(
    std::shared_ptr<Services> services, ProbeSession& session,
    std::shared_ptr<const ProbeOptions> options);

// True when the family in use failed at the path or transport layers, so the other family's
// result belongs in the report.
bool failed_below_application(const ProbeReport& report);

}  // namespace reachprobe::layers
