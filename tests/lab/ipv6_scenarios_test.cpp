// The network verdicts over IPv6 (issue 16): the lab is dual-stack (netns_fixture.hpp), so
// each IPv4 fault of lab_scenarios_test is built again on 2001:2::/48 and must give the same
// layer, reason and offender. netprobe.py first confirms the lab produces the fault.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lab_test_util.hpp"
#include "netns_fixture.hpp"

namespace reachprobe::lab {
namespace {

using nlohmann::json;

constexpr const char* kR1 = "2001:2:0:1::1";
// r2 as the prober sees it: ICMPv6 errors leave from the address toward the sender.
constexpr const char* kR2 = "2001:2:0:2::2";
constexpr const char* kTarget = "2001:2:0:3::2";
constexpr const char* kTargetPort22 = "[2001:2:0:3::2]:22";
constexpr const char* kLabBroken = "the lab itself does not produce this fault over IPv6";

class Ipv6LabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = MissingPrerequisite(); !why.empty()) GTEST_SKIP() << why;
    lab_ = std::make_unique<Lab>();
  }
  void TearDown() override { lab_.reset(); }

  CheckRun CheckJson(const std::vector<std::string>& targets, const std::string& timeout = "3s",
                     const std::vector<std::string>& extra = {},
                     const std::vector<std::string>& prefix = {}) {
    std::vector<std::string> args = {"--json", "--timeout", timeout};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), targets.begin(), targets.end());
    CheckRun run = lab_->check(args, prefix);
    if (Verbose()) std::cerr << "reachprobe check " << ::testing::PrintToString(args) << run;
    return run;
  }

  static void ExpectVerdict(const CheckRun& run, const std::string& verdict,
                            const std::optional<std::string>& offender, double timeout_seconds) {
    DumpOnFailure dump(run);
    const json result = Result(run, 0);
    ASSERT_TRUE(result.is_object()) << "no results[0] in the JSON";
    EXPECT_EQ(run.exit_code, verdict == "null/null" ? 0 : 1);
    EXPECT_EQ(VerdictOf(result), verdict);
    if (offender) {
      EXPECT_EQ(Str(Field(Field(result, "verdict"), "offender")), *offender);
    }
    EXPECT_LE(run.elapsed_seconds, timeout_seconds + 1.0);
  }

  void DropForwardedToTargetAtR2() {
    lab_->nft(Node::kR2, ForwardChain("ip6 daddr 2001:2:0:3::2 drop"));
    ASSERT_EQ(lab_->netprobe("tcp 2001:2:0:3::2 22 --timeout 0.5"), "timeout") << kLabBroken;
    ASSERT_EQ(lab_->netprobe("tcp 2001:2:0:3::2 22 --ttl 2"), "icmp 3/0 from 2001:2:0:2::2")
        << kLabBroken;
  }

  std::unique_ptr<Lab> lab_;
};

// The facts the scenarios build on. ICMPv6 time exceeded is type 3 code 0.
TEST_F(Ipv6LabTest, LabSelfCheck) {
  EXPECT_EQ(lab_->netprobe("tcp 2001:2:0:3::2 22"), "connected");
  EXPECT_EQ(lab_->netprobe("tcp 2001:2:0:3::2 22 --ttl 1"), "icmp 3/0 from 2001:2:0:1::1");
  EXPECT_EQ(lab_->netprobe("tcp 2001:2:0:3::2 22 --ttl 2"), "icmp 3/0 from 2001:2:0:2::2");
  EXPECT_EQ(lab_->netprobe("dns 198.18.1.1 dual.lab --type AAAA"), "rcode 0 answers 1");
  EXPECT_EQ(lab_->netprobe("dns 198.18.1.1 dual.lab"), "rcode 0 answers 1");
  EXPECT_EQ(lab_->netprobe("dns 198.18.1.1 v6.lab"), "rcode 0 answers 0");
  EXPECT_EQ(lab_->run(Node::kProber, "ping -6 -c1 -W1 2001:2:0:3::2").exit_code, 0);
}

