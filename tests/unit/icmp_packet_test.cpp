#include "net/icmp_packet.hpp"

#include <gtest/gtest.h>

#include <random>

namespace reachprobe::net_io {
namespace {

std::vector<std::uint8_t> ipv4_header(std::uint8_t proto, std::array<std::uint8_t, 4> src,
                                      std::array<std::uint8_t, 4> dst, std::uint8_t ttl) {
  std::vector<std::uint8_t> h(20, 0);
  h[0] = 0x45;
  h[8] = ttl;
  h[9] = proto;
  std::copy(src.begin(), src.end(), h.begin() + 12);
  std::copy(dst.begin(), dst.end(), h.begin() + 16);
  return h;
}

TEST(IcmpPacket, EchoRequestHasValidChecksumAndFields) {
  auto p = build_echo_request(false, 0x1234, 0xabcd);
  EXPECT_EQ(p[0], 8);
  EXPECT_EQ(internet_checksum(p), 0);  // a correct checksum sums to zero
  EXPECT_EQ(p[4], 0x12);
  EXPECT_EQ(p[7], 0xcd);
}

TEST(IcmpPacket, ParsesOurEchoReplyFromRawIpv4) {
  auto reply = build_echo_request(false, 7, 9);
  reply[0] = 0;
  auto packet = ipv4_header(1, {198, 18, 3, 2}, {198, 18, 1, 2}, 61);
  packet.insert(packet.end(), reply.begin(), reply.end());
  auto parsed = parse_ipv4_datagram(packet);
  EXPECT_EQ(parsed.kind, ParsedIcmp::Kind::echo_reply);
  EXPECT_EQ(parsed.id, 7);
  EXPECT_EQ(parsed.seq, 9);
  EXPECT_EQ(parsed.source->to_string(), "198.18.3.2");
  EXPECT_EQ(parsed.ttl, 61);
}

TEST(IcmpPacket, ForeignEchoReplyWithoutMarkerIsIgnored) {
  std::vector<std::uint8_t> reply(64, 0);
  EXPECT_EQ(parse_icmp_message(reply, false).kind, ParsedIcmp::Kind::ignore);
}

TEST(IcmpPacket, TimeExceededQuotesOurEcho) {
  auto echo = build_echo_request(false, 7, 42);
  auto quoted = ipv4_header(1, {198, 18, 1, 2}, {198, 18, 3, 2}, 1);
  quoted.insert(quoted.end(), echo.begin(), echo.begin() + 8);
  std::vector<std::uint8_t> icmp = {11, 0, 0, 0, 0, 0, 0, 0};
  icmp.insert(icmp.end(), quoted.begin(), quoted.end());
  auto packet = ipv4_header(1, {198, 18, 1, 1}, {198, 18, 1, 2}, 64);
  packet.insert(packet.end(), icmp.begin(), icmp.end());
  auto parsed = parse_ipv4_datagram(packet);
  EXPECT_EQ(parsed.kind, ParsedIcmp::Kind::error);
  EXPECT_EQ(parsed.type, 11);
  EXPECT_EQ(parsed.seq, 42);
  EXPECT_EQ(parsed.source->to_string(), "198.18.1.1");
  EXPECT_EQ(parsed.quoted_destination->to_string(), "198.18.3.2");
}

TEST(IcmpPacket, Ipv6ErrorQuotesOurEcho) {
  auto echo = build_echo_request(true, 5, 6);
  std::vector<std::uint8_t> icmp = {1, 1, 0, 0, 0, 0, 0, 0};
  std::vector<std::uint8_t> inner(40, 0);
  inner[0] = 0x60;
  inner[6] = 58;
  inner[39] = 1;  // destination ::1
  icmp.insert(icmp.end(), inner.begin(), inner.end());
  icmp.insert(icmp.end(), echo.begin(), echo.begin() + 8);
  auto parsed = parse_icmp_message(icmp, true);
  EXPECT_EQ(parsed.kind, ParsedIcmp::Kind::error);
  EXPECT_EQ(parsed.seq, 6);
  EXPECT_EQ(parsed.quoted_destination->to_string(), "::1");
}

TEST(IcmpPacket, TruncatedAndRandomInputNeverCrashes) {
  std::mt19937 rng(1);
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::uint8_t> junk(rng() % 120);
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    if (!junk.empty() && i % 2 == 0) junk[0] = 0x45;
    (void)parse_ipv4_datagram(junk);
    (void)parse_icmp_message(junk, i % 3 == 0);
    (void)parse_quoted_echo(junk, i % 3 == 0);
  }
  SUCCEED();
}

}  // namespace
}  // namespace reachprobe::net_io
