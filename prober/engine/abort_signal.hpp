#pragma once
#include <memory>

#include "engine/asio.hpp"

namespace reachprobe::engine {

// A one-shot "stop now" shared between whoever notices a reason to stop (the HTTP server,
// when a /probe client closes its connection) and the work that should stop (the probe).
// wait() never throws, so it may be raced with `||` (STYLE R7).
class AbortSignal {
 public:
  explicit AbortSignal(net::any_io_executor executor)
      : timer_(std::move(executor), net::steady_timer::time_point::max()) {}

  void fire() {
    fired_ = true;
    timer_.cancel();
  }
  bool fired() const { return fired_; }

  // Completes once fire() is called, or when the wait itself is cancelled (the race it is in
  // was won by the other side).
  net::awaitable<void> wait() {
    if (fired_) co_return;
    co_await timer_.async_wait(use_result);
  }

 private:
  // Never expires: cancel() is the signal, and it wakes every waiter at once.
  net::steady_timer timer_;
  bool fired_ = false;
};

}  // namespace reachprobe::engine
