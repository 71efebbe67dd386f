#include "exporters/http_server.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace reachprobe::exporters {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

template <typename Stream>
beast::tcp_stream& tcp_of(Stream& stream) {
  if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
    return stream;
  } else {
    return beast::get_lowest_layer(stream);
  }
}

const char* refusal_text(unsigned status) {
  switch (status) {
    case 431:
      return "Request header fields too large\n";
    case 413:
      return "Request body too large\n";
    default:
      return "Bad request\n";
  }
}

template <typename Stream>
net::awaitable<void> answer_refused(Stream& stream, unsigned status) {
  http::response<http::string_body> reply{static_cast<http::status>(status), 11};
  reply.set(http::field::server, "reachprobe");
  reply.set(http::field::content_type, "text/plain; charset=utf-8");
  reply.keep_alive(false);
  reply.body() = refusal_text(status);
  reply.prepare_payload();
  tcp_of(stream).expires_after(std::chrono::seconds(5));
  co_await http::async_write(stream, reply, use_result);
}

// Reads requests and answers them until the client closes or stops keeping alive. Basic
// auth, when configured, guards every endpoint (as exporter-toolkit does).
template <typename Stream>
net::awaitable<void> serve_requests(Stream& stream, std::shared_ptr<HttpHandler> handler,
                                    std::shared_ptr<BasicAuth> auth) {
  beast::flat_buffer buffer;
  for (;;) {
    tcp_of(stream).expires_after(std::chrono::seconds(60));
    RequestParser parser;
    apply_request_limits(parser);
    auto [read_error, bytes] = co_await http::async_read(stream, buffer, parser, use_result);
    (void)bytes;
    if (read_error) {
      // A request the parser refused is answered, then the connection closed: after a bad
      // message the stream cannot be trusted to hold the next one where it seems to.
      if (unsigned status = status_for_read_error(read_error); status != 0) {
        co_await answer_refused(stream, status);
      }
      break;
    }
    const auto& raw = parser.get();
    HttpRequest request = to_request(raw);
    bool authorized = !auth || auth->allows(request.authorization);
    HttpResponse response{401, "text/plain; charset=utf-8", "Unauthorized\n"};
    if (authorized) response = co_await (*handler)(std::move(request));
    http::response<http::string_body> reply{static_cast<http::status>(response.status),
                                            raw.version()};
    reply.set(http::field::server, "reachprobe");
    reply.set(http::field::content_type, response.content_type);
    if (!authorized) reply.set(http::field::www_authenticate, "Basic");
    reply.keep_alive(raw.keep_alive());
    reply.body() = std::move(response.body);
    reply.prepare_payload();
    tcp_of(stream).expires_after(std::chrono::seconds(60));
    auto [write_error, written] = co_await http::async_write(stream, reply, use_result);
    (void)written;
    if (write_error || !reply.keep_alive()) break;
  }
}

net::awaitable<void> serve_plain(beast::tcp_stream stream, std::shared_ptr<HttpHandler> handler,
                                 std::shared_ptr<BasicAuth> auth) {
  co_await serve_requests(stream, handler, auth);
  beast::error_code ignored;
  stream.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
}

net::awaitable<void> serve_tls(net::ip::tcp::socket socket, std::shared_ptr<net::ssl::context> tls,
                               std::shared_ptr<HttpHandler> handler,
                               std::shared_ptr<BasicAuth> auth) {
  beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
  auto [handshake_error] =
      co_await stream.async_handshake(net::ssl::stream_base::server, use_result);
  if (handshake_error) co_return;
  co_await serve_requests(stream, handler, auth);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
  co_await stream.async_shutdown(use_result);
}

}  // namespace

net::awaitable<void> serve_http(net::ip::tcp::acceptor acceptor,
                                std::shared_ptr<HttpHandler> handler, ServerSecurity security) {
  auto executor = co_await net::this_coro::executor;
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(use_result);
    if (ec == net::error::operation_aborted) co_return;
    if (ec) continue;  // e.g. EMFILE: keep serving the connections we have
    if (security.tls) {
      net::co_spawn(executor, serve_tls(std::move(socket), security.tls, handler, security.auth),
                    net::detached);
    } else {
      net::co_spawn(executor,
                    serve_plain(beast::tcp_stream(std::move(socket)), handler, security.auth),
                    net::detached);
    }
  }
}

targets::Expected<std::shared_ptr<net::ssl::context>> make_tls_context(const WebConfig& config) {
  using Result = targets::Expected<std::shared_ptr<net::ssl::context>>;
  auto context = std::make_shared<net::ssl::context>(net::ssl::context::tls_server);
  boost::system::error_code ec;
  context->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                           net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                           net::ssl::context::no_tlsv1_1,
                       ec);
  if (config.min_version == "TLS13") context->set_options(net::ssl::context::no_tlsv1_2, ec);
  context->use_certificate_chain_file(*config.cert_file, ec);
  if (ec) return Result::failure("web config: cannot load cert_file " + *config.cert_file);
  context->use_private_key_file(*config.key_file, net::ssl::context::pem, ec);
  if (ec) return Result::failure("web config: cannot load key_file " + *config.key_file);
  if (config.client_ca_file) {
    context->load_verify_file(*config.client_ca_file, ec);
    if (ec) {
      return Result::failure("web config: cannot load client_ca_file " + *config.client_ca_file);
    }
  }
  if (config.client_auth_type == "RequireAndVerifyClientCert") {
    context->set_verify_mode(net::ssl::verify_peer | net::ssl::verify_fail_if_no_peer_cert);
  } else if (config.client_auth_type == "VerifyClientCertIfGiven") {
    context->set_verify_mode(net::ssl::verify_peer);
  }
  return context;
}

}  // namespace reachprobe::exporters