TEST_F(Ipv6LabTest, Healthy) {
  const CheckRun run = CheckJson({kTargetPort22});
  ExpectVerdict(run, "null/null", std::nullopt, 3.0);
  DumpOnFailure dump(run);
  const json result = Result(run, 0);
  EXPECT_EQ(Str(Field(Layer(result, "icmp"), "status")), "ok");
  EXPECT_EQ(HopAddress(result, 1), kR1);
  EXPECT_EQ(HopAddress(result, 2), kR2);
  EXPECT_EQ(HopAddress(result, 3), kTarget);
  EXPECT_LT(run.elapsed_seconds, 1.0);
}

TEST_F(Ipv6LabTest, NameWithAaaaIsProbedOverIpv6) {
  for (const char* name : {"dual.lab:22", "v6.lab:22"}) {
    const CheckRun run = CheckJson({name}, "3s", {"--dns.server", "198.18.1.1"});
    ExpectVerdict(run, "null/null", std::nullopt, 3.0);
    DumpOnFailure dump(run);
    EXPECT_EQ(Str(Field(Layer(Result(run, 0), "tcp"), "address")), kTarget);
  }
  // --ip-protocol ip4 keeps a dual-stack name on IPv4.
  const CheckRun v4 =
      CheckJson({"dual.lab:22"}, "3s", {"--dns.server", "198.18.1.1", "--ip-protocol", "ip4"});
  ExpectVerdict(v4, "null/null", std::nullopt, 3.0);
  DumpOnFailure dump(v4);
  EXPECT_EQ(Str(Field(Layer(Result(v4, 0), "tcp"), "address")), "198.18.3.2");
}

TEST_F(Ipv6LabTest, NoListenerIsTcpRefused) {
  ASSERT_EQ(lab_->netprobe("tcp 2001:2:0:3::2 23"), "refused") << kLabBroken;
  ExpectVerdict(CheckJson({"[2001:2:0:3::2]:23"}), "tcp/refused", std::nullopt, 3.0);
}

TEST_F(Ipv6LabTest, DroppedPortIsTcpTimeout) {
  lab_->nft(Node::kTarget, InputChain("meta nfproto ipv6 tcp dport 22 drop"));
  ASSERT_EQ(lab_->netprobe("tcp 2001:2:0:3::2 22 --timeout 0.5"), "timeout") << kLabBroken;
  const CheckRun run = CheckJson({kTargetPort22});
  ExpectVerdict(run, "tcp/timeout", std::nullopt, 3.0);
  DumpOnFailure dump(run);
  EXPECT_EQ(Str(Field(Layer(Result(run, 0), "icmp"), "status")), "ok");
}

TEST_F(Ipv6LabTest, TargetAdminProhibited) {
  lab_->nft(Node::kTarget,
            InputChain("meta nfproto ipv6 tcp dport 22 reject with icmpv6 type admin-prohibited"));
  ASSERT_EQ(lab_->netprobe("tcp 2001:2:0:3::2 22"), "icmp 1/1 from 2001:2:0:3::2") << kLabBroken;
  ExpectVerdict(CheckJson({kTargetPort22}), "tcp/admin_prohibited", kTarget, 3.0);
}

TEST_F(Ipv6LabTest, RouterAdminProhibited) {
  lab_->nft(
      Node::kR2,
      ForwardChain("meta nfproto ipv6 tcp dport 22 reject with icmpv6 type admin-prohibited"));
  ASSERT_EQ(lab_->netprobe("tcp 2001:2:0:3::2 22"), "icmp 1/1 from 2001:2:0:2::2") << kLabBroken;
  ExpectVerdict(CheckJson({kTargetPort22}), "tcp/admin_prohibited", kR2, 3.0);
}

TEST_F(Ipv6LabTest, PortUnreachable) {
  lab_->nft(Node::kTarget,
            InputChain("meta nfproto ipv6 tcp dport 22 reject with icmpv6 type port-unreachable"));
  ASSERT_EQ(lab_->netprobe("tcp 2001:2:0:3::2 22"), "icmp 1/4 from 2001:2:0:3::2") << kLabBroken;
  ExpectVerdict(CheckJson({kTargetPort22}), "tcp/port_unreachable", kTarget, 3.0);
}

TEST_F(Ipv6LabTest, RouterDropsForwardIsLostAfterHop) {
  DropForwardedToTargetAtR2();
  ExpectVerdict(CheckJson({kTargetPort22}), "path/lost_after_hop", kR2, 3.0);
}

