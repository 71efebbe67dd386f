#pragma once
#include <chrono>
#include <memory>

#include "engine/asio.hpp"
#include "engine/probe_report.hpp"
#include "layers/probe_session.hpp"

namespace reachprobe::layers {

// Runs one target's layer plan within options->timeout and classifies the outcome. Takes its
// arguments by value/shared_ptr because it is co_spawned (STYLE R15a). The options are shared,
// not copied: they are 2.6 KB, and every copy lived in a coroutine frame for the whole probe
// (a sweep of thousands of targets held several per target in flight).
net::awaitable<ProbeReport> run_target(std::shared_ptr<Services> services, targets::Target target,
                                       LayerPlan plan, std::shared_ptr<const ProbeOptions> options);

// A bug, never a network outcome, stopped the probe: the report says so rather than invent a
// reason.
ProbeReport internal_error_report(targets::Target target, std::string module,
                                  const std::string& what);

// The end of every probe, run_target's and the echo sweep's: the duration since `started`, the
// prober's own missing libraries, and the verdict.
void finish_report(const ProbeSession& session, ProbeReport& report,
                   std::chrono::steady_clock::time_point started);

}  // namespace reachprobe::layers
