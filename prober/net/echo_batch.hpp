#pragma once
#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <vector>

#include "engine/asio.hpp"
#include "engine/icmp_error.hpp"

namespace reachprobe::net_io {

// The fate of one echo request. Filled in by the ICMP receive loop, read by the layer.
struct EchoOutcome {
  enum class Kind : std::uint8_t { unsent, pending, reply, error, send_failed };
  Kind kind = Kind::unsent;
  std::chrono::steady_clock::time_point sent_at;  // for per-echo timeouts
  timespec sent_wall{};  // CLOCK_REALTIME, comparable with kernel receive timestamps
  net::ip::address to;
  std::optional<std::uint16_t> seq;
  double rtt_seconds = 0;  // reply or error arrival minus send
  std::optional<int> reply_ttl;
  std::optional<engine::IcmpError> error;
  int send_errno = 0;
};

// A layer's set of echoes. The layer waits on it; the receive loop records outcomes and wakes
// the layer. Single-threaded: only the io_context thread touches it.
class EchoBatch {
 public:
  EchoBatch(net::any_io_executor executor, std::size_t size)
      : outcomes(size), wake_(std::move(executor)) {}

  std::vector<EchoOutcome> outcomes;
  // With track_settled, the indexes of outcomes the receive loop settled since the owner last
  // took them: a sweep of thousands of targets looks at those, not at every outcome per wake.
  bool track_settled = false;
  std::vector<std::size_t> settled;

  void notify() { wake_.cancel(); }
  void settle(std::size_t index) {
    if (track_settled) settled.push_back(index);
    notify();
  }
  // Returns when notified or at `until`, whichever comes first.
  net::awaitable<void> wait_until(std::chrono::steady_clock::time_point until) {
    wake_.expires_at(until);
    co_await wake_.async_wait(use_result);
  }

 private:
  net::steady_timer wake_;
};

}  // namespace reachprobe::net_io
