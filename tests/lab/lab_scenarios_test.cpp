// One test per fault: build the lab, break one thing, run the real reachprobe binary and check
// that its verdict names the right layer, reason and offender within the timeout.
//
// Before asking reachprobe, most tests confirm with tests/lab-tools/netprobe.py that the lab
// really produces the fault, so a failing test says which side is wrong: the lab or the prober.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "lab_test_util.hpp"
#include "netns_fixture.hpp"

namespace reachprobe::lab {
namespace {

using nlohmann::json;

constexpr const char* kR1 = "198.18.1.1";
// r2 as the prober sees it. Linux sources an ICMP error for a forwarded packet from the address
// of the interface its route back to the sender uses: r2's r1-side address, never 198.18.3.1.
constexpr const char* kR2 = "198.18.2.2";
constexpr const char* kTargetIp = "198.18.3.2";
constexpr const char* kLabBroken = "the lab itself does not produce this fault";

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

class LabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = MissingPrerequisite(); !why.empty()) GTEST_SKIP() << why;
    lab_ = std::make_unique<Lab>();
  }
  void TearDown() override { lab_.reset(); }

  // `reachprobe check <args...>`, printed when REACHPROBE_LAB_VERBOSE is set.
  CheckRun Check(const std::vector<std::string>& args,
                 const std::vector<std::string>& prefix = {}) {
    CheckRun run = lab_->check(args, prefix);
    if (Verbose())
      std::cerr << "reachprobe check " << ::testing::PrintToString(args) << run << "\n";
    return run;
  }

  // `reachprobe check --json --timeout <timeout> <extra...> <targets...>`.
  CheckRun CheckJson(const std::vector<std::string>& targets, const std::string& timeout = "3s",
                     const std::vector<std::string>& extra = {},
                     const std::vector<std::string>& prefix = {}) {
    std::vector<std::string> args = {"--json", "--timeout", timeout};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.end(), targets.begin(), targets.end());
    return Check(args, prefix);
  }

  // Asserts a single failed result with this verdict, offender (when given) and time bound.
  static void ExpectFailure(const CheckRun& run, const std::string& verdict,
                            const std::optional<std::string>& offender, double timeout_seconds) {
    DumpOnFailure dump(run);
    const json result = Result(run, 0);
    ASSERT_TRUE(result.is_object()) << "no results[0] in the JSON";
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_EQ(Field(result, "success"), json(false));
    EXPECT_EQ(VerdictOf(result), verdict);
    if (offender) {
      EXPECT_EQ(Str(Field(Field(result, "verdict"), "offender")), *offender);
    }
    EXPECT_FALSE(Str(Field(Field(result, "verdict"), "summary")).empty());
    EXPECT_LE(run.elapsed_seconds, timeout_seconds + 1.0);
  }

  // Asserts a single successful result (verdict layer null) within the time bound.
  static void ExpectSuccess(const CheckRun& run, double timeout_seconds) {
    DumpOnFailure dump(run);
    const json result = Result(run, 0);
    ASSERT_TRUE(result.is_object()) << "no results[0] in the JSON";
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_EQ(Field(result, "success"), json(true));
    EXPECT_EQ(VerdictOf(result), "null/null");
    EXPECT_EQ(Str(Field(Layer(result, "tcp"), "status")), "ok");
    EXPECT_LE(run.elapsed_seconds, timeout_seconds + 1.0);
  }

  void DropForwardedToTargetAtR2() {
    lab_->nft(Node::kR2, ForwardChain("ip daddr 198.18.3.2 drop"));
    ASSERT_EQ(lab_->netprobe("tcp 198.18.3.2 22 --timeout 0.5"), "timeout") << kLabBroken;
    ASSERT_EQ(lab_->netprobe("tcp 198.18.3.2 22 --ttl 2"), "icmp 11/0 from 198.18.2.2")
        << kLabBroken;
  }

  std::unique_ptr<Lab> lab_;
};

