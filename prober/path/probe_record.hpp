#pragma once
#include <chrono>
#include <cstdint>
#include <optional>

#include "engine/asio.hpp"
#include "engine/icmp_error.hpp"

namespace reachprobe::path {

// One TTL-limited probe of a trace and what became of it.
struct ProbeRecord {
  enum class Kind : std::uint8_t {
    pending,      // sent, no answer yet
    hop,          // a router answered time-exceeded
    destination,  // the target itself answered (SYN-ACK, RST, echo reply or an ICMP error)
    unreachable,  // a router refused to forward (or this host, with no ICMP: ARP failed)
    lost,         // no answer within its own wait
    in_flight,    // the layer ended before its own wait did: excluded from loss (as mtr)
    send_failed,  // never left this host
  };
  int ttl = 0;
  int round = 0;
  Kind kind = Kind::pending;
  std::chrono::steady_clock::time_point sent_at;
  double rtt_seconds = 0;
  std::optional<net::ip::address> from;
  std::optional<engine::IcmpError> error;
  int local_errno = 0;  // errno when this host failed the probe without any ICMP
};

}  // namespace reachprobe::path
