#include "targets/config_loader.hpp"

#include <gtest/gtest.h>

namespace reachprobe::targets {
namespace {

// The shape of blackbox_exporter's documented example config (example.yml), trimmed.
constexpr const char* kBlackboxExample = R"(modules:
  http_2xx_example:
    prober: http
    timeout: 5s
    http:
      valid_http_versions: ["HTTP/1.1", "HTTP/2.0"]
      valid_status_codes: []
      method: GET
      headers:
        Host: vhost.example.com
        Accept-Language: en-US
      no_follow_redirects: false
      fail_if_ssl: false
      fail_if_not_ssl: false
      fail_if_body_matches_regexp:
        - "Could not connect to database"
      fail_if_body_not_matches_regexp:
        - "Download the latest version here"
      fail_if_header_matches:
        - header: Set-Cookie
          allow_missing: true
          regexp: '.*'
      fail_if_header_not_matches:
        - header: Access-Control-Allow-Origin
          regexp: '(\*|example\.com)'
      tls_config:
        insecure_skip_verify: false
      preferred_ip_protocol: "ip4"
      ip_protocol_fallback: false
  tcp_connect_example:
    prober: tcp
    timeout: 5s
  icmp_example:
    prober: icmp
    timeout: 5s
    icmp:
      preferred_ip_protocol: "ip4"
      source_ip_address: "127.0.0.1"
  dns_udp_example:
    prober: dns
    timeout: 5s
    dns:
      query_name: "www.prometheus.io"
      query_type: "A"
      valid_rcodes:
      - NOERROR
      validate_answer_rrs:
        fail_if_matches_regexp:
        - ".*127.0.0.1"
  grpc_plain:
    prober: grpc
    grpc:
      tls: false
      service: "service1"
  ssh_full:
    prober: ssh
    timeout: 8s
    layers: [icmp, path, tcp, ssh_banner, ssh_handshake]
    ssh:
      user: monitor
      command: "uptime"
      expect: "load average"
      exec_timeout: 3s
)";

TEST(ConfigLoader, BlackboxExampleLoads) {
  auto config = load_config_text(kBlackboxExample, "example.yml");
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->modules.size(), 6u);
  const auto& http = config->modules.at("http_2xx_example");
  EXPECT_EQ(http.prober, ProberKind::http);
  EXPECT_EQ(http.timeout, std::chrono::seconds(5));
  EXPECT_EQ(http.http.headers.at("Host"), "vhost.example.com");
  EXPECT_EQ(http.http_address.preferred_ip_protocol, "ip4");
  EXPECT_FALSE(http.http_address.ip_protocol_fallback);
  EXPECT_EQ(http.http.fail_if_header_not_matches.at(0).header, "Access-Control-Allow-Origin");
  EXPECT_EQ(config->modules.at("dns_udp_example").dns.query_type, "A");
  EXPECT_EQ(config->modules.at("grpc_plain").grpc.service, "service1");
  const auto& ssh = config->modules.at("ssh_full");
  EXPECT_EQ(ssh.ssh.user, "monitor");
  EXPECT_EQ(ssh.ssh.exec_timeout, std::chrono::seconds(3));
  EXPECT_EQ(ssh.layers.size(), 5u);
}

TEST(ConfigLoader, HostTriageOptionsAndTheirDefaults) {
  auto config = load_config_text(R"(modules:
  triage:
    prober: ssh
    ssh:
      triage: true
      fail_on: [neighbor_failed, hung_mount]
      critical_peers: [198.18.3.1, "2001:2::1"]
      psi_io_threshold: 25.5
      blocked_tasks_threshold: 3
      nss_threshold: 2s
      triage_timeout: 4s
  side:
    prober: ssh
    ssh:
      triage_via: ssh://monitor@198.18.3.2:2222
  plain:
    prober: ssh
)",
                                 "t.yml");
  ASSERT_TRUE(config) << config.error();
  const auto& t = config->modules.at("triage").ssh.triage;
  EXPECT_TRUE(t.enabled);
  EXPECT_EQ(t.fail_on, (std::vector<std::string>{"neighbor_failed", "hung_mount"}));
  EXPECT_EQ(t.critical_peers.size(), 2u);
  EXPECT_DOUBLE_EQ(t.psi_io_some_avg10, 25.5);
  EXPECT_EQ(t.blocked_tasks, 3);
  EXPECT_EQ(t.nss_threshold, std::chrono::seconds(2));
  EXPECT_EQ(t.timeout, std::chrono::seconds(4));
  const auto& side = config->modules.at("side").ssh.triage;
  EXPECT_TRUE(side.enabled);  // triage_via implies triage
  EXPECT_EQ(side.via, "ssh://monitor@198.18.3.2:2222");
  const auto& plain = config->modules.at("plain").ssh.triage;
  EXPECT_FALSE(plain.enabled);
  EXPECT_DOUBLE_EQ(plain.psi_io_some_avg10, 10.0);
  EXPECT_EQ(plain.blocked_tasks, 1);
  EXPECT_EQ(plain.nss_threshold, std::chrono::seconds(1));
}