// Not a reachprobe scenario: the facts every scenario builds on, checked with netprobe.py.
TEST_F(LabTest, LabSelfCheck) {
  EXPECT_EQ(lab_->netprobe("tcp 198.18.3.2 22"), "connected");
  EXPECT_EQ(lab_->netprobe("tcp 198.18.3.2 80"), "connected");
  EXPECT_EQ(lab_->netprobe("tcp 198.18.3.2 22 --ttl 1"), "icmp 11/0 from 198.18.1.1");
  EXPECT_EQ(lab_->netprobe("tcp 198.18.3.2 22 --ttl 2"), "icmp 11/0 from 198.18.2.2");
  EXPECT_EQ(lab_->netprobe("dns 198.18.1.1 target.lab"), "rcode 0 answers 1");
  EXPECT_EQ(lab_->netprobe("dns 198.18.1.1 target.lab --type AAAA"), "rcode 0 answers 0");
  EXPECT_EQ(lab_->netprobe("dns 198.18.1.1 missing.lab"), "rcode 3 answers 0");
  EXPECT_EQ(lab_->netprobe("dns 198.18.1.1 noaddr.lab"), "rcode 0 answers 0");
  EXPECT_EQ(lab_->netprobe("dns 198.18.1.1 elsewhere.test"), "rcode 5 answers 0");
  EXPECT_EQ(lab_->netprobe("sockets"), "raw ok dgram ok");
  EXPECT_EQ(lab_->netprobe("sockets", WithoutNetRaw()), "raw EPERM dgram ok");
  EXPECT_EQ(lab_->run(Node::kProber, "ping -c1 -W1 198.18.3.2").exit_code, 0);
}

TEST_F(LabTest, Healthy) {
  const CheckRun run = CheckJson({"198.18.3.2:22"});
  ExpectSuccess(run, 3.0);
  DumpOnFailure dump(run);
  const json result = Result(run, 0);
  EXPECT_EQ(Str(Field(result, "target")), "198.18.3.2:22");
  EXPECT_EQ(Str(Field(Layer(result, "icmp"), "status")), "ok");
  EXPECT_EQ(HopAddress(result, 1), kR1);
  EXPECT_EQ(HopAddress(result, 2), kR2);
  EXPECT_EQ(HopAddress(result, 3), kTargetIp);
  // Every answer in this lab takes well under a millisecond; a healthy check must not wait.
  EXPECT_LT(run.elapsed_seconds, 1.0);
}

// The path trace's TCP probes that reach the target are reset at once, and the tcp layer
// closes its connection: a listener that keeps everything it accepts holds nothing afterwards.
TEST_F(LabTest, TraceLeavesNoConnectionOnTheTarget) {
  lab_->spawn(Node::kTarget, LabToolCommand("lab_server.py") + " 198.18.3.2 tarpit:2400", "hold");
  ASSERT_EQ(lab_->netprobe("wait --timeout 10 --tcp 198.18.3.2:2400"), "ready") << kLabBroken;
  // The readiness probe above is held too (half-closed): count from here.
  const std::string close_wait = "ss -Htn state close-wait '( sport = :2400 )' | wc -l";
  const int before = std::stoi(lab_->run(Node::kTarget, close_wait).stdout_text);
  const CheckRun run = CheckJson({"198.18.3.2:2400"});
  ExpectSuccess(run, 3.0);
  // Only the tcp layer's own connection may remain, half-closed by its FIN (CLOSE-WAIT until
  // the application closes it); each of the three path probes that connected was reset.
  const CmdResult established =
      lab_->run(Node::kTarget, "ss -Htn state established '( sport = :2400 )' | wc -l");
  EXPECT_EQ(established.stdout_text, "0\n");
  const CmdResult held = lab_->run(Node::kTarget, close_wait);
  EXPECT_EQ(std::stoi(held.stdout_text), before + 1)
      << "path probes left connections on the target\n"
      << lab_->run(Node::kTarget, "ss -tnio '( sport = :2400 )'").stdout_text << run.json.dump();
}

TEST_F(LabTest, NoListenerIsTcpRefused) {
  ASSERT_EQ(lab_->netprobe("tcp 198.18.3.2 23"), "refused") << kLabBroken;
  ExpectFailure(CheckJson({"198.18.3.2:23"}), "tcp/refused", std::nullopt, 3.0);
}

TEST_F(LabTest, DroppedPortIsTcpTimeout) {
  lab_->nft(Node::kTarget, InputChain("tcp dport 22 drop"));
  ASSERT_EQ(lab_->netprobe("tcp 198.18.3.2 22 --timeout 0.5"), "timeout") << kLabBroken;
  const CheckRun run = CheckJson({"198.18.3.2:22"});
  ExpectFailure(run, "tcp/timeout", std::nullopt, 3.0);
  // The evidence that keeps this a tcp verdict rather than a path one: the host answers ICMP.
  DumpOnFailure dump(run);
  EXPECT_EQ(Str(Field(Layer(Result(run, 0), "icmp"), "status")), "ok");
}

