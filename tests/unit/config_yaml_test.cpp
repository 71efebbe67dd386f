#include "exporters/config_yaml.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "targets/config_loader.hpp"

namespace reachprobe::exporters {
namespace {

using namespace std::chrono_literals;
using targets::Config;
using targets::Module;

Config Load(const std::string& text) {
  auto config = targets::load_config_text(text, "test.yml");
  EXPECT_TRUE(config) << config.error() << "\n" << text;
  return config ? std::move(config).value() : Config{};
}

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A file under /tmp holding `content`, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    char name[] = "/tmp/config_yaml_test.XXXXXX";
    int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    if (fd >= 0) close(fd);
    path_ = name;
    std::ofstream(path_) << content;
  }
  ~TempFile() { unlink(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void ExpectSameTls(const targets::TlsSpec& a, const targets::TlsSpec& b, const std::string& where) {
  EXPECT_EQ(a.ca_file, b.ca_file) << where;
  EXPECT_EQ(a.cert_file, b.cert_file) << where;
  EXPECT_EQ(a.key_file, b.key_file) << where;
  EXPECT_EQ(a.server_name, b.server_name) << where;
  EXPECT_EQ(a.insecure_skip_verify, b.insecure_skip_verify) << where;
  EXPECT_EQ(a.min_version, b.min_version) << where;
}

void ExpectSameAddress(const targets::AddressSpec& a, const targets::AddressSpec& b,
                       const std::string& where) {
  EXPECT_EQ(a.preferred_ip_protocol, b.preferred_ip_protocol) << where;
  EXPECT_EQ(a.ip_protocol_fallback, b.ip_protocol_fallback) << where;
  EXPECT_EQ(a.source_ip_address, b.source_ip_address) << where;
}

void ExpectSameHeaderMatches(const std::vector<targets::HeaderMatch>& a,
                             const std::vector<targets::HeaderMatch>& b, const std::string& where) {
  ASSERT_EQ(a.size(), b.size()) << where;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].header, b[i].header) << where;
    EXPECT_EQ(a[i].regexp, b[i].regexp) << where;
    EXPECT_EQ(a[i].allow_missing, b[i].allow_missing) << where;
  }
}

void ExpectSameValidator(const targets::DnsRecordValidator& a, const targets::DnsRecordValidator& b,
                         const std::string& where) {
  EXPECT_EQ(a.fail_if_matches_regexp, b.fail_if_matches_regexp) << where;
  EXPECT_EQ(a.fail_if_all_match_regexp, b.fail_if_all_match_regexp) << where;
  EXPECT_EQ(a.fail_if_not_matches_regexp, b.fail_if_not_matches_regexp) << where;
  EXPECT_EQ(a.fail_if_none_matches_regexp, b.fail_if_none_matches_regexp) << where;
}

