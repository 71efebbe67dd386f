#include "engine/probe_session.hpp"

#include <algorithm>

namespace reachprobe::engine {

std::chrono::nanoseconds ProbeSession::probe_interval() const {
  using namespace std::chrono_literals;
  auto count = std::max(options.count, 1);
  auto fit = options.timeout / 2 / count;
  return std::clamp<std::chrono::nanoseconds>(fit, 1ms, 100ms);
}

std::chrono::nanoseconds ProbeSession::probe_wait() const {
  using namespace std::chrono_literals;
  return std::clamp<std::chrono::nanoseconds>(options.timeout / 4, 500ms, 2s);
}

}  // namespace reachprobe::engine
