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

// Accepts connections on the shared io_context and answers each request with `handler`
// (Boost.Beast; one coroutine per connection, keep-alive honoured, requests capped at 64 KiB,
// idle connections closed after 60 s), over TLS and behind basic auth when configured.
net::awaitable<void> serve_http(net::ip::tcp::acceptor acceptor,
                                std::shared_ptr<HttpHandler> handler, ServerSecurity security);

// A server TLS context from the web config (certificate, key, minimum version, client CA).
targets::Expected<std::shared_ptr<net::ssl::context>> make_tls_context(const WebConfig& config);

}  // namespace reachprobe::exporters