// Every field the config file can set. Secrets are compared by presence: their values are
// not in the dump by design.
void ExpectSameModule(const Module& a, const Module& b) {
  const std::string where = "module " + a.name;
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.prober, b.prober) << where;
  EXPECT_EQ(a.timeout, b.timeout) << where;
  EXPECT_EQ(a.layers, b.layers) << where;
  ExpectSameAddress(a.http_address, b.http_address, where + " http");
  EXPECT_EQ(a.http.valid_status_codes, b.http.valid_status_codes) << where;
  EXPECT_EQ(a.http.valid_http_versions, b.http.valid_http_versions) << where;
  EXPECT_EQ(a.http.method, b.http.method) << where;
  EXPECT_EQ(a.http.headers, b.http.headers) << where;
  EXPECT_EQ(a.http.body, b.http.body) << where;
  EXPECT_EQ(a.http.compression, b.http.compression) << where;
  EXPECT_EQ(a.http.follow_redirects, b.http.follow_redirects) << where;
  EXPECT_EQ(a.http.fail_if_ssl, b.http.fail_if_ssl) << where;
  EXPECT_EQ(a.http.fail_if_not_ssl, b.http.fail_if_not_ssl) << where;
  EXPECT_EQ(a.http.fail_if_body_matches_regexp, b.http.fail_if_body_matches_regexp) << where;
  EXPECT_EQ(a.http.fail_if_body_not_matches_regexp, b.http.fail_if_body_not_matches_regexp)
      << where;
  ExpectSameHeaderMatches(a.http.fail_if_header_matches, b.http.fail_if_header_matches, where);
  ExpectSameHeaderMatches(a.http.fail_if_header_not_matches, b.http.fail_if_header_not_matches,
                          where);
  EXPECT_EQ(a.http.basic_auth_username, b.http.basic_auth_username) << where;
  EXPECT_EQ(a.http.basic_auth_password.has_value(), b.http.basic_auth_password.has_value())
      << where;
  EXPECT_EQ(a.http.bearer_token.has_value(), b.http.bearer_token.has_value()) << where;
  EXPECT_EQ(a.http.body_size_limit, b.http.body_size_limit) << where;
  ExpectSameTls(a.http.tls, b.http.tls, where + " http");
  ExpectSameAddress(a.tcp.address, b.tcp.address, where + " tcp");
  EXPECT_EQ(a.tcp.tls, b.tcp.tls) << where;
  ExpectSameTls(a.tcp.tls_config, b.tcp.tls_config, where + " tcp");
  ASSERT_EQ(a.tcp.query_response.size(), b.tcp.query_response.size()) << where;
  for (std::size_t i = 0; i < a.tcp.query_response.size(); ++i) {
    EXPECT_EQ(a.tcp.query_response[i].expect, b.tcp.query_response[i].expect) << where;
    // A dump shows only the first word of a send line (the rest may be a credential).
    EXPECT_EQ(redacted_send(a.tcp.query_response[i].send),
              redacted_send(b.tcp.query_response[i].send))
        << where;
    EXPECT_EQ(a.tcp.query_response[i].starttls, b.tcp.query_response[i].starttls) << where;
  }
  ExpectSameAddress(a.icmp.address, b.icmp.address, where + " icmp");
  EXPECT_EQ(a.icmp.payload_size, b.icmp.payload_size) << where;
  EXPECT_EQ(a.icmp.dont_fragment, b.icmp.dont_fragment) << where;
  EXPECT_EQ(a.icmp.ttl, b.icmp.ttl) << where;
  ExpectSameAddress(a.dns.address, b.dns.address, where + " dns");
  EXPECT_EQ(a.dns.query_name, b.dns.query_name) << where;
  EXPECT_EQ(a.dns.query_type, b.dns.query_type) << where;
  EXPECT_EQ(a.dns.query_class, b.dns.query_class) << where;
  EXPECT_EQ(a.dns.recursion_desired, b.dns.recursion_desired) << where;
  EXPECT_EQ(a.dns.transport_protocol, b.dns.transport_protocol) << where;
  EXPECT_EQ(a.dns.dns_over_tls, b.dns.dns_over_tls) << where;
  ExpectSameTls(a.dns.tls_config, b.dns.tls_config, where + " dns");
  EXPECT_EQ(a.dns.valid_rcodes, b.dns.valid_rcodes) << where;
  ExpectSameValidator(a.dns.validate_answer_rrs, b.dns.validate_answer_rrs, where);
  ExpectSameValidator(a.dns.validate_authority_rrs, b.dns.validate_authority_rrs, where);
  ExpectSameValidator(a.dns.validate_additional_rrs, b.dns.validate_additional_rrs, where);
  EXPECT_EQ(a.grpc.service, b.grpc.service) << where;
  EXPECT_EQ(a.grpc.tls, b.grpc.tls) << where;
  ExpectSameTls(a.grpc.tls_config, b.grpc.tls_config, where + " grpc");
  ExpectSameAddress(a.grpc_address, b.grpc_address, where + " grpc");
  EXPECT_EQ(a.ssh.user, b.ssh.user) << where;
  EXPECT_EQ(a.ssh.key_file, b.ssh.key_file) << where;
  EXPECT_EQ(a.ssh.known_hosts, b.ssh.known_hosts) << where;
  EXPECT_EQ(a.ssh.command, b.ssh.command) << where;
  EXPECT_EQ(a.ssh.expect, b.ssh.expect) << where;
  EXPECT_EQ(a.ssh.banner_timeout, b.ssh.banner_timeout) << where;
  EXPECT_EQ(a.ssh.handshake_timeout, b.ssh.handshake_timeout) << where;
  EXPECT_EQ(a.ssh.auth_timeout, b.ssh.auth_timeout) << where;
  EXPECT_EQ(a.ssh.exec_timeout, b.ssh.exec_timeout) << where;
  EXPECT_EQ(a.ssh.triage.enabled, b.ssh.triage.enabled) << where;
  EXPECT_EQ(a.ssh.triage.via, b.ssh.triage.via) << where;
  EXPECT_EQ(a.ssh.triage.fail_on, b.ssh.triage.fail_on) << where;
  EXPECT_EQ(a.ssh.triage.critical_peers, b.ssh.triage.critical_peers) << where;
  EXPECT_EQ(a.ssh.triage.psi_io_some_avg10, b.ssh.triage.psi_io_some_avg10) << where;
  EXPECT_EQ(a.ssh.triage.blocked_tasks, b.ssh.triage.blocked_tasks) << where;
  EXPECT_EQ(a.ssh.triage.nss_threshold, b.ssh.triage.nss_threshold) << where;
  EXPECT_EQ(a.ssh.triage.timeout, b.ssh.triage.timeout) << where;
}

