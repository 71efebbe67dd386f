#include "path/hop_stats.hpp"

#include <gtest/gtest.h>

namespace reachprobe::path {
namespace {

using Kind = ProbeRecord::Kind;

ProbeRecord rec(int ttl, Kind kind, const char* from = nullptr, double rtt = 0.001) {
  ProbeRecord r;
  r.ttl = ttl;
  r.kind = kind;
  r.rtt_seconds = rtt;
  if (from) r.from = net::ip::make_address(from);
  return r;
}

TEST(HopStats, StopsAtTheDestinationAndDropsProbesBeyondIt) {
  std::vector<ProbeRecord> records = {
      rec(1, Kind::hop, "198.18.1.1"),         rec(2, Kind::hop, "198.18.2.2"),
      rec(3, Kind::destination, "198.18.3.2"), rec(4, Kind::destination, "198.18.3.2"),
      rec(1, Kind::hop, "198.18.1.1"),         rec(2, Kind::lost),
      rec(3, Kind::destination, "198.18.3.2")};
  auto ev = summarize_trace(records, "tcp-syn");
  ASSERT_EQ(ev.hops.size(), 3u);
  EXPECT_EQ(ev.destination_ttl, 3);
  EXPECT_EQ(ev.hops[1].stats.sent, 2u);
  EXPECT_EQ(ev.hops[1].stats.received, 1u);
  EXPECT_DOUBLE_EQ(ev.hops[1].stats.loss_ratio, 0.5);
  EXPECT_TRUE(ev.hops[2].is_destination);
}

TEST(HopStats, InFlightProbesAreNotCountedAsLost) {
  std::vector<ProbeRecord> records = {rec(1, Kind::hop, "198.18.1.1"), rec(1, Kind::in_flight),
                                      rec(2, Kind::destination, "198.18.3.2")};
  auto ev = summarize_trace(records, "tcp-syn");
  EXPECT_EQ(ev.hops[0].stats.sent, 1u);
  EXPECT_DOUBLE_EQ(ev.hops[0].stats.loss_ratio, 0.0);
  EXPECT_EQ(ev.in_flight, 1u);
}

TEST(HopStats, SilenceShowsOneUnansweredHopPastTheLastAnswer) {
  std::vector<ProbeRecord> records = {rec(1, Kind::hop, "198.18.1.1"),
                                      rec(2, Kind::hop, "198.18.2.2"), rec(3, Kind::lost),
                                      rec(4, Kind::lost), rec(5, Kind::lost)};
  auto ev = summarize_trace(records, "tcp-syn");
  ASSERT_EQ(ev.hops.size(), 3u);
  EXPECT_FALSE(ev.hops[2].address);
  EXPECT_FALSE(ev.destination_ttl);
}

TEST(HopStats, FirstUnreachableIsKeptWithItsSender) {
  auto unreachable = rec(3, Kind::unreachable, "198.18.2.2");
  unreachable.error = engine::IcmpError{net::ip::make_address("198.18.2.2"), false, 3, 1};
  std::vector<ProbeRecord> records = {rec(1, Kind::hop, "198.18.1.1"),
                                      rec(2, Kind::hop, "198.18.2.2"), unreachable};
  auto ev = summarize_trace(records, "tcp-syn");
  ASSERT_TRUE(ev.unreachable);
  EXPECT_EQ(ev.unreachable->offender.to_string(), "198.18.2.2");
  EXPECT_EQ(ev.unreachable_ttl, 3);
}

TEST(HopStats, RttStatisticsFollowMtr) {
  std::vector<ProbeRecord> records = {rec(1, Kind::destination, "198.18.1.1", 0.001),
                                      rec(1, Kind::destination, "198.18.1.1", 0.003)};
  auto ev = summarize_trace(records, "icmp-echo");
  const auto& s = ev.hops[0].stats;
  EXPECT_DOUBLE_EQ(s.best_seconds, 0.001);
  EXPECT_DOUBLE_EQ(s.worst_seconds, 0.003);
  EXPECT_DOUBLE_EQ(s.avg_seconds, 0.002);
  EXPECT_DOUBLE_EQ(s.stddev_seconds, 0.001);
}

}  // namespace
}  // namespace reachprobe::path
