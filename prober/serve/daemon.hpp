#pragma once
#include <ostream>

#include "serve/serve_settings.hpp"
#include "targets/module.hpp"

namespace reachprobe::serve {

// The daemon of `reachprobe serve`: listens, serves blackbox_exporter's endpoints (/probe,
// /metrics, /config, /logs, /-/healthy, /-/ready, /-/reload, the landing page) under
// --web.route-prefix, runs the scheduled targets, and reloads on SIGHUP, all on one
// io_context until SIGINT/SIGTERM. Returns the exit status: 2 (reason on `errors`) when the
// listen address or the web config cannot be used.
int run_daemon(ServeFlags flags, targets::Config config, std::ostream& errors);

}  // namespace reachprobe::serve
