#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/asio.hpp"
#include "engine/deadline.hpp"
#include "net/icmp_service.hpp"
#include "path/probe_record.hpp"

namespace reachprobe::path {

struct TraceConfig {
  net::ip::address target;
  std::optional<std::uint16_t> port;  // set: TCP SYN probes toward it; unset: ICMP echo
  int rounds = 3;
  int max_ttl = 30;
  std::chrono::nanoseconds round_interval{std::chrono::milliseconds(100)};
  // Gap between TTLs within a round: keeps routers under their ICMP rate limits (notes §6).
  std::chrono::nanoseconds pacing{std::chrono::milliseconds(3)};
  std::chrono::nanoseconds probe_wait{std::chrono::seconds(1)};
};

// MTR-style trace: every round sends TTL 1, 2, ... with light pacing, all in flight at once,
// and stops at the destination. TCP probes are TTL-limited non-blocking connects whose
// time-exceeded is read from the socket's error queue, so no raw socket is needed; a probe
// that reaches the target is reset at once, leaving no connection behind.
net::awaitable<std::vector<ProbeRecord>> trace(net_io::IcmpService& icmp, TraceConfig config,
                                               engine::Deadline deadline);

}  // namespace reachprobe::path