// Dumps `config`, loads the dump, and checks both the modules and the dump (a fixed point).
void ExpectRoundTrip(const Config& config) {
  const std::string dump = config_to_yaml(config);
  auto again = targets::load_config_text(dump, "dump.yml");
  ASSERT_TRUE(again) << again.error() << "\n" << dump;
  EXPECT_EQ(config_to_yaml(*again), dump);
  EXPECT_EQ(again->allowed_targets, config.allowed_targets);
  ASSERT_EQ(again->modules.size(), config.modules.size()) << dump;
  for (const auto& [name, module] : config.modules) {
    auto it = again->modules.find(name);
    ASSERT_NE(it, again->modules.end()) << name << "\n" << dump;
    ExpectSameModule(module, it->second);
  }
}

TEST(ConfigYaml, MinimalModuleGetsBlackboxSectionsWithDefaults) {
  EXPECT_EQ(config_to_yaml(Load("modules:\n  web:\n    prober: http\n")),
            "modules:\n"
            "    web:\n"
            "        prober: http\n"
            "        http:\n"
            "            preferred_ip_protocol: ip6\n"
            "            ip_protocol_fallback: true\n"
            "            method: GET\n"
            "            follow_redirects: true\n"
            "            enable_http2: true\n"
            "        tcp:\n"
            "            preferred_ip_protocol: ip6\n"
            "            ip_protocol_fallback: true\n"
            "        icmp:\n"
            "            preferred_ip_protocol: ip6\n"
            "            ip_protocol_fallback: true\n"
            "            ttl: 64\n");
}

