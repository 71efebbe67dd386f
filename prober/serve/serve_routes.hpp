#pragma once
#include <memory>
#include <optional>
#include <string>

#include "engine/asio.hpp"
#include "exporters/http_server.hpp"
#include "serve/serve_state.hpp"

namespace reachprobe::serve {

// The endpoint a request path names under the route prefix ("/" or "/a/b/"): "/bb/probe" ->
// "/probe", and the prefix itself with or without its trailing slash -> "/". Nullopt when the
// path lies outside the prefix.
std::optional<std::string> strip_route_prefix(const std::string& path, const std::string& prefix);

// Answers one request: /probe, /metrics, /config, /logs, /-/healthy, /-/ready, /-/reload and
// the landing page, all under --web.route-prefix; anything else is 404.
net::awaitable<exporters::HttpResponse> route(std::shared_ptr<ServeState> state,
                                              exporters::HttpRequest req);

}  // namespace reachprobe::serve
