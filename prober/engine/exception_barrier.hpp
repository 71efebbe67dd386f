#pragma once
#include <exception>
#include <string>
#include <utility>

#include "engine/asio.hpp"
#include "targets/expected.hpp"

namespace reachprobe::engine {

// Awaits `work` and hands back its value, or the text of the exception it threw. Exceptions
// are bugs here, never network outcomes (STYLE R6): this barrier goes around every spawned
// unit of work (a /probe request, a check target, a scheduled run) so that one bug fails that
// unit, is reported and counted by the caller, and never ends the daemon or vanishes in a
// detached coroutine.
template <typename T>
net::awaitable<targets::Expected<T>> catch_bugs(net::awaitable<T> work) {
  std::string what;
  try {
    co_return co_await std::move(work);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "unknown exception";
  }
  co_return targets::Expected<T>::failure(what.empty() ? "exception without a message" : what);
}

}  // namespace reachprobe::engine