TEST_F(LabTest, TargetAdminProhibited) {
  lab_->nft(Node::kTarget, InputChain("tcp dport 22 reject with icmp type admin-prohibited"));
  ASSERT_EQ(lab_->netprobe("tcp 198.18.3.2 22"), "icmp 3/13 from 198.18.3.2") << kLabBroken;
  ExpectFailure(CheckJson({"198.18.3.2:22"}), "tcp/admin_prohibited", kTargetIp, 3.0);
}

TEST_F(LabTest, RouterAdminProhibited) {
  lab_->nft(Node::kR2, ForwardChain("tcp dport 22 reject with icmp type admin-prohibited"));
  ASSERT_EQ(lab_->netprobe("tcp 198.18.3.2 22"), "icmp 3/13 from 198.18.2.2") << kLabBroken;
  ExpectFailure(CheckJson({"198.18.3.2:22"}), "tcp/admin_prohibited", kR2, 3.0);
}

TEST_F(LabTest, PortUnreachable) {
  lab_->nft(Node::kTarget, InputChain("tcp dport 22 reject"));
  ASSERT_EQ(lab_->netprobe("tcp 198.18.3.2 22"), "icmp 3/3 from 198.18.3.2") << kLabBroken;
  ExpectFailure(CheckJson({"198.18.3.2:22"}), "tcp/port_unreachable", kTargetIp, 3.0);
}

TEST_F(LabTest, TcpResetIsRefused) {
  lab_->nft(Node::kTarget, InputChain("tcp dport 22 reject with tcp reset"));
  ASSERT_EQ(lab_->netprobe("tcp 198.18.3.2 22"), "refused") << kLabBroken;
  ExpectFailure(CheckJson({"198.18.3.2:22"}), "tcp/refused", std::nullopt, 3.0);
}

TEST_F(LabTest, RouterDropsForwardIsLostAfterHop) {
  DropForwardedToTargetAtR2();
  ExpectFailure(CheckJson({"198.18.3.2:22"}), "path/lost_after_hop", kR2, 3.0);
}

TEST_F(LabTest, TargetLinkDownIsUnreachable) {
  // r2 keeps its connected route on a carrier-less link, so it ARPs for ~3 s and then answers
  // host unreachable (3/1). No netprobe check here: it would leave r2's entry FAILED first.
  lab_->must(Node::kTarget, std::string("ip link set ") + kTargetLink + " down");
  lab_->must(Node::kR2, "ip neigh flush to 198.18.3.2");
  ExpectFailure(CheckJson({"198.18.3.2:22"}, "5s"), "path/unreachable", kR2, 5.0);
}

TEST_F(LabTest, MissingRouteIsUnreachable) {
  lab_->must(Node::kR1, "ip route del 198.18.3.0/24");
  ASSERT_EQ(lab_->netprobe("tcp 198.18.3.2 22"), "icmp 3/0 from 198.18.1.1") << kLabBroken;
  ExpectFailure(CheckJson({"198.18.3.2:22"}), "path/unreachable", kR1, 3.0);
}

TEST_F(LabTest, DnsResolvesTarget) {
  ExpectSuccess(CheckJson({"target.lab:22"}, "3s", {"--dns.server", "198.18.1.1"}), 3.0);
}

TEST_F(LabTest, DnsNxdomain) {
  ExpectFailure(CheckJson({"missing.lab:22"}, "3s", {"--dns.server", "198.18.1.1"}), "dns/nxdomain",
                std::nullopt, 3.0);
}

TEST_F(LabTest, DnsNoAddress) {
  ExpectFailure(CheckJson({"noaddr.lab:22"}, "3s", {"--dns.server", "198.18.1.1"}),
                "dns/no_address", std::nullopt, 3.0);
}

TEST_F(LabTest, DnsTimeout) {
  ASSERT_EQ(kill(lab_->dnsmasq_pid(), SIGSTOP), 0);  // teardown sends SIGCONT before SIGKILL
  ASSERT_EQ(lab_->netprobe("dns 198.18.1.1 target.lab --timeout 0.3"), "timeout") << kLabBroken;
  ExpectFailure(CheckJson({"target.lab:22"}, "3s", {"--dns.server", "198.18.1.1"}), "dns/timeout",
                std::nullopt, 3.0);
}