// The trace without CAP_NET_RAW: TCP SYNs with IPV6_UNICAST_HOPS, the routers' time exceeded
// read from the error queue (IPV6_RECVERR).
TEST_F(Ipv6LabTest, UnprivilegedPathTrace) {
  DropForwardedToTargetAtR2();
  const CheckRun run = CheckJson({kTargetPort22}, "3s", {}, WithoutNetRaw());
  ExpectVerdict(run, "path/lost_after_hop", kR2, 3.0);
  DumpOnFailure dump(run);
  EXPECT_EQ(HopAddress(Result(run, 0), 1), kR1);
  EXPECT_EQ(HopAddress(Result(run, 0), 2), kR2);
}

TEST_F(Ipv6LabTest, MissingRouteIsUnreachable) {
  lab_->must(Node::kR1, "ip -6 route del 2001:2:0:3::/64");
  ASSERT_EQ(lab_->netprobe("tcp 2001:2:0:3::2 22"), "icmp 1/0 from 2001:2:0:1::1") << kLabBroken;
  ExpectVerdict(CheckJson({kTargetPort22}), "path/unreachable", kR1, 3.0);
}

// The last router's neighbour discovery fails: it answers address unreachable (1/3) after
// about 3 s of solicitations.
TEST_F(Ipv6LabTest, TargetLinkDownIsAddressUnreachable) {
  lab_->must(Node::kTarget, std::string("ip link set ") + kTargetLink + " down");
  lab_->must(Node::kR2, "ip -6 neigh flush to 2001:2:0:3::2");
  ExpectVerdict(CheckJson({kTargetPort22}, "6s"), "path/unreachable", kR2, 6.0);
}

TEST_F(Ipv6LabTest, BareHostEchoTraceOnRawAndPingSockets) {
  for (bool unprivileged : {false, true}) {
    const CheckRun run =
        CheckJson({kTarget}, "3s", {}, unprivileged ? WithoutNetRaw() : std::vector<std::string>{});
    ExpectVerdict(run, "null/null", std::nullopt, 3.0);
    DumpOnFailure dump(run);
    const json result = Result(run, 0);
    EXPECT_EQ(Str(Field(Layer(result, "icmp"), "socket")), unprivileged ? "dgram" : "raw");
    EXPECT_EQ(Str(Field(Layer(result, "path"), "method")), "icmp-echo");
    EXPECT_EQ(HopAddress(result, 1), kR1);
    EXPECT_EQ(HopAddress(result, 2), kR2);
    EXPECT_EQ(HopAddress(result, 3), kTarget);
  }
}

TEST_F(Ipv6LabTest, BareHostSilenceIsLostAfterHopOnPingSocket) {
  DropForwardedToTargetAtR2();
  ExpectVerdict(CheckJson({kTarget}, "3s", {}, WithoutNetRaw()), "path/lost_after_hop", kR2, 3.0);
}

TEST_F(Ipv6LabTest, BareHostEchoProhibitedByRouterNamesTheRouter) {
  lab_->nft(Node::kR2, ForwardChain("icmpv6 type echo-request reject with icmpv6 type "
                                    "admin-prohibited"));
  ASSERT_NE(lab_->run(Node::kProber, "ping -6 -c1 -W1 2001:2:0:3::2").exit_code, 0) << kLabBroken;
  ExpectVerdict(CheckJson({kTarget}), "icmp/admin_prohibited", kR2, 3.0);
}

// Dual-stack divergence (issue 16): dual.lab has A and AAAA. When the family in use fails at
// the path or transport layers, the other family is probed within the same deadline and the
// summary and JSON say what it did; the verdict stays the family in use.
class DualStackTest : public Ipv6LabTest {
 protected:
  CheckRun CheckDual(const std::vector<std::string>& targets,
                     const std::vector<std::string>& extra = {}) {
    std::vector<std::string> flags = {"--dns.server", "198.18.1.1"};
    flags.insert(flags.end(), extra.begin(), extra.end());
    return CheckJson(targets, "3s", flags);
  }
  static std::string Summary(const json& result) {
    return Str(Field(Field(result, "verdict"), "summary"));
  }
};

