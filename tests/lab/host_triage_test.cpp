// The host layer (CONTRACT §8, issue 15) against real OpenSSH sshd in the lab's target
// namespace: each test builds the fault the triage must find inside a reachable machine (an
// asymmetric return route behind a strict reverse-path filter, a FAILED neighbour entry, a
// FUSE mount whose daemon never answers with a task stuck on it, a slow AuthorizedKeysCommand,
// hostile shells) and runs the real binary with --ssh.triage / --ssh.triage-via.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "lab_test_util.hpp"
#include "netns_fixture.hpp"
#include "sshd_fixture.hpp"

namespace reachprobe::lab {
namespace {

using nlohmann::json;

constexpr int kTwoNics = 2210;   // listens on 198.18.3.2 (tr) and 198.18.4.2 (tr2)
constexpr int kFuse = 2211;      // in a mount namespace with a FUSE mount that never answers
constexpr int kSlowKeys = 2212;  // AuthorizedKeysCommand sleeps 1.5 s, then answers
constexpr int kGarbage = 2213;   // every command prints 200 KB of random bytes and exits
constexpr int kEndless = 2214;   // `true` works; anything else floods, then never ends
constexpr int kServePort = 19125;

std::string Url(const std::string& host, int port) {
  return "ssh://" + std::string(kSshUser) + "@" + host + ":" + std::to_string(port);
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string Summary(const json& result) {
  return Str(Field(Field(result, "verdict"), "summary"));
}

std::vector<std::string> FindingReasons(const json& host) {
  std::vector<std::string> out;
  for (const json& f : Field(host, "findings")) out.push_back(Str(Field(f, "reason")));
  return out;
}

class HostTriageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string& why : {MissingPrerequisite(), MissingSshPrerequisite()}) {
      if (!why.empty()) GTEST_SKIP() << why;
    }
    lab_ = std::make_unique<Lab>();
    ssh_ = std::make_unique<SshLab>(*lab_);
  }
  void TearDown() override {
    if (HasFailure() && ssh_) {
      for (const char* name : {"sshd-two-nics", "sshd-fuse", "sshd-slow-keys", "sshd-hostile"})
        std::cerr << "--- " << name << " log:\n" << ssh_->SshdLog(name) << "\n";
    }
    ssh_.reset();
    lab_.reset();
  }

  CheckRun Check(const std::vector<std::string>& extra, const std::string& timeout = "5s") {
    std::vector<std::string> args = {"--json", "--timeout", timeout, "--ssh.key-file",
                                     ssh_->key_file()};
    args.insert(args.end(), extra.begin(), extra.end());
    CheckRun run = lab_->check(args);
    if (Verbose()) std::cerr << "reachprobe check " << ::testing::PrintToString(args) << run;
    return run;
  }

  std::unique_ptr<Lab> lab_;
  std::unique_ptr<SshLab> ssh_;
};

