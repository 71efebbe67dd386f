#pragma once
#include <chrono>
#include <optional>

#include "engine/asio.hpp"
#include "engine/deadline.hpp"
#include "engine/icmp_error.hpp"

namespace reachprobe::net_io {

// The result of one non-blocking TCP connect, with the ICMP error (from the socket's error
// queue) that ended it, if any: ECONNREFUSED alone is a RST; with ICMP 3/3 it is a port
// unreachable; EHOSTUNREACH with 11/0 is a router's time-exceeded (notes §6).
struct ConnectOutcome {
  boost::system::error_code error;  // empty on success
  bool timed_out = false;
  std::optional<engine::IcmpError> icmp;
  std::chrono::nanoseconds elapsed{0};
  std::optional<net::ip::tcp::socket> socket;  // the connected socket on success
};

// Connects to `endpoint` by `deadline`; with `ttl`, the SYN is TTL-limited (a path probe).
// Never throws: every outcome is a value.
net::awaitable<ConnectOutcome> tcp_connect(net::ip::tcp::endpoint endpoint, std::optional<int> ttl,
                                           engine::Deadline deadline);

// Closes with a RST (SO_LINGER 0) so a path probe leaves no connection on the target.
void abort_connection(net::ip::tcp::socket& socket);

}  // namespace reachprobe::net_io
