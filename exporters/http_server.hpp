#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <boost/asio/ssl.hpp>

#include "engine/asio.hpp"
#include "exporters/http_request.hpp"
#include "exporters/web_config.hpp"

namespace reachprobe::exporters {

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using HttpHandler = std::function<net::awaitable<HttpResponse>(HttpRequest)>;

struct ServerSecurity {
  std::shared_ptr<net::ssl::context> tls;  // null: plain HTTP
  std::shared_ptr<BasicAuth> auth;         // null: no authentication
};

struct ServerLimits {
  // Connections held at once (--web.max-connections, bounded by engine::FdBudget).
  std::size_t max_connections = 512;
  // Descriptors kept open on /dev/null and given back only to accept() when the process is
  // out of them, so that /-/healthy and /metrics still get in while probes hold the rest.
  std::size_t spare_fds = 4;
};

// Accepts connections on the shared io_context and answers each request with `handler`
// (Boost.Beast; one coroutine per connection, keep-alive honoured, the limits of
// http_request.hpp answered 431/413/400, a request must arrive within 60 s), over TLS and
// behind basic auth when configured. At `limits.max_connections` the longest-idle connection
// is closed to admit a new one; out of descriptors (EMFILE, ENFILE, ENOBUFS, ENOMEM) it makes
// room the same way or from its spares, else backs off (50 ms doubling to 1 s) instead of
// retrying at once. A client that closes while its request runs fires request.client_gone.
net::awaitable<void> serve_http(net::ip::tcp::acceptor acceptor,
                                std::shared_ptr<HttpHandler> handler, ServerSecurity security,
                                ServerLimits limits = {});

// A server TLS context from the web config (certificate, key, minimum version, client CA).
targets::Expected<std::shared_ptr<net::ssl::context>> make_tls_context(const WebConfig& config);

}  // namespace reachprobe::exporters
