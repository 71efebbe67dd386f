#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/asio.hpp"
#include "engine/icmp_error.hpp"
#include "engine/rtt_stats.hpp"

namespace reachprobe::engine {

// Layer-specific facts. The classifier reads them; reports print them. One struct per layer.

struct DnsEvidence {
  std::string name;
  std::string server;          // "system" or the --dns.server value
  std::string query_types;     // "A", "AAAA" or "A+AAAA"
  int rcode = -1;              // of the decisive answer; -1 when no answer arrived
  bool ip_literal = false;     // no query was needed
  std::vector<net::ip::address> addresses;
};

struct IcmpEvidence {
  std::string socket_kind;  // "raw" or "dgram"; empty when no socket could be opened
  RttStats stats;
  std::optional<int> reply_ttl;
  std::vector<IcmpError> errors;  // unreachable/prohibited answers, with their senders
  std::size_t in_flight = 0;      // cut off by the deadline before their own timeout
  int local_error = 0;            // errno when echoes could not leave this host
};

struct HopStats {
  int ttl = 0;
  std::optional<net::ip::address> address;  // the first address that answered at this TTL
  std::vector<net::ip::address> other_addresses;  // ECMP or route changes
  RttStats stats;
  bool is_destination = false;
};

struct PathEvidence {
  std::string method;  // "tcp-syn" (toward the port) or "icmp-echo" (bare host)
  std::vector<HopStats> hops;
  std::optional<int> destination_ttl;   // TTL at which the target itself answered
  std::optional<IcmpError> unreachable;  // a router (or the target) refused to forward
  std::optional<int> unreachable_ttl;    // probe TTL that drew that error
  std::optional<int> local_error;  // errno when this host failed probes without any ICMP
  bool local_no_route = false;     // the prober has no route (ENETUNREACH, nothing sent)
  std::size_t in_flight = 0;
};

struct TcpEvidence {
  net::ip::address address;
  std::uint16_t port = 0;
  std::optional<IcmpError> icmp;  // the ICMP error that ended the connect, if any
  int error_number = 0;           // errno of the failed connect, 0 on success
  std::string error_text;
};

using Evidence = std::variant<std::monostate, DnsEvidence, IcmpEvidence, PathEvidence, TcpEvidence>;

}  // namespace reachprobe::engine
