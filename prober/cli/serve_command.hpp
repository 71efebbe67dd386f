#pragma once
#include <span>
#include <string>

namespace reachprobe::cli {

// `reachprobe serve`: blackbox_exporter's /probe, /metrics, /-/healthy, /-/ready, /-/reload
// on the probes' io_context.
int run_serve_command(std::span<const std::string> args);

}  // namespace reachprobe::cli