TEST_F(DualStackTest, ABrokenIpv6PathBesideAWorkingIpv4IsNamed) {
  lab_->nft(Node::kR2, ForwardChain("ip6 daddr 2001:2:0:3::2 drop"));
  ASSERT_EQ(lab_->netprobe("tcp 198.18.3.2 22"), "connected") << kLabBroken;
  const CheckRun run = CheckDual({"dual.lab:22"});
  ExpectVerdict(run, "path/lost_after_hop", kR2, 3.0);
  DumpOnFailure dump(run);
  const json result = Result(run, 0);
  EXPECT_EQ(Str(Field(result, "address")), kTarget);
  const std::string summary = Summary(result);
  EXPECT_NE(summary.find("; IPv4 to the same name works (198.18.3.2: TCP connect in "),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("): the IPv6 path is broken."), std::string::npos) << summary;
  const json other = Field(result, "other_family");
  EXPECT_EQ(Str(Field(other, "address")), "198.18.3.2");
  EXPECT_EQ(Field(other, "ip_protocol"), json(4));
  EXPECT_EQ(Field(other, "success"), json(true));
  EXPECT_TRUE(Field(other, "tcp_connect_seconds").is_number());
  EXPECT_EQ(Str(Field(Field(other, "verdict"), "layer")), "null");
}

TEST_F(DualStackTest, ABrokenIpv4PathBesideAWorkingIpv6IsNamed) {
  lab_->nft(Node::kR2, ForwardChain("ip daddr 198.18.3.2 drop"));
  const std::string config = lab_->scratch_dir() + "/ip4_first.yml";
  WriteFile(config,
            "modules:\n"
            "  tcp_ip4_first:\n"
            "    prober: tcp\n"
            "    timeout: 3s\n"
            "    tcp:\n"
            "      preferred_ip_protocol: ip4\n"
            "      ip_protocol_fallback: true\n");
  const CheckRun run =
      CheckDual({"dual.lab:22"}, {"--config.file", config, "--module", "tcp_ip4_first"});
  ExpectVerdict(run, "tcp/timeout", std::nullopt, 3.0);
  DumpOnFailure dump(run);
  const json result = Result(run, 0);
  EXPECT_EQ(Str(Field(result, "address")), "198.18.3.2");
  const std::string summary = Summary(result);
  EXPECT_NE(summary.find("; IPv6 to the same name works (2001:2:0:3::2: TCP connect in "),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("): the IPv4 path is broken."), std::string::npos) << summary;
  EXPECT_EQ(Field(Field(result, "other_family"), "ip_protocol"), json(6));
}

TEST_F(DualStackTest, BothFamiliesBrokenSaysBothFail) {
  lab_->nft(Node::kR2, ForwardChain("ip daddr 198.18.3.2 drop; ip6 daddr 2001:2:0:3::2 drop"));
  const CheckRun run = CheckDual({"dual.lab:22"});
  ExpectVerdict(run, "path/lost_after_hop", kR2, 3.0);
  DumpOnFailure dump(run);
  const json result = Result(run, 0);
  const std::string summary = Summary(result);
  EXPECT_NE(summary.find("; IPv4 to the same name fails too (198.18.3.2: "), std::string::npos)
      << summary;
  EXPECT_NE(summary.find("): both families fail."), std::string::npos) << summary;
  EXPECT_EQ(Field(Field(result, "other_family"), "success"), json(false));
}

TEST_F(DualStackTest, ABareHostComparesEcho) {
  lab_->nft(Node::kR2, ForwardChain("ip6 daddr 2001:2:0:3::2 drop"));
  const CheckRun run = CheckDual({"dual.lab"});
  ExpectVerdict(run, "path/lost_after_hop", kR2, 3.0);
  DumpOnFailure dump(run);
  const std::string summary = Summary(Result(run, 0));
  EXPECT_NE(summary.find("; IPv4 to the same name works (198.18.3.2 answers echo in "),
            std::string::npos)
      << summary;
}

TEST_F(DualStackTest, AHealthyDualStackNameIsNotProbedTwice) {
  const CheckRun run = CheckDual({"dual.lab:22"});
  ExpectVerdict(run, "null/null", std::nullopt, 3.0);
  DumpOnFailure dump(run);
  EXPECT_TRUE(Field(Result(run, 0), "other_family").is_null());
  EXPECT_LT(run.elapsed_seconds, 1.0);
}

}  // namespace
}  // namespace reachprobe::lab