TEST_F(LabTest, DnsRefused) {
  // dnsmasq has no upstream (--no-resolv), so a name outside its local zones is REFUSED.
  ExpectFailure(CheckJson({"elsewhere.test:22"}, "3s", {"--dns.server", "198.18.1.1"}),
                "dns/refused", std::nullopt, 3.0);
}

TEST_F(LabTest, IcmpFilteredIsWarn) {
  lab_->nft(Node::kTarget, InputChain("icmp type echo-request drop"));
  ASSERT_NE(lab_->run(Node::kProber, "ping -c1 -W1 198.18.3.2").exit_code, 0) << kLabBroken;
  const CheckRun run = CheckJson({"198.18.3.2:22"});
  ExpectSuccess(run, 3.0);
  DumpOnFailure dump(run);
  EXPECT_EQ(Str(Field(Layer(Result(run, 0), "icmp"), "status")), "warn");
}

TEST_F(LabTest, IcmpLossRatio) {
  // numgen counts every echo request from the prober: 3 of each 10 consecutive ones are dropped,
  // so 20 echoes in a row lose exactly 6, whatever the counter's phase.
  lab_->nft(Node::kR1,
            ForwardChain("ip saddr 198.18.1.2 icmp type echo-request numgen inc mod 10 < 3 drop"));
  const CheckRun run = CheckJson({"198.18.3.2:22"}, "8s", {"--count", "20"});
  ExpectSuccess(run, 8.0);
  DumpOnFailure dump(run);
  const json icmp = Layer(Result(run, 0), "icmp");
  EXPECT_EQ(Str(Field(icmp, "status")), "ok");
  ASSERT_TRUE(Field(icmp, "loss_ratio").is_number());
  const double loss = Field(icmp, "loss_ratio").get<double>();
  EXPECT_GE(loss, 0.1);
  EXPECT_LE(loss, 0.5);
}

TEST_F(LabTest, IcmpSocketKind) {
  ASSERT_EQ(lab_->netprobe("sockets", WithoutNetRaw()), "raw EPERM dgram ok")
      << "setpriv did not drop CAP_NET_RAW";
  const CheckRun unprivileged = CheckJson({"198.18.3.2:22"}, "3s", {}, WithoutNetRaw());
  ExpectSuccess(unprivileged, 3.0);
  {
    DumpOnFailure dump(unprivileged);
    const json icmp = Layer(Result(unprivileged, 0), "icmp");
    EXPECT_EQ(Str(Field(icmp, "status")), "ok");
    EXPECT_EQ(Str(Field(icmp, "socket")), "dgram");
  }
  const CheckRun root = CheckJson({"198.18.3.2:22"});
  ExpectSuccess(root, 3.0);
  DumpOnFailure dump(root);
  const json icmp = Layer(Result(root, 0), "icmp");
  EXPECT_EQ(Str(Field(icmp, "status")), "ok");
  EXPECT_EQ(Str(Field(icmp, "socket")), "raw");
}

TEST_F(LabTest, IcmpNotPermittedIsSkipped) {
  lab_->must(Node::kProber, "sysctl -qw net.ipv4.ping_group_range='1 0'");
  ASSERT_EQ(lab_->netprobe("sockets", WithoutNetRaw()), "raw EPERM dgram EACCES") << kLabBroken;
  const CheckRun run = CheckJson({"198.18.3.2:22"}, "3s", {}, WithoutNetRaw());
  ExpectSuccess(run, 3.0);
  DumpOnFailure dump(run);
  const json result = Result(run, 0);
  EXPECT_EQ(Str(Field(Layer(result, "icmp"), "status")), "skipped");
  // The summary must not hide that ICMP evidence is missing.
  const std::string summary = Lower(Str(Field(Field(result, "verdict"), "summary")));
  EXPECT_NE(summary.find("icmp"), std::string::npos) << summary;
  const bool says_missing = summary.find("not") != std::string::npos ||
                            summary.find("skip") != std::string::npos ||
                            summary.find("unavailable") != std::string::npos ||
                            summary.find("without") != std::string::npos;
  EXPECT_TRUE(says_missing) << summary;
}

TEST_F(LabTest, UnprivilegedPathTrace) {
  DropForwardedToTargetAtR2();
  ExpectFailure(CheckJson({"198.18.3.2:22"}, "3s", {}, WithoutNetRaw()), "path/lost_after_hop", kR2,
                3.0);
}

