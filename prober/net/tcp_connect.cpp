#include "net/tcp_connect.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include "net/error_queue.hpp"

namespace reachprobe::net_io {

using namespace net::experimental::awaitable_operators;

net::awaitable<ConnectOutcome> tcp_connect(net::ip::tcp::endpoint endpoint, std::optional<int> ttl,
                                           engine::Deadline deadline) {
  ConnectOutcome outcome;
  auto started = std::chrono::steady_clock::now();
  auto executor = co_await net::this_coro::executor;
  net::ip::tcp::socket socket(executor);
  socket.open(endpoint.protocol(), outcome.error);
  if (outcome.error) co_return outcome;
  bool v6 = endpoint.address().is_v6();
  int fd = socket.native_handle();
  enable_error_queue(fd, v6);
  if (ttl) {
    int value = *ttl;
    if (v6)
      setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &value, sizeof value);
    else
      setsockopt(fd, IPPROTO_IP, IP_TTL, &value, sizeof value);
  }
  net::steady_timer timer(executor);
  timer.expires_at(deadline.when());
  // Both operations report errors as values, so `||` returns whichever finishes first and
  // cancels the other; a refused connect is never mistaken for a timeout.
  auto result =
      co_await (socket.async_connect(endpoint, use_result) || timer.async_wait(use_result));
  outcome.elapsed = std::chrono::steady_clock::now() - started;
  if (result.index() == 1) {
    outcome.timed_out = true;
    outcome.error = net::error::timed_out;
    abort_connection(socket);
    co_return outcome;
  }
  outcome.error = std::get<0>(std::get<0>(result));
  if (outcome.error) {
    // The kernel queued the ICMP error that aborted the connect, with its sender.
    while (auto queued = read_error_queue(fd)) {
      if (queued->icmp) outcome.icmp = queued->icmp;
    }
    co_return outcome;
  }
  outcome.socket.emplace(std::move(socket));
  co_return outcome;
}

void abort_connection(net::ip::tcp::socket& socket) {
  if (!socket.is_open()) return;
  boost::system::error_code ignored;
  socket.set_option(net::socket_base::linger(true, 0), ignored);
  socket.close(ignored);
}

}  // namespace reachprobe::net_io
