#pragma once
#include <chrono>
#include <memory>

#include "engine/asio.hpp"
#include "exporters/http_server.hpp"
#include "serve/serve_state.hpp"

namespace reachprobe::serve {

// The longest a /probe may run, whatever the scrape header or the module says (README,
// "Exporter limits"): Prometheus' own scrape_timeout is rarely above a minute.
inline constexpr std::chrono::duration<double> kMaxProbeTimeout{300.0};

// blackbox's rule: the scrape timeout (X-Prometheus-Scrape-Timeout-Seconds, default 120 s)
// minus `offset`, unless the module's own timeout is shorter (or the difference is negative),
// then clamped to [1 ms, kMaxProbeTimeout]. An unparsable or non-finite header is an error
// (blackbox answers 500).
targets::Expected<std::chrono::nanoseconds> probe_timeout(const exporters::HttpRequest& req,
                                                          const targets::Module& module,
                                                          double offset);

// GET /probe?target=&module=[&debug=true]: one probe, a fresh registry, blackbox's errors.
// The result goes into the landing page's history.
net::awaitable<exporters::HttpResponse> handle_probe(std::shared_ptr<ServeState> state,
                                                     exporters::HttpRequest req);

}  // namespace reachprobe::serve
