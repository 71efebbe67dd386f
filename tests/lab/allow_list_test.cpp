// allowed_targets against every module kind's way of naming a host, in the lab: /probe answers
// 400 for a host outside the list and sends it nothing. The refused host is r2 (198.18.2.2):
// an nft counter on r2's input hook counts every packet the prober sends to it, and must stay
// at zero. Redirect hops are judged too: a hop outside the list ends the probe as
// http/redirects, and its SYN never leaves.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "netns_fixture.hpp"
#include "serve_fixture.hpp"

#ifndef REACHPROBE_BINARY
#error "REACHPROBE_BINARY must name the reachprobe executable"
#endif

namespace reachprobe::lab {
namespace {

constexpr int kGuardedPort = 19120;

// blackbox refuses allowed_targets and the ssh prober, so the ServeLab's own exporters read a
// plain module file and the guarded reachprobe gets this one.
constexpr const char* kPlainModules = R"(modules:
  tcp_connect:
    prober: tcp
)";

constexpr const char* kGuardedConfig = R"(allowed_targets: ['198.18.3.0/24', '*.ok.lab']
modules:
  tcp_connect:
    prober: tcp
    timeout: 3s
  icmp:
    prober: icmp
    timeout: 3s
  dns_lab:
    prober: dns
    timeout: 3s
    dns:
      query_name: target.lab
      query_type: A
  http_2xx:
    prober: http
    timeout: 3s
    http:
      preferred_ip_protocol: ip4
  grpc_plain:
    prober: grpc
    timeout: 3s
    grpc:
      tls: false
  grpc_tls:
    prober: grpc
    timeout: 3s
    grpc:
      tls: true
  ssh:
    prober: ssh
    timeout: 3s
)";

class AllowListTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string& why : {MissingPrerequisite(), MissingServePrerequisite()}) {
      if (!why.empty()) GTEST_SKIP() << why;
    }
    lab_ = std::make_unique<Lab>();
    serve_ = std::make_unique<ServeLab>(*lab_, kPlainModules);
    // Counts every packet from the prober that reaches r2 itself (not what it forwards).
    lab_->nft(Node::kR2,
              "chain input { type filter hook input priority 0; policy accept;\n"
              "  ip saddr 198.18.1.2 counter\n}");
    lab_->spawn(Node::kTarget,
                LabToolCommand("lab_server.py") +
                    " 198.18.3.2 redirect-ip:8080 redirect-name:8081 redirect-in:8082 http:8083",
                "redirect-listeners");
    const std::string config = lab_->scratch_dir() + "/guarded.yml";
    WriteFile(config, kGuardedConfig);
    lab_->spawn(Node::kProber,
                std::string(REACHPROBE_BINARY) + " serve --config.file " + config +
                    " --web.listen-address 127.0.0.1:" + std::to_string(kGuardedPort),
                "guarded");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (serve_->Request(kGuardedPort, "/-/healthy").status != 200) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "the guarded exporter never answered\n"
          << lab_->log_tail("guarded");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const std::string ready = lab_->netprobe("wait --tcp 198.18.3.2:8080 198.18.3.2:8083");
    ASSERT_EQ(ready, "ready") << lab_->log_tail("redirect-listeners");
  }

  HttpAnswer Probe(const std::string& module, const std::string& target) {
    return serve_->Request(
        kGuardedPort, "/probe",
        {"-G", "-H", "X-Prometheus-Scrape-Timeout-Seconds: 4", "--data-urlencode",
         "target=" + target, "--data-urlencode", "module=" + module});
  }

  // Packets from the prober that reached r2 since SetUp.
  long PacketsAtR2() {
    const CmdResult listed = lab_->run(Node::kR2, "nft list ruleset");
    std::smatch m;
    const std::regex counter("ip saddr 198\\.18\\.1\\.2 counter packets ([0-9]+)");
    if (!std::regex_search(listed.stdout_text, m, counter)) return -1;
    return std::stol(m[1]);
  }

  std::unique_ptr<Lab> lab_;
  std::unique_ptr<ServeLab> serve_;
};

struct Refused {
  const char* module;
  const char* target;
  const char* answer;  // what the 400's body says
};

