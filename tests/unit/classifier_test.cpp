// CONTRACT §3 attribution rules as a table: each test names the rule it pins down.
#include "classify/classifier.hpp"

#include <gtest/gtest.h>

#include "report_builder.hpp"

namespace reachprobe::testing {
namespace {

using classify::apply_verdict;
using classify::classify;

void expect_verdict(const ProbeReport& report, std::optional<Layer> layer, Reason reason,
                    std::optional<const char*> offender) {
  auto v = classify(report);
  EXPECT_EQ(v.layer, layer) << (v.layer ? to_string(*v.layer) : "none");
  EXPECT_EQ(to_string(v.reason), to_string(reason));
  if (offender) {
    ASSERT_TRUE(v.offender.has_value());
    EXPECT_EQ(v.offender->to_string(), *offender);
  } else {
    EXPECT_FALSE(v.offender.has_value()) << v.offender->to_string();
  }
}

TEST(Classifier, Rule1_AllRequiredLayersOkIsSuccess) {
  auto r =
      ReportBuilder().icmp_replies(3, 3).path_hops({kRouter1, kRouter2}, true).tcp_ok().build();
  expect_verdict(r, std::nullopt, Reason::none, std::nullopt);
}

TEST(Classifier, Rule1_DnsFailureIsTheVerdictBeforeAnythingElse) {
  auto r = ReportBuilder()
               .dns_fail(Reason::nxdomain)
               .icmp_skipped("dns failed")
               .tcp_fail(Reason::timeout)
               .build();
  r.find(Layer::tcp)->status = Status::skipped;
  expect_verdict(r, Layer::dns, Reason::nxdomain, std::nullopt);
}

TEST(Classifier, Rule1_RefusedPortIsTcpRefusedFromTheTarget) {
  auto r = ReportBuilder()
               .icmp_replies(3, 3)
               .path_hops({kRouter1, kRouter2}, true)
               .tcp_fail(Reason::refused)
               .build();
  expect_verdict(r, Layer::tcp, Reason::refused, kTarget);
}

TEST(Classifier, Rule2_TcpSilentButHostAnswersIcmpIsTcpTimeout) {
  auto r = ReportBuilder()
               .icmp_replies(3, 3)
               .path_hops({kRouter1, kRouter2}, false)
               .tcp_fail(Reason::timeout)
               .build();
  expect_verdict(r, Layer::tcp, Reason::timeout, std::nullopt);
}

TEST(Classifier, Rule2_TcpSilentButPathTraceReachedTargetIsTcpTimeout) {
  auto r = ReportBuilder()
               .icmp_replies(0, 3)
               .path_hops({kRouter1, kRouter2}, true)
               .tcp_fail(Reason::timeout)
               .build();
  expect_verdict(r, Layer::tcp, Reason::timeout, std::nullopt);
}

TEST(Classifier, Rule2_TcpSilentAndIcmpSilentIsPathLostAfterHop) {
  auto r = ReportBuilder()
               .icmp_replies(0, 3)
               .path_hops({kRouter1, kRouter2}, false)
               .tcp_fail(Reason::timeout)
               .build();
  expect_verdict(r, Layer::path, Reason::lost_after_hop, kRouter2);
}

TEST(Classifier, Rule2_SilenceWithNoHopAnsweringIsLostAfterHopWithoutOffender) {
  auto r =
      ReportBuilder().icmp_replies(0, 3).path_hops({}, false).tcp_fail(Reason::timeout).build();
  expect_verdict(r, Layer::path, Reason::lost_after_hop, std::nullopt);
}

TEST(Classifier, Rule2_SilenceWithRouterHostUnreachableIsPathUnreachable) {
  auto r = ReportBuilder()
               .icmp_error_from(kRouter2, 3, 1, Reason::unreachable)
               .path_unreachable({kRouter1, kRouter2}, kRouter2, 1)
               .tcp_fail(Reason::timeout)
               .build();
  expect_verdict(r, Layer::path, Reason::unreachable, kRouter2);
}

TEST(Classifier, Rule2_TcpHostUnreachableFromRouterIsPathUnreachable) {
  auto r = ReportBuilder()
               .icmp_replies(0, 3)
               .path_hops({kRouter1, kRouter2}, false)
               .tcp_fail(Reason::host_unreachable, icmp_error(kRouter2, 3, 1))
               .build();
  expect_verdict(r, Layer::path, Reason::unreachable, kRouter2);
}

TEST(Classifier, Rule2_TcpNetUnreachableFromFirstRouterIsPathUnreachable) {
  auto r = ReportBuilder()
               .icmp_error_from(kRouter1, 3, 0, Reason::unreachable)
               .path_unreachable({}, kRouter1, 0)
               .tcp_fail(Reason::net_unreachable, icmp_error(kRouter1, 3, 0))
               .build();
  expect_verdict(r, Layer::path, Reason::unreachable, kRouter1);
}

TEST(Classifier, Rule2_LocalNetworkUnreachableWithoutIcmpIsPathNoRoute) {
  auto r = ReportBuilder()
               .icmp_replies(0, 0)
               .path_skipped()
               .tcp_fail(Reason::net_unreachable, std::nullopt, ENETUNREACH)
               .build();
  expect_verdict(r, Layer::path, Reason::no_route, std::nullopt);
}

TEST(Classifier, Rule2_LocalHostUnreachableWithoutIcmpIsPathUnreachableOnThisHost) {
  auto r = ReportBuilder()
               .icmp_replies(0, 3)
               .path_skipped()
               .tcp_fail(Reason::host_unreachable, std::nullopt, EHOSTUNREACH)
               .build();
  expect_verdict(r, Layer::path, Reason::unreachable, std::nullopt);
}

TEST(Classifier, Rule2_ProberOutOfLocalPortsBlamesThisHostNotTheTarget) {
  auto r = ReportBuilder()
               .icmp_replies(3, 3)
               .path_skipped()
               .tcp_fail(Reason::net_unreachable, std::nullopt, EADDRNOTAVAIL)
               .build();
  expect_verdict(r, Layer::path, Reason::no_route, std::nullopt);
  apply_verdict(r);
  EXPECT_NE(r.verdict.summary.find("a problem of the prober itself"), std::string::npos)
      << r.verdict.summary;
}

TEST(Classifier, Rule2_NoLowerLayerEvidenceKeepsTcpTimeout) {
  auto r = ReportBuilder()
               .icmp_skipped("no permission")
               .path_skipped()
               .tcp_fail(Reason::timeout)
               .build();
  expect_verdict(r, Layer::tcp, Reason::timeout, std::nullopt);
}

TEST(Classifier, Rule2_BareHostSilentEchoIsRefinedByThePath) {
  auto r =
      ReportBuilder(false).icmp_replies(0, 3, true).path_hops({kRouter1, kRouter2}, false).build();
  expect_verdict(r, Layer::path, Reason::lost_after_hop, kRouter2);
}

TEST(Classifier, Rule3_AdminProhibitedFromTargetNamesTheTarget) {
  auto r = ReportBuilder()
               .icmp_replies(3, 3)
               .path_hops({kRouter1, kRouter2}, true)
               .tcp_fail(Reason::admin_prohibited, icmp_error(kTarget, 3, 13))
               .build();
  expect_verdict(r, Layer::tcp, Reason::admin_prohibited, kTarget);
}

TEST(Classifier, Rule3_AdminProhibitedFromRouterNamesTheRouter) {
  auto r = ReportBuilder()
               .icmp_replies(3, 3)
               .path_unreachable({kRouter1, kRouter2}, kRouter2, 13)
               .tcp_fail(Reason::admin_prohibited, icmp_error(kRouter2, 3, 13))
               .build();
  expect_verdict(r, Layer::tcp, Reason::admin_prohibited, kRouter2);
  apply_verdict(r);
  EXPECT_NE(r.verdict.summary.find("Router 198.18.2.2 (hop 2)"), std::string::npos)
      << r.verdict.summary;
}

TEST(Classifier, Rule3_PortUnreachableKeepsTheSender) {
  auto r = ReportBuilder()
               .icmp_replies(3, 3)
               .path_hops({kRouter1, kRouter2}, true)
               .tcp_fail(Reason::port_unreachable, icmp_error(kTarget, 3, 3))
               .build();
  expect_verdict(r, Layer::tcp, Reason::port_unreachable, kTarget);
  apply_verdict(r);
  EXPECT_NE(r.verdict.summary.find("The target 198.18.3.2 itself"), std::string::npos)
      << r.verdict.summary;
}

TEST(Classifier, Rule4_IcmpFilteredWhileTcpWorksIsWarnNotFailure) {
  auto r =
      ReportBuilder().icmp_replies(0, 3).path_hops({kRouter1, kRouter2}, true).tcp_ok().build();
  apply_verdict(r);
  EXPECT_TRUE(r.success);
  EXPECT_EQ(r.find(Layer::icmp)->status, Status::warn);
  EXPECT_NE(r.verdict.summary.find("ICMP is filtered"), std::string::npos) << r.verdict.summary;
}

TEST(Classifier, Rule4_OptionalLayerNamedByTheVerdictStaysFailed) {
  auto r = ReportBuilder()
               .icmp_replies(0, 3)
               .path_hops({kRouter1, kRouter2}, false)
               .tcp_fail(Reason::timeout)
               .build();
  apply_verdict(r);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.find(Layer::path)->status, Status::fail);
  EXPECT_EQ(r.find(Layer::icmp)->status, Status::warn);
  EXPECT_NE(r.verdict.summary.find("after hop 2 (198.18.2.2)"), std::string::npos)
      << r.verdict.summary;
}

TEST(Classifier, Rule5_TimeoutIsChargedToTheLayerThatRanOut) {
  auto r = ReportBuilder().dns_fail(Reason::timeout).build();
  expect_verdict(r, Layer::dns, Reason::timeout, std::nullopt);
}

TEST(Classifier, Summary_TcpTimeoutStatesTheEvidence) {
  auto r = ReportBuilder()
               .icmp_replies(3, 3)
               .path_hops({kRouter1, kRouter2}, true)
               .tcp_fail(Reason::timeout)
               .build();
  apply_verdict(r);
  EXPECT_EQ(r.verdict.summary,
            "TCP SYN to 198.18.3.2:22 got no answer in 3.0 s; the host answers ICMP echo in "
            "0.400 ms (3/3); the path reaches it in 3 hops: the port is filtered or the reply "
            "path is broken.");
}

TEST(Classifier, Summary_SkippedIcmpIsSaidOutLoud) {
  auto r = ReportBuilder()
               .icmp_skipped("no permission for ICMP")
               .path_hops({kRouter1}, true)
               .tcp_ok()
               .build();
  apply_verdict(r);
  EXPECT_TRUE(r.success);
  EXPECT_NE(r.verdict.summary.find("ICMP was not measured: no permission for ICMP"),
            std::string::npos);
}

}  // namespace
}  // namespace reachprobe::testing
