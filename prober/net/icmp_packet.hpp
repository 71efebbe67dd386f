#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "engine/asio.hpp"

namespace reachprobe::net_io {

// Echo packets and the ICMP messages that come back, with no I/O (mtr's construct/deconstruct
// split), so parsing hostile input is unit-tested on its own.

inline constexpr std::size_t kEchoPayloadSize = 48;

// ICMP(v6) echo request: 8-byte header + payload starting with a marker. The IPv4 checksum is
// computed here; for ICMPv6 the kernel fills it in.
std::vector<std::uint8_t> build_echo_request(bool v6, std::uint16_t id, std::uint16_t seq);

std::uint16_t internet_checksum(std::span<const std::uint8_t> bytes);

struct ParsedIcmp {
  enum class Kind : std::uint8_t { echo_reply, error, ignore };
  Kind kind = Kind::ignore;
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint16_t id = 0;  // of the reply, or of our echo quoted inside an error
  std::uint16_t seq = 0;
  std::optional<net::ip::address> source;              // outer IPv4 source (raw IPv4 only)
  std::optional<net::ip::address> quoted_destination;  // where our quoted packet was going
  std::optional<int> ttl;                              // outer IPv4 TTL (raw IPv4 only)
};

// A datagram from a raw IPv4 socket: IPv4 header + ICMP.
ParsedIcmp parse_ipv4_datagram(std::span<const std::uint8_t> packet);
// ICMP(v6) without an IP header: raw ICMPv6 sockets and ping sockets.
ParsedIcmp parse_icmp_message(std::span<const std::uint8_t> message, bool v6);
// The quoted echo header a ping socket's error queue returns: id and seq of our request.
std::optional<std::pair<std::uint16_t, std::uint16_t>> parse_quoted_echo(
    std::span<const std::uint8_t> payload, bool v6);

}  // namespace reachprobe::net_io
