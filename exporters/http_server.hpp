#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "engine/asio.hpp"

namespace reachprobe::exporters {

struct HttpRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;   // percent-decoded
  std::optional<std::string> scrape_timeout;  // X-Prometheus-Scrape-Timeout-Seconds
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using HttpHandler = std::function<net::awaitable<HttpResponse>(HttpRequest)>;

// Accepts connections on the shared io_context and answers each request with `handler`
// (Boost.Beast; one coroutine per connection, keep-alive honoured, requests capped at 64 KiB,
// idle connections closed after 60 s).
net::awaitable<void> serve_http(net::ip::tcp::acceptor acceptor,
                                std::shared_ptr<HttpHandler> handler);

// "%3A" -> ":" and "+" -> " ", as a query string is decoded.
std::string percent_decode(std::string_view text);

}  // namespace reachprobe::exporters