// A bare host is traced with TTL-limited ICMP echoes on the shared ICMP socket: on a raw socket
// the routers' time-exceeded arrive as packets, on a ping socket only through its error queue.
TEST_F(LabTest, BareHostEchoTraceOnRawAndPingSockets) {
  for (bool unprivileged : {false, true}) {
    const CheckRun run = CheckJson({"198.18.3.2"}, "3s", {},
                                   unprivileged ? WithoutNetRaw() : std::vector<std::string>{});
    DumpOnFailure dump(run);
    const json result = Result(run, 0);
    ASSERT_TRUE(result.is_object());
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_EQ(VerdictOf(result), "null/null");
    EXPECT_EQ(Str(Field(Layer(result, "icmp"), "socket")), unprivileged ? "dgram" : "raw");
    EXPECT_EQ(Str(Field(Layer(result, "path"), "method")), "icmp-echo");
    EXPECT_EQ(HopAddress(result, 1), kR1);
    EXPECT_EQ(HopAddress(result, 2), kR2);
    EXPECT_EQ(HopAddress(result, 3), kTargetIp);
    EXPECT_LT(run.elapsed_seconds, 1.0);
  }
}

TEST_F(LabTest, BareHostSilenceIsLostAfterHopOnPingSocket) {
  DropForwardedToTargetAtR2();
  ExpectFailure(CheckJson({"198.18.3.2"}, "3s", {}, WithoutNetRaw()), "path/lost_after_hop", kR2,
                3.0);
}

TEST_F(LabTest, BareHostEchoProhibitedByRouterNamesTheRouter) {
  lab_->nft(Node::kR2,
            ForwardChain("icmp type echo-request reject with icmp type admin-prohibited"));
  ASSERT_NE(lab_->run(Node::kProber, "ping -c1 -W1 198.18.3.2").exit_code, 0) << kLabBroken;
  ExpectFailure(CheckJson({"198.18.3.2"}), "icmp/admin_prohibited", kR2, 3.0);
}

// Bare hosts under --no-path are probed together by the echo sweep (layers/echo_sweep.cpp), on
// raw and on ping sockets: each target gets its own verdict and offender, in the order given,
// within its own deadline, beside healthy ones (the sweep's reports are run_target's, shown by
// tests/integration/echo_sweep_test.cpp).
TEST_F(LabTest, SweepGivesEachBareHostItsOwnVerdict) {
  for (const char* extra : {"198.18.3.3/24", "198.18.3.4/24"})
    lab_->must(Node::kTarget, std::string("ip addr add ") + extra + " dev " + kTargetLink);
  lab_->nft(Node::kTarget, InputChain("ip daddr 198.18.3.3 icmp type echo-request drop"));
  lab_->nft(Node::kR2, ForwardChain("ip daddr 198.18.3.4 icmp type echo-request reject with icmp "
                                    "type admin-prohibited"));
  ASSERT_EQ(lab_->run(Node::kProber, "ping -c1 -W1 198.18.3.2").exit_code, 0) << kLabBroken;
  ASSERT_NE(lab_->run(Node::kProber, "ping -c1 -W1 198.18.3.3").exit_code, 0) << kLabBroken;
  ASSERT_NE(lab_->run(Node::kProber, "ping -c1 -W1 198.18.3.4").exit_code, 0) << kLabBroken;
  const std::vector<std::string> targets = {"198.18.3.2", "198.18.3.3", "198.18.3.4", "198.18.2.2",
                                            "198.18.3.2"};
  for (bool unprivileged : {false, true}) {
    const CheckRun run = CheckJson(targets, "2s", {"--no-path", "--count", "2"},
                                   unprivileged ? WithoutNetRaw() : std::vector<std::string>{});
    DumpOnFailure dump(run);
    EXPECT_EQ(run.exit_code, 1);
    ASSERT_EQ(Field(run.json, "results").size(), targets.size());
    for (std::size_t i = 0; i < targets.size(); ++i) {
      EXPECT_EQ(Str(Field(Result(run, i), "target")), targets[i]);
      EXPECT_EQ(Str(Field(Layer(Result(run, i), "icmp"), "socket")),
                unprivileged ? "dgram" : "raw");
    }
    for (std::size_t i : {0U, 3U, 4U}) {
      EXPECT_EQ(VerdictOf(Result(run, i)), "null/null") << i;
      EXPECT_EQ(Field(Layer(Result(run, i), "icmp"), "received"), 2) << i;
    }
    EXPECT_EQ(VerdictOf(Result(run, 1)), "icmp/timeout");
    EXPECT_EQ(Field(Layer(Result(run, 1), "icmp"), "sent"), 2);
    EXPECT_EQ(VerdictOf(Result(run, 2)), "icmp/admin_prohibited");
    EXPECT_EQ(Str(Field(Field(Result(run, 2), "verdict"), "offender")), kR2);
    EXPECT_LE(run.elapsed_seconds, 3.0);
  }
  // The human report of the same sweep: a ladder each and the side-by-side table.
  const CheckRun text = Check({"--timeout", "2s", "--no-path", "198.18.3.2", "198.18.3.4"});
  DumpOnFailure dump(text);
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.stdout_text.find("verdict: icmp/admin_prohibited (offender 198.18.2.2)"),
            std::string::npos);
  EXPECT_NE(text.stdout_text.find("layer          198.18.3.2  198.18.3.4"), std::string::npos);
}