TEST(ConfigYaml, DnsModuleShowsEffectiveDefaults) {
  const std::string dump = config_to_yaml(Load(R"(modules:
  lookup:
    prober: dns
    timeout: 1m30s
    dns:
      query_name: example.com
      validate_answer_rrs:
        fail_if_matches_regexp: [".*127.0.0.1"]
)"));
  EXPECT_NE(dump.find("        timeout: 1m30s\n"), std::string::npos) << dump;
  EXPECT_NE(dump.find("        dns:\n"
                      "            preferred_ip_protocol: ip6\n"
                      "            ip_protocol_fallback: true\n"
                      "            transport_protocol: udp\n"
                      "            query_class: IN\n"
                      "            query_name: example.com\n"
                      "            query_type: ANY\n"
                      "            recursion_desired: true\n"
                      "            valid_rcodes:\n"
                      "                - NOERROR\n"
                      "            validate_answer_rrs:\n"
                      "                fail_if_matches_regexp:\n"
                      "                    - .*127.0.0.1\n"),
            std::string::npos)
      << dump;
}

TEST(ConfigYaml, GrpcAndSshSectionsOnlyWhereUsed) {
  const std::string dump = config_to_yaml(Load(R"(modules:
  health:
    prober: grpc
  login:
    prober: ssh
    ssh:
      user: monitor
      auth_timeout: 1500ms
  web:
    prober: http
)"));
  EXPECT_NE(dump.find("        grpc:\n"
                      "            ip_protocol_fallback: true\n"
                      "            preferred_ip_protocol: ip6\n"),
            std::string::npos)
      << dump;
  EXPECT_NE(dump.find("        ssh:\n"
                      "            user: monitor\n"
                      "            auth_timeout: 1s500ms\n"),
            std::string::npos)
      << dump;
  EXPECT_EQ(Count(dump, "grpc:"), 1u) << dump;
  EXPECT_EQ(Count(dump, "ssh:"), 1u) << dump;
  EXPECT_EQ(Count(dump, "dns:"), 0u) << dump;  // no query_name: not loadable, not written
}

TEST(ConfigYaml, HostTriageOptionsRoundTrip) {
  ExpectRoundTrip(Load(R"(modules:
  triage:
    prober: ssh
    ssh:
      user: monitor
      triage_via: ssh://monitor@198.18.3.2:2222
      fail_on: [neighbor_failed]
      critical_peers: [198.18.3.1]
      psi_io_threshold: 12.5
      blocked_tasks_threshold: 0
      nss_threshold: 3s
      triage_timeout: 3s
)"));
}

TEST(ConfigYaml, SecretsAreNeverPrinted) {
  TempFile password("ssh-password-456\n");
  TempFile passphrase("key-phrase-789\n");
  const Config config = Load(R"(modules:
  basic:
    prober: http
    http:
      basic_auth:
        username: alice
        password: hunter2-basic
  bearer:
    prober: http
    http:
      bearer_token: token-123
  login:
    prober: ssh
    ssh:
      user: monitor
      key_file: /etc/reachprobe/id_ed25519
      key_passphrase_file: )" +
                             passphrase.path() + R"(
      password_file: )" + password.path() +
                             "\n");
  const std::string dump = config_to_yaml(config);
  for (const char* value : {"hunter2-basic", "token-123", "ssh-password-456", "key-phrase-789"}) {
    EXPECT_EQ(dump.find(value), std::string::npos) << value << " leaked:\n" << dump;
  }
  EXPECT_EQ(Count(dump, "<secret>"), 4u) << dump;
  EXPECT_NE(dump.find("            basic_auth:\n"
                      "                username: alice\n"
                      "                password: <secret>\n"),
            std::string::npos)
      << dump;
  EXPECT_NE(dump.find("            bearer_token: <secret>\n"), std::string::npos) << dump;
  EXPECT_NE(dump.find("            key_passphrase_file: <secret>\n"
                      "            password_file: <secret>\n"),
            std::string::npos)
      << dump;
  EXPECT_EQ(module_to_yaml(config.modules.at("basic")).find("hunter2"), std::string::npos);
}

TEST(ConfigYaml, BuiltInModulesRoundTrip) {
  ExpectRoundTrip(targets::default_config());
}

TEST(ConfigYaml, EveryOptionRoundTrips) {
  ExpectRoundTrip(Load(R"(modules:
  http_full:
    prober: http
    timeout: 5s
    layers: [dns, tcp, tls, http]
    http:
      valid_http_versions: ["HTTP/1.1", "HTTP/2.0"]
      valid_status_codes: [200, 204]
      method: POST
      headers:
        Host: vhost.example.com
        Accept-Language: en-US
      body: '{"a": 1}'
      compression: gzip
      body_size_limit: 1048576
      no_follow_redirects: true
      fail_if_ssl: true
      fail_if_not_ssl: true
      fail_if_body_matches_regexp: ["Could not connect to database"]
      fail_if_body_not_matches_regexp: ["Download the latest version here"]
      fail_if_header_matches:
        - header: Set-Cookie
          allow_missing: true
          regexp: '.*'
      fail_if_header_not_matches:
        - header: Access-Control-Allow-Origin
          regexp: '(\*|example\.com)'
      basic_auth:
        username: alice
        password: secret-value
      tls_config:
        ca_file: /etc/ca.pem
        cert_file: /etc/cert.pem
        key_file: /etc/key.pem
        server_name: vhost.example.com
        insecure_skip_verify: true
        min_version: TLS13
      preferred_ip_protocol: ip4
      ip_protocol_fallback: false
  tcp_full:
    prober: tcp
    tcp:
      preferred_ip_protocol: ip4
      source_ip_address: 198.18.1.2
      tls: true
      tls_config: {server_name: mail.example.com}
      query_response:
        - expect: "^220 "
        - send: "EHLO prober"
        - expect: "^250-STARTTLS"
        - send: STARTTLS
        - starttls: true
        - {}
  icmp_full:
    prober: icmp
    icmp:
      preferred_ip_protocol: ip4
      ip_protocol_fallback: false
      source_ip_address: "127.0.0.1"
      payload_size: 1200
      dont_fragment: true
      ttl: 0
  dns_full:
    prober: dns
    timeout: 500ms
    dns:
      query_name: "www.prometheus.io"
      query_type: "MX"
      query_class: CH
      recursion_desired: false
      transport_protocol: tcp
      dns_over_tls: true
      tls_config: {insecure_skip_verify: false, ca_file: /etc/dns-ca.pem}
      valid_rcodes: []
      validate_answer_rrs:
        fail_if_matches_regexp: [".*127.0.0.1"]
        fail_if_all_match_regexp: ["A"]
      validate_authority_rrs:
        fail_if_not_matches_regexp: ["ns1"]
      validate_additional_rrs:
        fail_if_none_matches_regexp: ["x"]
  grpc_full:
    prober: grpc
    grpc:
      service: "svc.v1"
      tls: true
      tls_config: {server_name: grpc.example.com}
      preferred_ip_protocol: ip4
      ip_protocol_fallback: false
  ssh_full:
    prober: ssh
    timeout: 12s
    ssh:
      user: monitor
      key_file: /etc/id
      known_hosts: /etc/known_hosts
      command: "uptime"
      expect: "load average"
      banner_timeout: 2s
      handshake_timeout: 3s
      auth_timeout: 4s
      exec_timeout: 1h2m3s
  path_only:
    prober: path
allowed_targets: ["198.18.0.0/15", "*.example.com"]
)"));
}

TEST(ConfigYaml, AwkwardStringsReadBackUnchanged) {
  Config config = Load("modules:\n  odd:\n    prober: http\n");
  auto& headers = config.modules.at("odd").http.headers;
  const std::vector<std::string> values = {
      "true",     "No",     "null",        "~",         "",         "123",           "1.5",
      ".5",       "-x",     "a: b",        "a #b",      "#x",       "*.example.com", "trailing:",
      " lead",    "trail ", "line\nbreak", "tab\there", "quote\"s", "back\\slash",   "caf\xc3\xa9",
      "bell\x07", "{flow}", "[list]",      "%percent",  "@at",      "`tick"};
  for (std::size_t i = 0; i < values.size(); ++i) headers["X-" + std::to_string(i)] = values[i];
  config.modules.at("odd").http.body = "multi\nline\n";
  ExpectRoundTrip(config);
}

TEST(ConfigYaml, DurationsReadBackByTheLoader) {
  EXPECT_EQ(format_duration(0s), "0s");
  EXPECT_EQ(format_duration(5s), "5s");
  EXPECT_EQ(format_duration(90s), "1m30s");
  EXPECT_EQ(format_duration(1500ms), "1s500ms");
  EXPECT_EQ(format_duration(2h), "2h");
  EXPECT_EQ(format_duration(std::chrono::nanoseconds(1001)), "1us1ns");
}

TEST(ConfigYaml, ModuleBodyForDebugOutput) {
  const Config config = Load("modules:\n  icmp:\n    prober: icmp\n    timeout: 3s\n");
  const std::string body = module_to_yaml(config.modules.at("icmp"));
  EXPECT_EQ(body.rfind("prober: icmp\ntimeout: 3s\nhttp:\n    preferred_ip_protocol: ip6\n", 0), 0u)
      << body;
}

TEST(ConfigYaml, EmptyConfigStillLoads) {
  Config config;
  EXPECT_EQ(config_to_yaml(config), "modules: {}\n");
  ExpectRoundTrip(config);
}

}  // namespace
}  // namespace reachprobe::exporters
