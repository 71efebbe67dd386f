#include "layers/head_start.hpp"

#include <algorithm>
#include <chrono>

namespace reachprobe::layers {
namespace {

bool answered(const ProbeSession& session) {
  return session.target.port ? session.tcp_connected.value_or(false)
                             : session.icmp_answered.value_or(false);
}

bool settled(const ProbeSession& session) {
  return session.target.port ? session.tcp_connected.has_value()
                             : session.icmp_answered.has_value();
}

}  // namespace

net::awaitable<bool> front_door_answered(net::any_io_executor executor, ProbeSession& session) {
  auto head_start =
      std::min<std::chrono::nanoseconds>(std::chrono::seconds(1), session.options.timeout / 5);
  auto until = std::chrono::steady_clock::now() + head_start;
  // Polled: the layers that settle it know nothing of their companions.
  net::steady_timer timer(executor);
  while (!settled(session) && std::chrono::steady_clock::now() < until) {
    timer.expires_after(std::chrono::milliseconds(50));
    co_await timer.async_wait(net::use_awaitable);
  }
  co_return answered(session);
}

}  // namespace reachprobe::layers
