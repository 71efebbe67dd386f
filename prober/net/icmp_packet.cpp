#include "net/icmp_packet.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace reachprobe::net_io {
namespace {

constexpr std::array<std::uint8_t, 8> kMarker = {'r', 'e', 'a', 'c', 'h', 'p', 'r', 'b'};
constexpr std::uint8_t kV4EchoRequest = 8, kV4EchoReply = 0, kV4Unreachable = 3,
                       kV4TimeExceeded = 11;
constexpr std::uint8_t kV6EchoRequest = 128, kV6EchoReply = 129, kV6Unreachable = 1,
                       kV6TimeExceeded = 3;
constexpr std::uint8_t kProtoIcmp = 1, kProtoIcmpV6 = 58;

std::uint16_t read16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

net::ip::address_v4 read_v4(std::span<const std::uint8_t> b, std::size_t at) {
  net::ip::address_v4::bytes_type bytes;
  std::copy_n(b.begin() + static_cast<std::ptrdiff_t>(at), 4, bytes.begin());
  return net::ip::address_v4(bytes);
}

net::ip::address_v6 read_v6(std::span<const std::uint8_t> b, std::size_t at) {
  net::ip::address_v6::bytes_type bytes;
  std::copy_n(b.begin() + static_cast<std::ptrdiff_t>(at), 16, bytes.begin());
  return net::ip::address_v6(bytes);
}

bool has_marker(std::span<const std::uint8_t> icmp) {
  return icmp.size() >= 8 + kMarker.size() &&
         std::equal(kMarker.begin(), kMarker.end(), icmp.begin() + 8);
}

// The packet quoted in an ICMP error: an IP header followed by at least 8 bytes of ours.
void parse_quoted_packet(std::span<const std::uint8_t> quoted, bool v6, ParsedIcmp& out) {
  if (!v6) {
    if (quoted.size() < 20 || (quoted[0] >> 4) != 4) return;
    std::size_t ihl = static_cast<std::size_t>(quoted[0] & 0x0f) * 4;
    if (ihl < 20 || quoted.size() < ihl + 8) return;
    out.quoted_destination = read_v4(quoted, 16);
    if (quoted[9] != kProtoIcmp || quoted[ihl] != kV4EchoRequest) return;
    out.id = read16(quoted, ihl + 4);
    out.seq = read16(quoted, ihl + 6);
    out.kind = ParsedIcmp::Kind::error;
    return;
  }
  if (quoted.size() < 48 || (quoted[0] >> 4) != 6) return;
  out.quoted_destination = read_v6(quoted, 24);
  if (quoted[6] != kProtoIcmpV6 || quoted[40] != kV6EchoRequest) return;
  out.id = read16(quoted, 44);
  out.seq = read16(quoted, 46);
  out.kind = ParsedIcmp::Kind::error;
}

}  // namespace

std::uint16_t internet_checksum(std::span<const std::uint8_t> bytes) {
  std::uint32_t sum = 0;
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2)
    sum += static_cast<std::uint32_t>((bytes[i] << 8) | bytes[i + 1]);
  if (i < bytes.size()) sum += static_cast<std::uint32_t>(bytes[i] << 8);
  while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xffff);
}

std::vector<std::uint8_t> build_echo_request(bool v6, std::uint16_t id, std::uint16_t seq) {
  std::vector<std::uint8_t> packet(8 + kEchoPayloadSize, 0);
  packet[0] = v6 ? kV6EchoRequest : kV4EchoRequest;
  packet[4] = static_cast<std::uint8_t>(id >> 8);
  packet[5] = static_cast<std::uint8_t>(id & 0xff);
  packet[6] = static_cast<std::uint8_t>(seq >> 8);
  packet[7] = static_cast<std::uint8_t>(seq & 0xff);
  std::copy(kMarker.begin(), kMarker.end(), packet.begin() + 8);
  if (!v6) {
    std::uint16_t sum = internet_checksum(packet);
    packet[2] = static_cast<std::uint8_t>(sum >> 8);
    packet[3] = static_cast<std::uint8_t>(sum & 0xff);
  }
  return packet;
}

ParsedIcmp parse_icmp_message(std::span<const std::uint8_t> message, bool v6) {
  ParsedIcmp out;
  if (message.size() < 8) return out;
  out.type = message[0];
  out.code = message[1];
  std::uint8_t reply = v6 ? kV6EchoReply : kV4EchoReply;
  std::uint8_t unreachable = v6 ? kV6Unreachable : kV4Unreachable;
  std::uint8_t exceeded = v6 ? kV6TimeExceeded : kV4TimeExceeded;
  if (out.type == reply) {
    // Ping sockets deliver only their own replies; raw sockets see everyone's, and the marker
    // tells ours from another program's that happens to reuse our identifier.
    if (!has_marker(message)) return out;
    out.id = read16(message, 4);
    out.seq = read16(message, 6);
    out.kind = ParsedIcmp::Kind::echo_reply;
  } else if (out.type == unreachable || out.type == exceeded) {
    parse_quoted_packet(message.subspan(8), v6, out);
  }
  return out;
}

ParsedIcmp parse_ipv4_datagram(std::span<const std::uint8_t> packet) {
  ParsedIcmp out;
  if (packet.size() < 20 || (packet[0] >> 4) != 4) return out;
  std::size_t ihl = static_cast<std::size_t>(packet[0] & 0x0f) * 4;
  if (ihl < 20 || packet.size() < ihl + 8 || packet[9] != kProtoIcmp) return out;
  out = parse_icmp_message(packet.subspan(ihl), false);
  out.source = read_v4(packet, 12);
  out.ttl = packet[8];
  return out;
}

std::optional<std::pair<std::uint16_t, std::uint16_t>> parse_quoted_echo(
    std::span<const std::uint8_t> payload, bool v6) {
  if (payload.size() < 8) return std::nullopt;
  if (payload[0] != (v6 ? kV6EchoRequest : kV4EchoRequest)) return std::nullopt;
  return std::make_pair(read16(payload, 4), read16(payload, 6));
}

}  // namespace reachprobe::net_io
