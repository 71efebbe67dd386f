// The host layer's pure parts (CONTRACT §8): the parser on recorded outputs of
// prober/host/host_triage.sh (tests/unit/triage_outputs), hostile ones included, the
// assessment's thresholds, and the embedded script run for real by this machine's sh.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include "host/triage_assessment.hpp"
#include "host/triage_parser.hpp"
#include "host/triage_script.hpp"

namespace reachprobe::host {
namespace {

using engine::HostEvidence;
using engine::Reason;

std::string recorded(const std::string& name) {
  std::ifstream in(std::string(REACHPROBE_TRIAGE_OUTPUTS) + "/" + name);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_FALSE(text.str().empty()) << name;
  return text.str();
}

HostEvidence assessed(const std::string& output, const targets::HostTriageSpec& spec = {}) {
  auto e = parse_triage_output(output);
  e.triage_seconds = 0.5;
  assess(e, spec);
  return e;
}

std::vector<Reason> reasons(const HostEvidence& e) {
  std::vector<Reason> out;
  for (const auto& f : e.findings) out.push_back(f.reason);
  return out;
}

const engine::HostFinding* finding(const HostEvidence& e, Reason reason) {
  for (const auto& f : e.findings)
    if (f.reason == reason) return &f;
  return nullptr;
}

TEST(HostTriage, AHealthyHostHasFactsAndNoFindings) {
  auto e = assessed(recorded("healthy_debian.txt"));
  EXPECT_TRUE(e.complete);
  EXPECT_TRUE(e.findings.empty()) << findings_text(e);
  EXPECT_EQ(e.client, "198.18.1.2");
  EXPECT_EQ(e.server, "198.18.3.2");
  EXPECT_EQ(e.route_device, "tr");
  EXPECT_EQ(e.route_gateway, "198.18.3.1");
  EXPECT_EQ(e.address_device, "tr");
  EXPECT_DOUBLE_EQ(e.psi_io_some_avg10.value_or(-1), 0.12);
  EXPECT_DOUBLE_EQ(e.psi_cpu_some_avg10.value_or(-1), 0.97);
  EXPECT_EQ(e.cpus, 2);
  EXPECT_EQ(e.blocked_tasks, 0);
  EXPECT_DOUBLE_EQ(e.nss_seconds.value_or(-1), 0.01);
  EXPECT_EQ(e.home, "/home/rptest");
  ASSERT_EQ(e.not_measured.size(), 1u);
  EXPECT_EQ(e.not_measured[0], "hung: dmesg not readable");
}

TEST(HostTriage, RepliesLeavingAnotherInterfaceAreAnAsymmetricReturnRoute) {
  auto e = assessed(recorded("asymmetric_via.txt"));
  ASSERT_EQ(reasons(e), std::vector<Reason>{Reason::return_route_mismatch});
  EXPECT_EQ(e.findings[0].text,
            "replies to 198.18.1.2 leave tr with source 198.18.4.2, not tr2 where 198.18.4.2 "
            "lives: an asymmetric return route");
}

TEST(HostTriage, NoRouteBackIsAMismatchAndAnAddressOnLoIsNot) {
  const std::string addr = "rpt addr 3: tr    inet 198.18.3.2/24 scope global tr\n";
  auto no_route = assessed(
      "rpt begin 1\nrpt route_for 198.18.1.2 198.18.3.2\n"
      "rpt route RTNETLINK answers: Network is unreachable\n" +
      addr + "rpt end\n");
  ASSERT_EQ(reasons(no_route), std::vector<Reason>{Reason::return_route_mismatch});
  EXPECT_NE(no_route.findings[0].text.find("no route back to 198.18.1.2 from 198.18.3.2"),
            std::string::npos);
  auto unreachable_type = assessed(
      "rpt begin 1\nrpt route_for 198.18.1.2 198.18.3.2\n"
      "rpt route unreachable 198.18.1.2 from 198.18.3.2 uid 0\n" +
      addr + "rpt end\n");
  EXPECT_EQ(reasons(unreachable_type), std::vector<Reason>{Reason::return_route_mismatch});
  auto prohibit = assessed(
      "rpt begin 1\nrpt route_for 2001:2:0:1::2 2001:2:0:3::2\n"
      "rpt route prohibit 2001:2:0:1::2 from 2001:2:0:3::2 dev lo proto kernel metric 0 error -13\n"
      "rpt addr 3: tr    inet6 2001:2:0:3::2/64 scope global\nrpt end\n");
  EXPECT_EQ(reasons(prohibit), std::vector<Reason>{Reason::return_route_mismatch});
  // An address this host does not hold (NAT, another machine): not judged, said so.
  auto foreign = assessed(
      "rpt begin 1\nrpt route_for 198.18.1.2 198.18.9.9\n"
      "rpt route RTNETLINK answers: Invalid argument\nrpt end\n");
  EXPECT_TRUE(foreign.findings.empty()) << findings_text(foreign);
  EXPECT_EQ(foreign.not_measured,
            std::vector<std::string>{"return route: 198.18.9.9 is not an address of this host"});
  auto on_lo = assessed(
      "rpt begin 1\nrpt route_for 198.18.1.2 198.18.9.9\n"
      "rpt route 198.18.1.2 from 198.18.9.9 via 198.18.3.1 dev tr uid 0\n"
      "rpt addr 1: lo    inet 198.18.9.9/32 scope global lo\nrpt end\n");
  EXPECT_TRUE(on_lo.findings.empty()) << findings_text(on_lo);
  auto v6 = assessed(
      "rpt begin 1\nrpt route_for 2001:2:0:1::2 2001:2:0:4::2\n"
      "rpt route 2001:2:0:1::2 from 2001:2:0:4::2 via 2001:2:0:3::1 dev tr proto kernel\n"
      "rpt addr 5: tr2    inet6 2001:2:0:4:0:0:0:2/64 scope global\nrpt end\n");
  ASSERT_EQ(reasons(v6), std::vector<Reason>{Reason::return_route_mismatch});
  EXPECT_NE(v6.findings[0].text.find("not tr2 where 2001:2:0:4::2 lives"), std::string::npos);
}

TEST(HostTriage, AStuckHostShowsEveryFindingInOrder) {
  auto e = assessed(recorded("stuck_fuse.txt"));
  EXPECT_EQ(reasons(e),
            (std::vector<Reason>{Reason::neighbor_failed, Reason::hung_mount, Reason::blocked_tasks,
                                 Reason::io_pressure, Reason::slow_nss}));
  EXPECT_EQ(finding(e, Reason::neighbor_failed)->text,
            "the neighbour entry of 198.18.3.77 on tr is FAILED, of 198.18.3.78 on tr is "
            "INCOMPLETE");
  EXPECT_EQ(finding(e, Reason::hung_mount)->text,
            "the fuse.rpfuse mount at /home/rptest/data does not answer a stat in 2 s: a hung "
            "mount");
  EXPECT_EQ(finding(e, Reason::blocked_tasks)->text,
            "2 tasks are stuck in D state (uninterruptible I/O wait), waiting in fuse_get_req x2 "
            "(e.g. pid 812 stat)");
  EXPECT_NE(finding(e, Reason::io_pressure)->text.find("42.5 %"), std::string::npos);
  EXPECT_NE(finding(e, Reason::slow_nss)->text.find("getent passwd took 2.30 s"),
            std::string::npos);
  // Only the hung-task line of the last hour is kept.
  ASSERT_EQ(e.hung_task_lines.size(), 1u);
  EXPECT_NE(e.hung_task_lines[0].find("stat:812"), std::string::npos);
  ASSERT_EQ(e.mounts.size(), 2u);
  EXPECT_EQ(e.mounts[1].stat_status, 0);
  EXPECT_EQ(e.blocked[1].command, "ls -l");
}

TEST(HostTriage, ThresholdsAndCriticalPeersAreTheModulesToSet) {
  targets::HostTriageSpec spec;
  spec.critical_peers = {"198.18.3.78"};
  spec.psi_io_some_avg10 = 50;
  spec.blocked_tasks = 3;
  spec.nss_threshold = std::chrono::seconds(5);
  auto e = assessed(recorded("stuck_fuse.txt"), spec);
  // 2 D-state tasks are below 3, but the kernel's hung-task line still counts.
  EXPECT_EQ(reasons(e), (std::vector<Reason>{Reason::neighbor_failed, Reason::hung_mount,
                                             Reason::blocked_tasks}));
  EXPECT_EQ(finding(e, Reason::neighbor_failed)->text,
            "the neighbour entry of 198.18.3.78 on tr is INCOMPLETE");
  EXPECT_NE(finding(e, Reason::blocked_tasks)->text.find("hung tasks in the last hour"),
            std::string::npos);
}

TEST(HostTriage, CriticalPeersMatchWhateverTheSpelling) {
  targets::HostTriageSpec spec;
  spec.critical_peers = {"2001:2:0:3:0::9"};
  auto e = assessed(
      "rpt begin 1\nrpt neigh 2001:2:0:3::9 dev tr FAILED\n"
      "rpt neigh 2001:2:0:3::8 dev tr FAILED\nrpt end\n",
      spec);
  ASSERT_EQ(reasons(e), std::vector<Reason>{Reason::neighbor_failed});
  EXPECT_EQ(e.findings[0].text, "the neighbour entry of 2001:2:0:3::9 on tr is FAILED");
}

TEST(HostTriage, AuthenticationTimeMeasuredOutsideIsSlowNss) {
  auto e = parse_triage_output(recorded("healthy_debian.txt"));
  e.auth_seconds = 2.04;
  assess(e, {});
  ASSERT_EQ(reasons(e), std::vector<Reason>{Reason::slow_nss});
  EXPECT_NE(e.findings[0].text.find("authentication took 2.04 s"), std::string::npos);
}

TEST(HostTriage, BusyboxWithoutIpOrTimeoutIsNotMeasuredRatherThanFailed) {
  auto e = assessed(recorded("busybox.txt"));
  EXPECT_TRUE(e.complete);
  ASSERT_EQ(reasons(e), std::vector<Reason>{Reason::neighbor_failed});
  EXPECT_EQ(e.failed_neighbors, std::vector<std::string>{"198.18.3.99 dev eth0 INCOMPLETE"});
  EXPECT_FALSE(e.psi_io_some_avg10);
  EXPECT_EQ(e.not_measured.size(), 8u);  // 7 skipped steps, and the return route
  EXPECT_EQ(e.route_device, "");
}

TEST(HostTriage, ACutOffTriageCountsAMountWithoutAnswerAsHungOnlyAfterTwoSeconds) {
  std::string cut = "rpt begin 1\nrpt user rptest /home/rptest\nrpt mount nfs4 /srv/data\n";
  auto early = parse_triage_output(cut);
  early.triage_seconds = 1.0;
  assess(early, {});
  EXPECT_TRUE(early.findings.empty());
  auto late = parse_triage_output(cut);
  late.triage_seconds = 3.0;
  assess(late, {});
  EXPECT_EQ(reasons(late), std::vector<Reason>{Reason::hung_mount});
  EXPECT_NE(late.findings[0].text.find("the nfs4 mount at /srv/data, the home directory"),
            std::string::npos);
}

TEST(HostTriage, HostileOutputNeverCrashesAndKeepsWithinItsLimits) {
  // Binary garbage.
  std::mt19937 random(42);
  std::string garbage;
  for (int i = 0; i < 200000; ++i) garbage += static_cast<char>(random() % 256);
  auto g = assessed(garbage);
  EXPECT_FALSE(g.complete);
  EXPECT_TRUE(g.findings.empty());
  // The script's lines with binary values: printable only, numbers refused.
  auto b = assessed(std::string("rpt begin 1\nrpt route_for 198.18.1.2 198.18.3.2\n") +
                    "rpt neigh 198.18.3.7\x01\xff dev t\x1b[31mr FAILED\n"
                    "rpt dcount 99999999999999999999\nrpt psi io some avg10=nan\n"
                    "rpt nss 0 -5\nrpt cpus two\nrpt end\n");
  ASSERT_EQ(b.failed_neighbors.size(), 1u);
  for (char c : b.failed_neighbors[0]) EXPECT_TRUE(c >= 0x20 && c <= 0x7e);
  EXPECT_FALSE(b.blocked_tasks);
  EXPECT_FALSE(b.psi_io_some_avg10);
  EXPECT_FALSE(b.nss_seconds);
  EXPECT_FALSE(b.cpus);
  // A flood: lines and lists stay capped.
  std::string flood = "rpt begin 1\n";
  for (int i = 0; i < 100000; ++i)
    flood += "rpt neigh 198.18.3." + std::to_string(i % 250) + " dev tr FAILED\n";
  auto f = assessed(flood);
  EXPECT_TRUE(f.output_truncated);
  EXPECT_EQ(f.failed_neighbors.size(), 64u);
  // One endless line.
  auto l = assessed("rpt begin 1\nrpt hung " + std::string(5'000'000, 'x'));
  ASSERT_EQ(l.hung_task_lines.size(), 1u);
  EXPECT_LE(l.hung_task_lines[0].size(), kMaxTriageLineBytes);
  // Before the begin marker and after the end marker, nothing counts.
  auto m = assessed(
      "rpt neigh 198.18.3.5 dev tr FAILED\nrpt begin 1\nrpt end\n"
      "rpt neigh 198.18.3.6 dev tr FAILED\n");
  EXPECT_TRUE(m.complete);
  EXPECT_TRUE(m.failed_neighbors.empty());
  // Truncated in the middle of the recorded healthy output.
  std::string healthy = recorded("healthy_debian.txt");
  auto t = assessed(healthy.substr(0, healthy.size() / 2));
  EXPECT_FALSE(t.complete);
  EXPECT_EQ(t.route_device, "tr");
}

// Only markers with the nonce count: a process name or rc file that prints "rpt end" cannot
// cut the evidence short, nor can anything before the real begin marker add to it.
TEST(HostTriage, OnlyMarkersCarryingTheNonceBeginAndEnd) {
  std::string output =
      "rpt begin 1 fake\nrpt neigh 198.18.3.5 dev tr FAILED\n"
      "rpt begin 1 n0nce\nrpt dstate 7 - x\nrpt end\nrpt end fake\n"
      "rpt neigh 198.18.3.6 dev tr FAILED\nrpt end n0nce\nrpt neigh 198.18.3.7 dev tr FAILED\n";
  auto e = parse_triage_output(output, "n0nce");
  EXPECT_TRUE(e.complete);
  EXPECT_EQ(e.failed_neighbors, std::vector<std::string>{"198.18.3.6 dev tr FAILED"});
  EXPECT_FALSE(parse_triage_output("rpt begin 1 n0nce\nrpt end\n", "n0nce").complete);
}

// The embedded script, run for real by this machine's /bin/sh exactly as the target's login
// shell would be asked to: read-only, it must end with its marker and parse.
TEST(HostTriage, TheEmbeddedScriptRunsUnderThisMachinesShell) {
  EXPECT_NE(triage_script_text().find("out \"begin 1 $nonce\""), std::string::npos);
  std::string command = triage_command("198.18.1.2", "127.0.0.1", "c0ffee") + " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (std::size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  EXPECT_EQ(pclose(pipe), 0);
  auto e = parse_triage_output(output, "c0ffee");
  EXPECT_TRUE(e.complete) << output;
  EXPECT_EQ(e.client, "198.18.1.2");
  EXPECT_EQ(e.server, "127.0.0.1");
  EXPECT_EQ(e.address_device, "lo");
  EXPECT_TRUE(e.cpus.has_value());
  EXPECT_TRUE(e.blocked_tasks.has_value());
}

TEST(HostTriage, TheCommandQuotesItsArgumentsForAnyPosixShell) {
  std::string command = triage_command("a'b", "", "n");
  EXPECT_EQ(command.rfind("sh -c '", 0), 0u);
  EXPECT_NE(command.find(" reachprobe-triage 'a'\\''b' '' 'n'"), std::string::npos);
}

}  // namespace
}  // namespace reachprobe::host
