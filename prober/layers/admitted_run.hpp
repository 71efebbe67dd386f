#pragma once
#include <memory>

#include "engine/abort_signal.hpp"
#include "engine/asio.hpp"
#include "engine/probe_report.hpp"
#include "layers/probe_session.hpp"

namespace reachprobe::layers {

using engine::AbortSignal;

// run_target for `serve`'s /probe: refused up front (a report with prober_error, nothing
// sent) when the process's FdBudget says there are not enough descriptors or too many probes,
// and ended early, its sockets closed before this returns, when `abort` fires (the scrape's
// client went away). A cancelled probe's report has prober_error set too.
net::awaitable<ProbeReport> run_admitted(std::shared_ptr<Services> services, targets::Target target,
                                         LayerPlan plan,
                                         std::shared_ptr<const ProbeOptions> options,
                                         std::shared_ptr<AbortSignal> abort);

// Probes run_admitted is running now (for tests and the budget).
std::size_t probes_in_flight();

}  // namespace reachprobe::layers
