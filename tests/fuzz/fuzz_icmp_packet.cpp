// Raw IPv4 datagrams, ICMP(v6) messages and error-queue payloads: anything a router or another
// program on the host can send to our ICMP sockets.
#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_check.hpp"
#include "net/icmp_packet.hpp"

namespace {

using reachprobe::net_io::ParsedIcmp;

void check_parsed(const ParsedIcmp& p, std::span<const std::uint8_t> icmp) {
  if (p.kind == ParsedIcmp::Kind::ignore) return;
  FUZZ_CHECK(icmp.size() >= 8 && p.type == icmp[0] && p.code == icmp[1]);
  if (p.kind == ParsedIcmp::Kind::echo_reply) {
    FUZZ_CHECK(p.id == (icmp[4] << 8 | icmp[5]) && p.seq == (icmp[6] << 8 | icmp[7]));
  } else {
    FUZZ_CHECK(p.quoted_destination.has_value());  // an error we matched names where it went
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> bytes(data, size);
  auto datagram = reachprobe::net_io::parse_ipv4_datagram(bytes);
  if (datagram.source) {
    std::size_t ihl = static_cast<std::size_t>(bytes[0] & 0x0f) * 4;
    FUZZ_CHECK(datagram.ttl == bytes[8]);
    check_parsed(datagram, bytes.subspan(ihl));
  } else {
    FUZZ_CHECK(datagram.kind == ParsedIcmp::Kind::ignore);
  }
  for (bool v6 : {false, true}) {
    check_parsed(reachprobe::net_io::parse_icmp_message(bytes, v6), bytes);
    if (auto echo = reachprobe::net_io::parse_quoted_echo(bytes, v6)) FUZZ_CHECK(size >= 8);
  }
  // Our own request, built from the input's first bytes, reads back as a reply of ours.
  if (size >= 5) {
    bool v6 = (data[4] & 1) != 0;
    auto id = static_cast<std::uint16_t>(data[0] << 8 | data[1]);
    auto seq = static_cast<std::uint16_t>(data[2] << 8 | data[3]);
    auto request = reachprobe::net_io::build_echo_request(v6, id, seq);
    if (!v6) FUZZ_CHECK(reachprobe::net_io::internet_checksum(request) == 0);
    request[0] = v6 ? 129 : 0;
    auto reply = reachprobe::net_io::parse_icmp_message(request, v6);
    FUZZ_CHECK(reply.kind == ParsedIcmp::Kind::echo_reply && reply.id == id && reply.seq == seq);
  }
  return 0;
}
