// `reachprobe serve` short of file descriptors and under hostile clients (issue 9, acceptance
// 2): run with `ulimit -n 256` in the lab's prober namespace, against tarpits in the target
// namespace (198.18.3.2: TCP port 9 and UDP port 5353 silently dropped, ICMP echo dropped,
// listeners on 8081 and 8082 that accept and never answer). The clients are
// tests/lab-tools/serve_load.py, run in the prober namespace; it reads the exporter's
// /proc/PID/fd and /proc/PID/stat.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "netns_fixture.hpp"

#ifndef REACHPROBE_BINARY
#error "REACHPROBE_BINARY must name the reachprobe executable"
#endif

namespace reachprobe::lab {
namespace {

constexpr int kPort = 19117;

// Modules with a timeout of their own (5 s: a tarpit holds the probe that long) and one
// without, so that the scrape header alone decides.
constexpr const char* kModules = R"(modules:
  tcp_connect:
    prober: tcp
    timeout: 5s
  http_2xx:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
  http_no_timeout:
    prober: http
    http:
      preferred_ip_protocol: ip4
  ssh:
    prober: ssh
    timeout: 5s
  dns_udp:
    prober: dns
    timeout: 5s
    dns:
      query_name: target.lab
      query_type: A
  icmp:
    prober: icmp
    timeout: 5s
)";

class ServeHardeningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = MissingPrerequisite(); !why.empty()) GTEST_SKIP() << why;
    lab_ = std::make_unique<Lab>();
    lab_->nft(Node::kTarget,
              "chain input { type filter hook input priority 0; policy accept;\n"
              "  tcp dport 9 drop\n  udp dport 5353 drop\n"
              "  icmp type echo-request drop\n}");
    lab_->spawn(Node::kTarget,
                LabToolCommand("lab_server.py") + " 198.18.3.2 tarpit:8081 tarpit:8082", "tarpits");
    const std::string config = lab_->scratch_dir() + "/hardening.yml";
    WriteFile(config, kModules);
    // `exec` all the way down: the spawned pid is the exporter itself.
    pid_ = lab_->spawn(Node::kProber,
                       "sh -c 'ulimit -n 256 && exec " + std::string(REACHPROBE_BINARY) +
                           " serve --config.file " + config +
                           " --web.listen-address 127.0.0.1:" + std::to_string(kPort) + "'",
                       "serve");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (lab_->run(Node::kProber,
                     "curl -s -m 1 -o /dev/null -w '%{http_code}' "
                     "http://127.0.0.1:" +
                         std::to_string(kPort) + "/-/healthy")
               .stdout_text != "200") {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the exporter never answered\n"
                                                            << lab_->log_tail("serve");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(lab_->netprobe("wait --tcp 198.18.3.2:8081 198.18.3.2:8082"), "ready")
        << lab_->log_tail("tarpits");
  }

  // serve_load.py PHASE with ARGS; its JSON answer.
  nlohmann::json Load(const std::string& phase, const std::string& args) {
    const CmdResult run = lab_->run(Node::kProber, LabToolCommand("serve_load.py") + " " + phase +
                                                       " " + std::to_string(kPort) + " " +
                                                       std::to_string(pid_) + " " + args);
    EXPECT_EQ(run.exit_code, 0) << run.stderr_text << "\n" << lab_->log_tail("serve");
    auto parsed = nlohmann::json::parse(run.stdout_text, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << run.stdout_text << run.stderr_text;
    return parsed;
  }

  bool ExporterAlive() const { return kill(pid_, 0) == 0; }

  // SIGTERM, then the exporter must have exited (a zombie until the Lab reaps it) with nothing
  // from a sanitizer in its log: on the asan build this is where a cancelled probe's leak or
  // use-after-free would show.
  void ExpectCleanExit() {
    ASSERT_EQ(kill(pid_, SIGTERM), 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (ReadFile("/proc/" + std::to_string(pid_) + "/stat").find(") Z ") == std::string::npos) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no exit after SIGTERM";
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const std::string log = ReadFile(lab_->scratch_dir() + "/serve.log");
    EXPECT_EQ(log.find("Sanitizer"), std::string::npos) << log.substr(0, 20000);
    EXPECT_EQ(log.find("runtime error"), std::string::npos) << log.substr(0, 20000);
  }

  std::unique_ptr<Lab> lab_;
  pid_t pid_ = -1;
};

// 400 idle connections, then 500 concurrent probes of a silently dropped port: far more than
// 256 descriptors. /-/healthy keeps answering fast, excess probes are refused (503) or their
// connections closed, never a spinning accept loop; once the clients are gone the exporter
// is idle and back to its resting descriptors.
TEST_F(ServeHardeningTest, IdleConnectionsAndTarpitProbesLeaveHealthyFastAndCpuIdle) {
  auto result = Load("load", "198.18.3.2:9 tcp_connect 400 500");
  ASSERT_TRUE(result.is_object());
  std::cout << "load: " << result.dump() << "\n";
  EXPECT_EQ(result["healthy_ok"], 20) << result["healthy_during"].dump();
  EXPECT_LT(result["healthy_max_ms"].get<double>(), 100.0) << result["healthy_during"].dump();
  EXPECT_LT(result["idle_cpu_fraction"].get<double>(), 0.05);
  EXPECT_LT(result["cpu_fraction_after"].get<double>(), 0.05);
  EXPECT_LE(result["fds_during"].get<int>(), 256);
  EXPECT_LT(result["fds_after"].get<int>(), 40);
  for (const auto& [status, count] : result["probe_statuses"].items()) {
    EXPECT_TRUE(status == "200" || status == "503" || status == "0") << status << ": " << count;
  }
  EXPECT_TRUE(ExporterAlive()) << lab_->log_tail("serve");
  ExpectCleanExit();
}

// A /probe client that closes its connection takes its probe with it: the probe's sockets
// are closed within a second, for every kind of layer a tarpit can hold (TCP connect, an
// HTTP request to a silent server, an SSH banner that never comes, a DNS query that is
// dropped, ICMP echoes that are dropped). Run it on the asan build too (README).
TEST_F(ServeHardeningTest, ClientThatDisconnectsFreesItsProbesSocketsWithinASecond) {
  const std::pair<const char*, const char*> cases[] = {
      {"198.18.3.2:9", "tcp_connect"}, {"http://198.18.3.2:8081/", "http_2xx"},
      {"198.18.3.2:8082", "ssh"},      {"198.18.3.2:5353", "dns_udp"},
      {"198.18.3.2", "icmp"},
  };
  for (const auto& [target, module] : cases) {
    auto result = Load("disconnect", std::string(target) + " " + module + " 20");
    ASSERT_TRUE(result.is_object()) << module;
    std::cout << module << ": " << result.dump() << "\n";
    EXPECT_LE(result["after_1s"].get<int>(), result["before"].get<int>() + 1) << module;
    EXPECT_EQ(result["healthy"], nlohmann::json::parse("[200,200,200]")) << module;
    ASSERT_TRUE(ExporterAlive()) << module << "\n" << lab_->log_tail("serve");
  }
  ExpectCleanExit();
}

// Over-limit and malformed requests get an answer (431, 413, 400), and the scrape timeout
// header is clamped: 1e10 no longer overflows into a probe that fails at once, inf and nan
// are refused with 500, a negative one gives the minimum.
TEST_F(ServeHardeningTest, LimitsAreAnsweredAndScrapeTimeoutsClamped) {
  auto result = Load("limits", "http://198.18.3.2:8081/ http_no_timeout");
  ASSERT_TRUE(result.is_object());
  std::cout << "limits: " << result.dump() << "\n";
  EXPECT_EQ(result["header_20k"], 431);
  EXPECT_EQ(result["body_100k"], 413);
  EXPECT_EQ(result["garbage"], 400);
  for (const char* huge : {"timeout_1e10", "timeout_1e9"}) {
    EXPECT_EQ(result[huge]["status"], 0) << huge << ": answered before the client gave up";
    EXPECT_GE(result[huge]["seconds"].get<double>(), 2.9) << huge;
  }
  EXPECT_EQ(result["timeout_inf"]["status"], 500);
  EXPECT_EQ(result["timeout_nan"]["status"], 500);
  EXPECT_EQ(result["timeout_-5"]["status"], 200);
  EXPECT_EQ(result["healthy_after"], 200);
  EXPECT_TRUE(ExporterAlive()) << lab_->log_tail("serve");
  ExpectCleanExit();
}

// `check` short of descriptors: at whatever limit the TCP socket can no longer be opened, the
// failure is the prober's (verdict layer and reason null, the EMFILE sentence, exit 1), never
// path/no_route; with enough descriptors the same target succeeds.
TEST_F(ServeHardeningTest, CheckOutOfDescriptorsIsTheProbersErrorNotTheNetworks) {
  int prober_errors = 0;
  int successes = 0;
  for (int limit = 6; limit <= 24; ++limit) {
    const CmdResult run =
        lab_->run(Node::kProber, "sh -c 'ulimit -n " + std::to_string(limit) + " && exec " +
                                     std::string(REACHPROBE_BINARY) +
                                     " check --no-path --json 198.18.3.2:22'");
    auto json = nlohmann::json::parse(run.stdout_text, nullptr, false);
    if (json.is_discarded()) continue;  // too few descriptors even to start
    const auto& result = json["results"][0];
    SCOPED_TRACE("ulimit -n " + std::to_string(limit) + ": " + result.dump());
    EXPECT_NE(result["verdict"]["layer"], "path");
    if (result["success"] == true) {
      ++successes;
      EXPECT_EQ(run.exit_code, 0);
    } else {
      ++prober_errors;
      EXPECT_EQ(run.exit_code, 1);
      EXPECT_TRUE(result["verdict"]["layer"].is_null());
      EXPECT_TRUE(result["verdict"]["reason"].is_null());
      EXPECT_NE(result["verdict"]["summary"].get<std::string>().find(
                    "ran out of file descriptors (EMFILE)"),
                std::string::npos);
    }
  }
  EXPECT_GT(prober_errors, 0);
  EXPECT_GT(successes, 0);
}

}  // namespace
}  // namespace reachprobe::lab
