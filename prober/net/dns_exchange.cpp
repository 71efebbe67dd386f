#include "net/dns_exchange.hpp"

#include <array>

#include "net/tcp_connect.hpp"

namespace reachprobe::net_io {
namespace {

using namespace net::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;

// Reads datagrams until one carries the query's id: a stray or spoofed answer is not ours.
net::awaitable<void> exchange_udp(const DnsExchangeRequest& request, engine::Deadline deadline,
                                  DnsExchangeOutcome& outcome) {
  auto executor = co_await net::this_coro::executor;
  net::ip::udp::endpoint server(request.server, request.port);
  net::ip::udp::socket socket(executor);
  boost::system::error_code ec;
  socket.open(server.protocol(), ec);
  // connect() makes the kernel report an ICMP port unreachable as ECONNREFUSED on receive.
  if (!ec) socket.connect(server, ec);
  if (ec) {
    outcome.error = ec.message();
    co_return;
  }
  auto sent_at = Clock::now();
  socket.send(net::buffer(request.query), 0, ec);
  if (ec) {
    outcome.refused = ec == net::error::connection_refused;
    outcome.error = ec.message();
    co_return;
  }
  std::vector<std::uint8_t> buffer(65535);
  net::steady_timer timer(executor);
  timer.expires_at(deadline.when());
  for (;;) {
    auto got = co_await (socket.async_receive(net::buffer(buffer), use_result) ||
                         timer.async_wait(use_result));
    outcome.request = Clock::now() - sent_at;
    if (got.index() == 1) {
      outcome.timed_out = true;
      co_return;
    }
    auto [error, n] = std::get<0>(got);
    if (error) {
      outcome.refused = error == net::error::connection_refused;
      outcome.error = error.message();
      co_return;
    }
    if (n < 2 || ((buffer[0] << 8) | buffer[1]) != request.id) continue;
    outcome.response.assign(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
    co_return;
  }
}

template <typename Stream>
net::awaitable<void> exchange_stream(Stream& stream, const DnsExchangeRequest& request,
                                     engine::Deadline deadline, DnsExchangeOutcome& outcome) {
  auto executor = co_await net::this_coro::executor;
  std::vector<std::uint8_t> framed;
  framed.push_back(static_cast<std::uint8_t>(request.query.size() >> 8));
  framed.push_back(static_cast<std::uint8_t>(request.query.size() & 0xff));
  framed.insert(framed.end(), request.query.begin(), request.query.end());
  auto sent_at = Clock::now();
  net::steady_timer timer(executor);
  timer.expires_at(deadline.when());
  auto wrote = co_await (net::async_write(stream, net::buffer(framed), use_result) ||
                         timer.async_wait(use_result));
  if (wrote.index() == 1) {
    outcome.timed_out = true;
    co_return;
  }
  if (auto [error, n] = std::get<0>(wrote); error) {
    outcome.error = error.message();
    co_return;
  }
  std::array<std::uint8_t, 2> length{};
  auto head = co_await (net::async_read(stream, net::buffer(length), use_result) ||
                        timer.async_wait(use_result));
  if (head.index() == 1) {
    outcome.request = Clock::now() - sent_at;
    outcome.timed_out = true;
    co_return;
  }
  if (auto [error, n] = std::get<0>(head); error) {
    outcome.request = Clock::now() - sent_at;
    outcome.error = error == net::error::eof ? "the server closed the connection without answering"
                                             : error.message();
    co_return;
  }
  std::vector<std::uint8_t> body(static_cast<std::size_t>((length[0] << 8) | length[1]));
  auto rest = co_await (net::async_read(stream, net::buffer(body), use_result) ||
                        timer.async_wait(use_result));
  outcome.request = Clock::now() - sent_at;
  if (rest.index() == 1) {
    outcome.timed_out = true;
    co_return;
  }
  if (auto [error, n] = std::get<0>(rest); error) {
    outcome.error = "the answer was cut short: " + error.message();
    co_return;
  }
  // One query per connection: an answer under another id is not an answer to it.
  if (body.size() < 2 || ((body[0] << 8) | body[1]) != request.id) {
    outcome.error =
        body.empty() ? "the server sent an empty answer" : "the answer carries another query's id";
    co_return;
  }
  outcome.response = std::move(body);
}

net::awaitable<void> exchange_tcp(const DnsExchangeRequest& request, engine::Deadline deadline,
                                  DnsExchangeOutcome& outcome) {
  auto connected = co_await tcp_connect(net::ip::tcp::endpoint(request.server, request.port),
                                        std::nullopt, deadline);
  if (connected.error) {
    outcome.timed_out = connected.timed_out;
    outcome.refused = connected.error == net::error::connection_refused;
    outcome.error = connected.timed_out ? "" : connected.error.message();
    co_return;
  }
  if (!request.tls) {
    co_await exchange_stream(*connected.socket, request, deadline, outcome);
    abort_connection(*connected.socket);
    co_return;
  }
  auto tls = co_await tls_handshake(std::move(*connected.socket), request.tls_config,
                                    request.tls_server_name, deadline);
  auto connection = std::move(tls.connection);
  bool failed = !tls.error.empty() || tls.timed_out;
  outcome.tls = std::move(tls);
  if (failed) {
    outcome.timed_out = outcome.tls->timed_out;
    outcome.error = "TLS handshake failed: " + outcome.tls->error;
    co_return;
  }
  co_await exchange_stream(connection->stream, request, deadline, outcome);
  boost::system::error_code ignored;
  connection->stream.next_layer().close(ignored);
}

}  // namespace

net::awaitable<DnsExchangeOutcome> dns_exchange(DnsExchangeRequest request,
                                                engine::Deadline deadline) {
  DnsExchangeOutcome outcome;
  auto started = Clock::now();
  if (request.tcp)
    co_await exchange_tcp(request, deadline, outcome);
  else
    co_await exchange_udp(request, deadline, outcome);
  outcome.connect =
      std::max(std::chrono::nanoseconds(0), (Clock::now() - started) - outcome.request);
  co_return outcome;
}

}  // namespace reachprobe::net_io