// Each module kind, with and without the scheme, port, service or user it may carry.
constexpr Refused kRefused[] = {
    {"tcp_connect", "198.18.2.2:22", "Target \"198.18.2.2\" is not in allowed_targets"},
    {"tcp_connect", "tcp://198.18.2.2:22", "Target \"198.18.2.2\" is not in allowed_targets"},
    {"icmp", "198.18.2.2", "Target \"198.18.2.2\" is not in allowed_targets"},
    {"dns_lab", "198.18.2.2", "Target \"198.18.2.2\" is not in allowed_targets"},
    {"dns_lab", "198.18.2.2:53", "Target \"198.18.2.2\" is not in allowed_targets"},
    {"http_2xx", "198.18.2.2", "Target \"198.18.2.2\" is not in allowed_targets"},
    {"http_2xx", "http://198.18.2.2:80/x", "Target \"198.18.2.2\" is not in allowed_targets"},
    {"http_2xx", "https://198.18.2.2/", "Target \"198.18.2.2\" is not in allowed_targets"},
    {"grpc_plain", "198.18.2.2:9000", "Target \"198.18.2.2\" is not in allowed_targets"},
    {"grpc_plain", "198.18.2.2:9000/svc", "Target \"198.18.2.2\" is not in allowed_targets"},
    {"grpc_tls", "198.18.2.2:9000", "Target \"198.18.2.2\" is not in allowed_targets"},
    {"grpc_plain", "grpcs://198.18.2.2:9000/svc",
     "Target \"198.18.2.2\" is not in allowed_targets"},
    {"ssh", "198.18.2.2", "Target \"198.18.2.2\" is not in allowed_targets"},
    {"ssh", "monitor@198.18.2.2", "Target \"198.18.2.2\" is not in allowed_targets"},
    {"ssh", "ssh://monitor@198.18.2.2:22", "Target \"198.18.2.2\" is not in allowed_targets"},
    {"ssh", "ssh://198.18.2.2", "Target \"198.18.2.2\" is not in allowed_targets"},
    {"tcp_connect", "[2001:2::22]:22", "Target \"2001:2::22\" is not in allowed_targets"},
    // A name that matches no pattern is judged by what it resolves to (after DNS).
    {"tcp_connect", "rebind.lab:22",
     "Target \"rebind.lab\" resolves to 198.18.2.2, which is not in allowed_targets"},
    {"ssh", "monitor@rebind.lab",
     "Target \"rebind.lab\" resolves to 198.18.2.2, which is not in allowed_targets"},
    {"http_2xx", "http://rebind.lab/",
     "Target \"rebind.lab\" resolves to 198.18.2.2, which is not in allowed_targets"},
    {"dns_lab", "rebind.lab",
     "Target \"rebind.lab\" resolves to 198.18.2.2, which is not in allowed_targets"},
};

TEST_F(AllowListTest, EveryModuleKindRefusesAHostOutsideAndSendsItNothing) {
  ASSERT_EQ(PacketsAtR2(), 0);
  for (const auto& c : kRefused) {
    const HttpAnswer answer = Probe(c.module, c.target);
    EXPECT_EQ(answer.status, 400) << c.module << " " << c.target << ": " << answer.body;
    EXPECT_EQ(answer.body, std::string(c.answer) + "\n") << c.module << " " << c.target;
  }
  EXPECT_EQ(PacketsAtR2(), 0) << "a refused probe sent packets to 198.18.2.2\n"
                              << lab_->log_tail("guarded");
  // The control: the same probe from the exporter without a list reaches r2 and is counted.
  serve_->Probe(ServeLab::Exporter::kReachprobe, "198.18.2.2:22", "tcp_connect");
  EXPECT_GT(PacketsAtR2(), 0);
}

TEST_F(AllowListTest, HostsInsideTheListAreProbed) {
  // An address in a CIDR, and a name matching no pattern whose address is in one.
  for (const char* target : {"198.18.3.2:22", "target.lab:22"}) {
    const HttpAnswer answer = Probe("tcp_connect", target);
    ASSERT_EQ(answer.status, 200) << target << ": " << answer.body;
    EXPECT_NE(answer.body.find("probe_success 1"), std::string::npos) << target << answer.body;
  }
}

TEST_F(AllowListTest, RedirectOutsideTheListEndsTheProbeAsHttpRedirects) {
  for (const char* target : {"http://198.18.3.2:8080/", "http://198.18.3.2:8081/"}) {
    const HttpAnswer answer = Probe("http_2xx", target);
    ASSERT_EQ(answer.status, 200) << target << ": " << answer.body;
    EXPECT_NE(answer.body.find("probe_success 0"), std::string::npos) << target << answer.body;
    EXPECT_NE(answer.body.find("probe_failure_info{layer=\"http\",reason=\"redirects\"} 1"),
              std::string::npos)
        << target << answer.body;
    const HttpAnswer debug =
        serve_->Request(kGuardedPort, "/probe",
                        {"-G", "--data-urlencode", std::string("target=") + target,
                         "--data-urlencode", "module=http_2xx", "--data-urlencode", "debug=true"});
    EXPECT_NE(debug.body.find("not in allowed_targets"), std::string::npos) << debug.body;
  }
  EXPECT_EQ(PacketsAtR2(), 0) << "a refused redirect hop reached 198.18.2.2";
  // A hop to a name whose address is inside the list is followed.
  const HttpAnswer inside = Probe("http_2xx", "http://198.18.3.2:8082/");
  ASSERT_EQ(inside.status, 200) << inside.body;
  EXPECT_NE(inside.body.find("probe_success 1"), std::string::npos) << inside.body;
  EXPECT_NE(inside.body.find("probe_http_redirects 1"), std::string::npos) << inside.body;
}

}  // namespace
}  // namespace reachprobe::lab