// Acceptance 1. The target gets a second interface, tr2 (198.18.4.2) to r2, while its default
// route stays on tr. Replies from 198.18.4.2 leave tr, and r2's strict reverse-path filter
// drops them, as a cloud's source/destination check would: from outside the address is dead
// after r2. By the side door (198.18.3.2) the triage sees why.
TEST_F(HostTriageTest, TheSideDoorNamesAnAsymmetricReturnRoute) {
  const std::string r2 = lab_->ns(Node::kR2);
  lab_->must(Node::kTarget, "ip link add tr2 type veth peer name r2t2 netns " + r2 +
                                " && ip addr add 198.18.4.2/24 dev tr2 && ip link set tr2 up");
  lab_->must(Node::kR2,
             "ip addr add 198.18.4.1/24 dev r2t2 && ip link set r2t2 up && "
             "sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.r2t.rp_filter=1");
  lab_->must(Node::kR1, "ip route add 198.18.4.0/24 via 198.18.2.2");
  ssh_->StartSshd("sshd-two-nics", "Port 2210\nListenAddress 198.18.4.2\n", {kTwoNics});

  const std::string failing = Url("198.18.4.2", kTwoNics);
  const std::string door = Url(kSshHost, kTwoNics);
  // Outside only: the verdict, no host layer.
  {
    CheckRun run = Check({failing});
    DumpOnFailure dump(run);
    const json result = Result(run, 0);
    const std::string verdict = VerdictOf(result);
    EXPECT_TRUE(verdict == "path/lost_after_hop" || verdict == "tcp/timeout") << verdict;
    EXPECT_EQ(StatusOf(result, "host"), "absent");
  }
  // By the side door: the same verdict, and the inside cause with interface and source.
  CheckRun run = Check({"--ssh.triage-via", door, failing});
  DumpOnFailure dump(run);
  const json result = Result(run, 0);
  EXPECT_EQ(run.exit_code, 1);
  const std::string verdict = VerdictOf(result);
  EXPECT_TRUE(verdict == "path/lost_after_hop" || verdict == "tcp/timeout") << verdict;
  const std::string expected =
      "inside (by " + door +
      "), replies to 198.18.1.2 leave tr with source 198.18.4.2, not tr2 where 198.18.4.2 "
      "lives: an asymmetric return route";
  EXPECT_TRUE(Contains(Summary(result), expected)) << Summary(result);
  const json host = Layer(result, "host");
  EXPECT_EQ(Str(Field(host, "status")), "warn");
  EXPECT_EQ(Str(Field(host, "reason")), "return_route_mismatch");
  EXPECT_EQ(Str(Field(host, "via")), door);
  const json route = Field(host, "return_route");
  EXPECT_EQ(Str(Field(route, "client")), "198.18.1.2");
  EXPECT_EQ(Str(Field(route, "server")), "198.18.4.2");
  EXPECT_EQ(Str(Field(route, "device")), "tr");
  EXPECT_EQ(Str(Field(route, "address_device")), "tr2");
  EXPECT_LE(run.elapsed_seconds, 6.0);

  // The front door that works: the side door is never used, and its own triage finds nothing.
  CheckRun healthy = Check({"--ssh.triage-via", door, door});
  DumpOnFailure dump_healthy(healthy);
  const json ok = Result(healthy, 0);
  EXPECT_EQ(healthy.exit_code, 0);
  EXPECT_EQ(StatusOf(ok, "host"), "ok");
  EXPECT_EQ(Str(Field(Layer(ok, "host"), "via")), "null");
  EXPECT_EQ(Str(Field(Field(Layer(ok, "host"), "return_route"), "address_device")), "tr");
}

