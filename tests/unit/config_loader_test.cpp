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
           {"modules:\n  m:\n    prober: dns\n", "bad.yml:3: query name must be set for DNS module"},
           {"modules:\n  m:\n    prober: http\n    http:\n      valid_status_codes: [2xx]\n",
            "bad.yml:5: cannot read \"2xx\" as status code"},
           {"modules:\n  m:\n    prober: http\n    timeout: soon\n",
            "bad.yml:4: timeout: time: invalid duration \"soon\""},
           {"modules:\n  m:\n    prober: http\n    http:\n      preferred_ip_protocol: ip5\n",
            "bad.yml:5: preferred_ip_protocol must be ip4 or ip6"},
           {"modules:\n  m:\n    prober: tcp\n    layers: [tcp, smtp]\n",
            "bad.yml:4: unknown layer \"smtp\""},
           {"modules:\n  m:\n    prober: http\n    http:\n      fail_if_body_matches_regexp: ['(']\n",
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