TEST(ConfigLoader, HostTriageMistakesNameTheLine) {
  auto module = [](const std::string& ssh) {
    return "modules:\n  m:\n    prober: ssh\n    ssh:\n      " + ssh + "\n";
  };
  for (const auto& [ssh, message] : std::vector<std::pair<std::string, std::string>>{
           {"fail_on: [slow_dns]", "\"slow_dns\" is not a host reason"},
           {"critical_peers: [gateway]", "\"gateway\" is not an IP address"},
           {"psi_io_threshold: 150", "is not a percentage from 0 to 100"},
           {"blocked_tasks_threshold: -1", "blocked_tasks_threshold must be 0 (off) or more"},
           {"triage_via: https://198.18.3.2", "is not ssh://[user@]host[:port]"},
           {"triage: maybe", "a boolean"}}) {
    auto config = load_config_text(module(ssh), "bad.yml");
    ASSERT_FALSE(config) << ssh;
    EXPECT_NE(config.error().find(message), std::string::npos) << config.error();
    EXPECT_NE(config.error().find("bad.yml:5"), std::string::npos) << config.error();
  }
}

TEST(ConfigLoader, DefaultsApplyPerSection) {
  auto config = load_config_text("modules:\n  i:\n    prober: icmp\n", "d.yml");
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->modules.at("i").icmp.ttl, 64);
  EXPECT_EQ(config->modules.at("i").icmp.address.preferred_ip_protocol, "ip6");
  EXPECT_TRUE(config->modules.at("i").icmp.address.ip_protocol_fallback);
  EXPECT_TRUE(default_config().modules.contains("http_2xx"));
}

TEST(ConfigLoader, EachInvalidFileNamesFileLineAndKey) {
  struct Case {
    const char* yaml;
    const char* message;
  };
  for (const auto& c : std::vector<Case>{
           {"modules:\n  m:\n    prober: http\n    http:\n      bogus_option: 1\n",
            "bad.yml:5: field bogus_option not found in type config.HTTPProbe"},
           {"modules:\n  m:\n    prober: htp\n", "bad.yml:3: unknown prober \"htp\""},
           {"modules:\n  m:\n    prober: icmp\n    icmp:\n      ttl: 300\n",
            "bad.yml:5: \"ttl\" cannot exceed 255"},
           {"modules:\n  m:\n    prober: icmp\n    icmp:\n      ttl: -1\n",
            "bad.yml:5: \"ttl\" cannot be negative"},
           {"modules:\n  m:\n    prober: dns\n",
            "bad.yml:3: query name must be set for DNS module"},
           {"modules:\n  m:\n    prober: http\n    http:\n      valid_status_codes: [2xx]\n",
            "bad.yml:5: cannot read \"2xx\" as status code"},
           {"modules:\n  m:\n    prober: http\n    timeout: soon\n",
            "bad.yml:4: timeout: time: invalid duration \"soon\""},
           {"modules:\n  m:\n    prober: http\n    http:\n      preferred_ip_protocol: ip5\n",
            "bad.yml:5: preferred_ip_protocol must be ip4 or ip6"},
           {"modules:\n  m:\n    prober: tcp\n    layers: [tcp, smtp]\n",
            "bad.yml:4: unknown layer \"smtp\""},
           {"modules:\n  m:\n    prober: http\n    http:\n      fail_if_body_matches_regexp: "
            "['(']\n",
            "bad.yml:5: fail_if_body_matches_regexp: invalid regular expression \"(\""},
           {"modules:\n  m:\n    timeout: 5s\n", "bad.yml:3: module m has no prober"},
           {"modules: [\n", "bad.yml:1: end of sequence flow not found"},
       }) {
    auto config = load_config_text(c.yaml, "bad.yml");
    ASSERT_FALSE(config) << c.message;
    EXPECT_EQ(config.error().substr(0, std::string(c.message).size()), c.message);
    EXPECT_EQ(config.error().find('\n'), std::string::npos);
  }
}

}  // namespace
}  // namespace reachprobe::targets
