#pragma once
#include <span>
#include <string>

namespace reachprobe::cli {

// `reachprobe serve`: blackbox_exporter's flags and endpoints (/probe, /metrics, /config,
// /logs, /-/healthy, /-/ready, /-/reload, the landing page) under --web.route-prefix, on the
// probes' io_context. Returns the exit status: 2 for a bad flag, config or listen address.
int run_serve_command(std::span<const std::string> args);

}  // namespace reachprobe::cli
