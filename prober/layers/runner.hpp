#pragma once
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

}  // namespace reachprobe::layers
