#pragma once
// One DNS query sent to one server and its response read back, over UDP, TCP or TCP+TLS
// (DNS over TLS), as blackbox's dns prober does with miekg/dns's Client.Exchange: one
// attempt, no retry, no fallback from a truncated UDP answer to TCP.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/asio.hpp"
#include "engine/deadline.hpp"
#include "engine/icmp_error.hpp"
#include "net/tls_client.hpp"

namespace reachprobe::net_io {

struct DnsExchangeRequest {
  net::ip::address server;
  std::uint16_t port = 53;
  bool tcp = false;
  bool tls = false;  // DNS over TLS (needs tcp)
  targets::TlsSpec tls_config;
  std::string tls_server_name;  // default SNI/name check: the target as given
  std::vector<std::uint8_t> query;
  std::uint16_t id = 0;
};

struct DnsExchangeOutcome {
  std::vector<std::uint8_t> response;  // empty unless a response arrived
  bool timed_out = false;
  bool refused = false;                    // connection refused, or ICMP port unreachable for UDP
  std::string error;                       // what went wrong, for the layer's detail
  std::optional<TlsHandshakeOutcome> tls;  // DNS over TLS: the handshake
  // As blackbox splits them: connect = total - request, request = first write to response.
  std::chrono::nanoseconds connect{0};
  std::chrono::nanoseconds request{0};
};

net::awaitable<DnsExchangeOutcome> dns_exchange(DnsExchangeRequest request,
                                                engine::Deadline deadline);

}  // namespace reachprobe::net_io
