#pragma once
// The one place Asio is included from. <utility> first: Asio's awaitable.hpp uses std::exchange
// without including it under GCC 12 in C++20 mode.
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

namespace reachprobe {
namespace net = boost::asio;

// Completion token for operations whose errors are outcomes, not exceptions: the result is a
// tuple (error_code, value...). Only such operations may be raced with `||` (see with_deadline).
inline constexpr auto use_result = net::as_tuple(net::use_awaitable);
}  // namespace reachprobe
