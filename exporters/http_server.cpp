#include "exporters/http_server.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace reachprobe::exporters {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

HttpRequest to_request(const http::request<http::string_body>& raw) {
  HttpRequest out;
  out.method = std::string(raw.method_string());
  std::string_view target = raw.target();
  auto question = target.find('?');
  out.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) {
    std::string_view query = target.substr(question + 1);
    while (!query.empty()) {
      auto amp = query.find('&');
      std::string_view pair = query.substr(0, amp);
      auto eq = pair.find('=');
      std::string key = percent_decode(pair.substr(0, eq));
      std::string value = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
      if (!key.empty() && !out.query.contains(key)) out.query[key] = value;  // first wins
      if (amp == std::string_view::npos) break;
      query = query.substr(amp + 1);
    }
  }
  if (auto it = raw.find("X-Prometheus-Scrape-Timeout-Seconds"); it != raw.end()) {
    out.scrape_timeout = std::string(it->value());
  }
  return out;
}

net::awaitable<void> serve_connection(beast::tcp_stream stream,
                                      std::shared_ptr<HttpHandler> handler) {
  beast::flat_buffer buffer;
  for (;;) {
    stream.expires_after(std::chrono::seconds(60));
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    parser.header_limit(16 * 1024);
    auto [read_error, bytes] = co_await http::async_read(stream, buffer, parser, use_result);
    (void)bytes;
    if (read_error) break;
    const auto& raw = parser.get();
    HttpResponse response = co_await (*handler)(to_request(raw));
    http::response<http::string_body> reply{static_cast<http::status>(response.status),
                                            raw.version()};
    reply.set(http::field::server, "reachprobe");
    reply.set(http::field::content_type, response.content_type);
    reply.keep_alive(raw.keep_alive());
    reply.body() = std::move(response.body);
    reply.prepare_payload();
    stream.expires_after(std::chrono::seconds(60));
    auto [write_error, written] = co_await http::async_write(stream, reply, use_result);
    (void)written;
    if (write_error || !reply.keep_alive()) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
}

}  // namespace

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

net::awaitable<void> serve_http(net::ip::tcp::acceptor acceptor,
                                std::shared_ptr<HttpHandler> handler) {
  auto executor = co_await net::this_coro::executor;
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(use_result);
    if (ec == net::error::operation_aborted) co_return;
    if (ec) continue;  // e.g. EMFILE: keep serving the connections we have
    net::co_spawn(executor, serve_connection(beast::tcp_stream(std::move(socket)), handler),
                  net::detached);
  }
}

}  // namespace reachprobe::exporters