// Acceptance 2: a static FAILED entry for a peer on the target's link warns; a module whose
// fail_on lists neighbor_failed fails on it; critical_peers narrows the check; /probe says it.
TEST_F(HostTriageTest, AFailedNeighbourWarnsAndFailsAModuleThatSaysSo) {
  lab_->must(Node::kTarget, "ip neigh add 198.18.3.77 dev tr nud failed");
  const std::string target = Url(kSshHost, kSshHealthy);
  {
    CheckRun run = Check({"--ssh.triage", target});
    DumpOnFailure dump(run);
    const json result = Result(run, 0);
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_EQ(VerdictOf(result), "null/null");
    for (const char* layer : {"ssh_auth", "ssh_exec"}) EXPECT_EQ(StatusOf(result, layer), "ok");
    const json host = Layer(result, "host");
    EXPECT_EQ(Str(Field(host, "status")), "warn");
    EXPECT_EQ(Str(Field(host, "reason")), "neighbor_failed");
    EXPECT_EQ(FindingReasons(host), std::vector<std::string>{"neighbor_failed"});
    EXPECT_TRUE(
        Contains(Summary(result), "inside, the neighbour entry of 198.18.3.77 on tr is FAILED"))
        << Summary(result);
    EXPECT_LT(run.elapsed_seconds, 4.0);
  }
  const std::string config = lab_->scratch_dir() + "/triage.yml";
  // Two modules alike but for critical_peers.
  auto triage_module = [this](const std::string& name, const std::string& extra) {
    return "  " + name + ":\n    prober: ssh\n    timeout: 5s\n    ssh:\n      user: rptest\n" +
           "      key_file: " + ssh_->key_file() + "\n      triage: true\n" +
           "      fail_on: [neighbor_failed]\n" + extra;
  };
  WriteFile(config, "modules:\n" + triage_module("ssh_triage", "") +
                        triage_module("ssh_triage_peers", "      critical_peers: [198.18.3.1]\n"));
  const std::string host_port = std::string(kSshHost) + ":" + std::to_string(kSshHealthy);
  {
    CheckRun run =
        lab_->check({"--json", "--config.file", config, "--module", "ssh_triage", host_port});
    DumpOnFailure dump(run);
    const json result = Result(run, 0);
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_EQ(VerdictOf(result), "host/neighbor_failed");
    EXPECT_EQ(StatusOf(result, "host"), "fail");
    EXPECT_TRUE(Contains(Summary(result), "198.18.3.77 on tr is FAILED")) << Summary(result);
  }
  {
    CheckRun run =
        lab_->check({"--json", "--config.file", config, "--module", "ssh_triage_peers", host_port});
    DumpOnFailure dump(run);
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_EQ(StatusOf(Result(run, 0), "host"), "ok");
  }
  // /probe: the finding as a 0/1 series per reason, and the figures.
  lab_->spawn(Node::kProber,
              std::string(REACHPROBE_BINARY) + " serve --config.file " + config +
                  " --web.listen-address 127.0.0.1:" + std::to_string(kServePort),
              "serve-triage");
  std::string metrics;
  for (int i = 0; i < 50 && !Contains(metrics, "probe_success"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    metrics = lab_->run(Node::kProber, "curl -s 'http://127.0.0.1:" + std::to_string(kServePort) +
                                           "/probe?module=ssh_triage&target=" + host_port + "'")
                  .stdout_text;
  }
  EXPECT_TRUE(Contains(metrics, "probe_host_finding{reason=\"neighbor_failed\"} 1\n")) << metrics;
  EXPECT_TRUE(Contains(metrics, "probe_host_finding{reason=\"hung_mount\"} 0\n")) << metrics;
  EXPECT_TRUE(Contains(metrics, "probe_host_blocked_tasks ")) << metrics;
  EXPECT_TRUE(Contains(metrics, "probe_failure_info{layer=\"host\",reason=\"neighbor_failed\"} 1"))
      << metrics;
  if (lab_->run(Node::kProber, "command -v promtool").exit_code == 0) {
    const std::string file = lab_->scratch_dir() + "/triage.prom";
    WriteFile(file, metrics);
    CmdResult lint = lab_->run(Node::kProber, "promtool check metrics < " + file);
    EXPECT_EQ(lint.exit_code, 0) << lint.stdout_text << lint.stderr_text;
  }
}

// Acceptance 3: sshd runs beside a FUSE mount under the user's home whose daemon never
// answers, and a `stat` of it is stuck in D state. The login works and ends in time; the
// triage names the blocked task's wait channel and the hung mount.
TEST_F(HostTriageTest, AStuckMountUnderHomeIsAHungMountWithItsBlockedTask) {
  if (access("/dev/fuse", R_OK | W_OK) != 0) GTEST_SKIP() << "this machine has no /dev/fuse";
  const std::string mountpoint = ssh_->home() + "/data";
  std::filesystem::create_directory(mountpoint);
  ssh_->StartSshd("sshd-fuse", "Port 2211\n", {kFuse},
                  LabToolCommand("stuck_fuse.py") + " " + mountpoint + " " +
                      std::to_string(ssh_->uid()) + " " + std::to_string(ssh_->gid()) +
                      " --stuck --");
  CheckRun run = Check({"--ssh.triage", Url(kSshHost, kFuse)}, "8s");
  DumpOnFailure dump(run);
  const json result = Result(run, 0);
  EXPECT_EQ(run.exit_code, 0);
  for (const char* layer : {"ssh_auth", "ssh_exec"}) EXPECT_EQ(StatusOf(result, layer), "ok");
  const json host = Layer(result, "host");
  EXPECT_EQ(Str(Field(host, "status")), "warn");
  const auto reasons = FindingReasons(host);
  EXPECT_EQ(reasons, (std::vector<std::string>{"hung_mount", "blocked_tasks"}));
  EXPECT_GE(Field(host, "blocked_tasks").get<int>(), 1);
  ASSERT_FALSE(Field(host, "blocked").empty());
  EXPECT_EQ(Str(Field(Field(host, "blocked")[0], "command")), "stat");
  const std::string wchan = Str(Field(Field(host, "blocked")[0], "wait_channel"));
  EXPECT_TRUE(Contains(wchan, "fuse")) << wchan;
  EXPECT_TRUE(Contains(Summary(result),
                       "the fuse.rpfuse mount at " + mountpoint + " does not answer a stat in 2 s"))
      << Summary(result);
  EXPECT_TRUE(Contains(Summary(result), "stuck in D state")) << Summary(result);
  EXPECT_LE(run.elapsed_seconds, 9.0);
}

// Acceptance 4: the key lookup (AuthorizedKeysCommand) takes 1.5 s, below the timeout.
TEST_F(HostTriageTest, ASlowKeyLookupIsSlowNssWithTheMeasuredTime) {
  ssh_->StartSshd(
      "sshd-slow-keys",
      // Inside Match: sshd keeps the first AuthorizedKeysFile, the common one.
      "Port 2212\nMatch LocalPort 2212\n  AuthorizedKeysFile none\n"
      "  AuthorizedKeysCommand /usr/bin/sh -c \"sleep 1.5; cat %h/.ssh/authorized_keys\"\n"
      "  AuthorizedKeysCommandUser " +
          std::string(kSshUser) + "\n",
      {kSlowKeys});
  CheckRun run = Check({"--ssh.triage", Url(kSshHost, kSlowKeys)}, "8s");
  DumpOnFailure dump(run);
  const json result = Result(run, 0);
  EXPECT_EQ(run.exit_code, 0);
  const json host = Layer(result, "host");
  EXPECT_EQ(FindingReasons(host), std::vector<std::string>{"slow_nss"});
  EXPECT_GE(Field(host, "auth_seconds").get<double>(), 1.4);
  EXPECT_TRUE(Contains(Summary(result), "the SSH login's authentication took ")) << Summary(result);
}

// Acceptance 5: a shell that prints garbage, and a triage that floods and never ends. The
// rest of the report stays intact; the host layer is "not measured" or host/timeout.
TEST_F(HostTriageTest, HostileShellsLeaveTheRestOfTheReportIntact) {
  ssh_->StartSshd("sshd-hostile",
                  "Port 2213\nPort 2214\n"
                  "Match LocalPort 2213\n  ForceCommand head -c 200000 /dev/urandom\n"
                  "Match LocalPort 2214\n"
                  "  ForceCommand if [ \"$SSH_ORIGINAL_COMMAND\" = true ]; then exit 0; fi; "
                  "head -c 3000000 /dev/zero; sleep 60\n",
                  {kGarbage, kEndless});
  {
    CheckRun run = Check({"--ssh.triage", Url(kSshHost, kGarbage)});
    DumpOnFailure dump(run);
    const json result = Result(run, 0);
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_EQ(StatusOf(result, "ssh_exec"), "ok");
    EXPECT_EQ(StatusOf(result, "host"), "skipped");
    EXPECT_TRUE(Contains(Str(Field(Layer(result, "host"), "detail")), "not measured"));
    EXPECT_LE(run.elapsed_seconds, 6.0);
  }
  {
    CheckRun run = Check({"--ssh.triage", Url(kSshHost, kEndless)});
    DumpOnFailure dump(run);
    const json result = Result(run, 0);
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_EQ(VerdictOf(result), "null/null");
    EXPECT_EQ(StatusOf(result, "ssh_exec"), "ok");
    const json host = Layer(result, "host");
    EXPECT_EQ(Str(Field(host, "status")), "warn");
    EXPECT_EQ(Str(Field(host, "reason")), "timeout");
    EXPECT_TRUE(Contains(Summary(result), "the triage did not finish in time")) << Summary(result);
    EXPECT_LE(run.elapsed_seconds, 6.0);
  }
}

}  // namespace
}  // namespace reachprobe::lab
