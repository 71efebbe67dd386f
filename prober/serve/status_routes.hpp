#pragma once
#include <memory>
#include <optional>
#include <string>

#include "engine/asio.hpp"
#include "exporters/http_server.hpp"
#include "serve/serve_state.hpp"

namespace reachprobe::serve {

// /status, /status/{id}, /api/v1/targets, /api/v1/targets/{id} and
// /api/v1/targets/{id}/history (README "Status page and history API"); nullopt for any other
// path. The store's reads run on its worker; the board is read here on the io_context thread.
net::awaitable<std::optional<exporters::HttpResponse>> route_status(
    std::shared_ptr<ServeState> state, exporters::HttpRequest req, std::string path);

}  // namespace reachprobe::serve