// Without any ICMP permission a bare host is still judged: the path trace falls back to TCP
// SYNs to port 80 (the lab target listens there) and becomes the required layer.
TEST_F(LabTest, BareHostWithoutIcmpPermissionIsJudgedByTcpTrace) {
  lab_->must(Node::kProber, "sysctl -qw net.ipv4.ping_group_range='1 0'");
  const CheckRun ok = CheckJson({"198.18.3.2"}, "3s", {}, WithoutNetRaw());
  {
    DumpOnFailure dump(ok);
    const json result = Result(ok, 0);
    ASSERT_TRUE(result.is_object());
    EXPECT_EQ(ok.exit_code, 0);
    EXPECT_EQ(Str(Field(Layer(result, "icmp"), "status")), "skipped");
    EXPECT_EQ(Str(Field(Layer(result, "path"), "method")), "tcp-syn");
    EXPECT_EQ(HopAddress(result, 3), kTargetIp);
  }
  DropForwardedToTargetAtR2();
  ExpectFailure(CheckJson({"198.18.3.2"}, "3s", {}, WithoutNetRaw()), "path/lost_after_hop", kR2,
                3.0);
}

TEST_F(LabTest, HumanReport) {
  const CheckRun healthy = Check({"--timeout", "3s", "198.18.3.2:22"});
  {
    DumpOnFailure dump(healthy);
    EXPECT_EQ(healthy.exit_code, 0);
    EXPECT_NE(healthy.stdout_text.find("verdict: ok"), std::string::npos);
    EXPECT_LE(healthy.elapsed_seconds, 4.0);
  }
  lab_->nft(Node::kTarget, InputChain("tcp dport 22 drop"));
  const CheckRun filtered = Check({"--timeout", "3s", "198.18.3.2:22"});
  DumpOnFailure dump(filtered);
  EXPECT_EQ(filtered.exit_code, 1);
  EXPECT_NE(filtered.stdout_text.find("verdict: tcp/timeout"), std::string::npos);
  EXPECT_LE(filtered.elapsed_seconds, 4.0);
}

TEST_F(LabTest, SeveralTargets) {
  const CheckRun run = CheckJson({"198.18.3.2:22", "198.18.3.2:23"});
  {
    DumpOnFailure dump(run);
    EXPECT_EQ(run.exit_code, 1);
    const json results = Field(run.json, "results");
    ASSERT_TRUE(results.is_array() && results.size() == 2) << "want two results";
    EXPECT_EQ(Str(Field(results[0], "target")), "198.18.3.2:22");
    EXPECT_EQ(Field(results[0], "success"), json(true));
    EXPECT_EQ(Str(Field(results[1], "target")), "198.18.3.2:23");
    EXPECT_EQ(VerdictOf(results[1]), "tcp/refused");
    EXPECT_LE(run.elapsed_seconds, 4.0);
  }
  const CheckRun human = Check({"--timeout", "3s", "198.18.3.2:22", "198.18.3.2:23"});
  DumpOnFailure dump(human);
  EXPECT_EQ(human.exit_code, 1);
  // The side-by-side table has one column per target, so both names share a header line.
  bool header_found = false;
  std::istringstream lines(human.stdout_text);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("198.18.3.2:22") != std::string::npos &&
        line.find("198.18.3.2:23") != std::string::npos) {
      header_found = true;
    }
  }
  EXPECT_TRUE(header_found) << "no line names both targets";
}

}  // namespace
}  // namespace reachprobe::lab
