#include <gtest/gtest.h>

#include "engine/icmp_error.hpp"
#include "engine/reason.hpp"

namespace reachprobe::engine {
namespace {

TEST(Vocabulary, LayerNamesRoundTripInPathOrder) {
  const char* names[] = {"dns",           "icmp",     "path",     "tcp",  "tls",  "ssh_banner",
                         "ssh_handshake", "ssh_auth", "ssh_exec", "host", "http", "grpc"};
  for (std::size_t i = 0; i < kAllLayers.size(); ++i) {
    EXPECT_EQ(to_string(kAllLayers[i]), names[i]);
    EXPECT_EQ(layer_from_string(names[i]), kAllLayers[i]);
  }
}

TEST(Vocabulary, ReasonsOfTheNetworkLayersMatchTheContract) {
  auto names = [](Layer l) {
    std::string out;
    for (Reason r : reasons_for(l)) out += std::string(to_string(r)) + " ";
    return out;
  };
  EXPECT_EQ(names(Layer::dns), "nxdomain servfail refused timeout no_address ");
  EXPECT_EQ(names(Layer::path), "no_route unreachable lost_after_hop ");
  EXPECT_EQ(names(Layer::icmp), "timeout unreachable admin_prohibited ");
  EXPECT_EQ(names(Layer::tcp),
            "refused timeout admin_prohibited port_unreachable host_unreachable net_unreachable ");
  EXPECT_EQ(names(Layer::host),
            "return_route_mismatch neighbor_failed io_pressure blocked_tasks hung_mount slow_nss "
            "timeout ");
}

TEST(Vocabulary, IcmpErrorsAreClassifiedByTypeAndCodeNotErrno) {
  EXPECT_EQ(classify_icmp(false, 3, 13), IcmpErrorKind::admin_prohibited);
  EXPECT_EQ(classify_icmp(true, 1, 1), IcmpErrorKind::admin_prohibited);
  EXPECT_EQ(classify_icmp(false, 3, 3), IcmpErrorKind::port_unreachable);
  EXPECT_EQ(classify_icmp(true, 1, 4), IcmpErrorKind::port_unreachable);
  EXPECT_EQ(classify_icmp(false, 3, 1), IcmpErrorKind::host_unreachable);
  EXPECT_EQ(classify_icmp(false, 3, 0), IcmpErrorKind::net_unreachable);
  EXPECT_EQ(classify_icmp(false, 11, 0), IcmpErrorKind::time_exceeded);
  EXPECT_EQ(classify_icmp(true, 3, 0), IcmpErrorKind::time_exceeded);
}

}  // namespace
}  // namespace reachprobe::engine
