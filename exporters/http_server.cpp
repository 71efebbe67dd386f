#include "exporters/http_server.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "exporters/connection_table.hpp"

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

using Table = std::shared_ptr<ConnectionTable>;

// A connection's place in the table for as long as its coroutine lives.
class Registration {
 public:
  Registration(Table table, net::ip::tcp::socket& socket)
      : table_(std::move(table)), handle_(table_->add(socket)) {}
  ~Registration() { table_->remove(handle_); }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  void set_idle(bool idle) { table_->set_idle(handle_, idle); }

 private:
  Table table_;
  ConnectionTable::Handle handle_;
};

// Has the peer closed (FIN or RST)? POLLRDHUP says so even with unread bytes queued, and
// poll() reads nothing, so a pipelined request stays where the next read expects it.
bool peer_closed(int fd) {
  pollfd p{fd, POLLRDHUP, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

// Watches the client while its request runs and fires `gone` when it closes. The first wait
// costs nothing until the socket turns readable; if that was data (a pipelined request, a TLS
// record) and not the end, the peer is polled every 250 ms (a closed client is noticed
// within that, its probe cancelled well within a second).
net::awaitable<void> watch_peer(net::ip::tcp::socket& socket,
                                std::shared_ptr<engine::AbortSignal> gone) {
  auto [wait_error] = co_await socket.async_wait(net::socket_base::wait_read, use_result);
  if (wait_error) co_return;  // cancelled: the handler is done
  net::steady_timer timer(co_await net::this_coro::executor);
  for (;;) {
    if (peer_closed(socket.native_handle())) {
      gone->fire();
      co_return;
    }
    timer.expires_after(std::chrono::milliseconds(250));
    auto [timer_error] = co_await timer.async_wait(use_result);
    if (timer_error) co_return;
  }
}

// Runs the handler and then ends the watch on the client (`done`), exception or not.
net::awaitable<HttpResponse> call_handler(std::shared_ptr<HttpHandler> handler, HttpRequest request,
                                          std::shared_ptr<engine::AbortSignal> done) {
  struct FireOnExit {
    engine::AbortSignal& signal;
    ~FireOnExit() { signal.fire(); }
  } fire_on_exit{*done};
  co_return co_await (*handler)(std::move(request));
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
                                    std::shared_ptr<BasicAuth> auth, Registration& registration) {
  using namespace net::experimental::awaitable_operators;
  auto executor = co_await net::this_coro::executor;
  beast::flat_buffer buffer;
  for (;;) {
    registration.set_idle(true);
    // Idle (keep-alive) and header timeout in one: a request must arrive whole in 60 s.
    tcp_of(stream).expires_after(std::chrono::seconds(60));
    RequestParser parser;
    apply_request_limits(parser);
    auto [read_error, bytes] = co_await http::async_read(stream, buffer, parser, use_result);
    (void)bytes;
    if (read_error) {
      // A request the parser refused is answered, then the connection closed: after a bad
      // message the stream cannot be trusted to hold the next one where it seems to.
      if (unsigned status = status_for_read_error(read_error); status != 0) {
        registration.set_idle(false);
        co_await answer_refused(stream, status);
      }
      break;
    }
    registration.set_idle(false);
    // The handler may run for the whole scrape timeout: no read or write is pending, so the
    // stream's timer must not close the socket under it.
    tcp_of(stream).expires_never();
    const auto& raw = parser.get();
    HttpRequest request = to_request(raw);
    bool authorized = !auth || auth->allows(request.authorization);
    HttpResponse response{401, "text/plain; charset=utf-8", "Unauthorized\n"};
    auto gone = std::make_shared<engine::AbortSignal>(executor);
    if (authorized) {
      request.client_gone = gone;
      auto done = std::make_shared<engine::AbortSignal>(executor);
      auto [answer, watched] =
          co_await (call_handler(handler, std::move(request), done) &&
                    (watch_peer(tcp_of(stream).socket(), gone) || done->wait()));
      (void)watched;
      response = std::move(answer);
    }
    if (gone->fired()) break;  // nobody is left to read the answer
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
                                 std::shared_ptr<BasicAuth> auth, Table table) {
  Registration registration(std::move(table), stream.socket());
  co_await serve_requests(stream, handler, auth, registration);
  beast::error_code ignored;
  stream.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
}

net::awaitable<void> serve_tls(net::ip::tcp::socket socket, std::shared_ptr<net::ssl::context> tls,
                               std::shared_ptr<HttpHandler> handler,
                               std::shared_ptr<BasicAuth> auth, Table table) {
  beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls);
  Registration registration(std::move(table), beast::get_lowest_layer(stream).socket());
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
  auto [handshake_error] =
      co_await stream.async_handshake(net::ssl::stream_base::server, use_result);
  if (handshake_error) co_return;
  co_await serve_requests(stream, handler, auth, registration);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
  co_await stream.async_shutdown(use_result);
}

bool out_of_descriptors(const boost::system::error_code& ec) {
  return ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
         ec == net::error::no_memory ||
         (ec.category() == boost::system::system_category() && ec.value() == ENFILE);
}

// Over the cap with every connection busy: a 503 in one non-blocking send (best effort, the
// socket buffer of a fresh connection always takes it), then close, costing the loop nothing.
void refuse_busy(net::ip::tcp::socket& socket) {
  static const std::string body =
      "server busy: every connection up to --web.max-connections is running a request\n";
  static const std::string kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  [[maybe_unused]] auto sent =
      ::send(socket.native_handle(), kBusy.data(), kBusy.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  boost::system::error_code ignored;
  socket.close(ignored);
}

void start_connection(net::any_io_executor executor, net::ip::tcp::socket socket,
                      const std::shared_ptr<HttpHandler>& handler, const ServerSecurity& security,
                      const Table& table) {
  if (security.tls) {
    net::co_spawn(executor,
                  serve_tls(std::move(socket), security.tls, handler, security.auth, table),
                  net::detached);
  } else {
    net::co_spawn(executor,
                  serve_plain(beast::tcp_stream(std::move(socket)), handler, security.auth, table),
                  net::detached);
  }
}

}  // namespace

net::awaitable<void> serve_http(net::ip::tcp::acceptor acceptor,
                                std::shared_ptr<HttpHandler> handler, ServerSecurity security,
                                ServerLimits limits) {
  auto executor = co_await net::this_coro::executor;
  auto table = std::make_shared<ConnectionTable>(limits.max_connections, limits.spare_fds);
  net::steady_timer backoff_timer(executor);
  constexpr auto kFirstBackoff = std::chrono::milliseconds(50);
  constexpr auto kLastBackoff = std::chrono::milliseconds(1000);
  auto backoff = kFirstBackoff;
  boost::system::error_code ignored;
  // Non-blocking, so that a descriptor freed below is taken by accept() at once, before any
  // other handler on the loop can open a socket with it.
  acceptor.non_blocking(true, ignored);
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(use_result);
    if (ec == net::error::operation_aborted) co_return;
    if (ec && out_of_descriptors(ec)) {
      // Make room: an idle connection first, else one of the spares. With neither, wait:
      // retrying at once is what spun a core when the process was out of descriptors.
      if (table->evict_idle() || table->release_spare()) {
        socket = net::ip::tcp::socket(executor);
        acceptor.accept(socket, ec);
        if (ec == net::error::would_block || ec == net::error::try_again) continue;
      }
      if (ec) {
        backoff_timer.expires_after(backoff);
        co_await backoff_timer.async_wait(use_result);
        backoff = std::min(backoff * 2, kLastBackoff);
        continue;
      }
    } else if (ec) {
      continue;  // ECONNABORTED and the like: that connection is gone, the next may not be
    }
    backoff = kFirstBackoff;
    // At the cap, the longest-idle connection makes room; when every connection is running a
    // request, the new one is closed at once (clients retry; nothing queues unbounded).
    if (table->full() && !table->evict_idle()) {
      refuse_busy(socket);
      continue;
    }
    start_connection(executor, std::move(socket), handler, security, table);
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
