// `reachprobe serve` as a drop-in replacement for blackbox_exporter: both exporters run in the
// lab's prober namespace with the same module file (serve_fixture.hpp), are scraped for the
// same (module, target) pairs against the web lab (web_fixture.hpp), and must agree on every
// deterministic value. Blackbox is Debian's 0.23, the reference peer; where reachprobe
// deliberately differs (a 0.23 defect it does not copy), the case says so and the test checks
// reachprobe's own behaviour instead. Then promtool lints reachprobe's output, a real Prometheus
// scrapes it through the usual multi-target relabelling, and a bad config is reloaded.
#include <gtest/gtest.h>

#include <chrono>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "lab_test_util.hpp"
#include "netns_fixture.hpp"
#include "serve_fixture.hpp"
#include "web_fixture.hpp"

namespace reachprobe::lab {
namespace {

using Exporter = ServeLab::Exporter;
using nlohmann::json;

// Both exporters' module file; the http modules trust the web lab's CA.
std::string ModulesYaml(const std::string& ca_file) {
  std::string yaml = R"(modules:
  http_2xx:
    prober: http
    timeout: 5s
    http:
      tls_config:
        ca_file: CA_FILE
  http_expired:
    prober: http
    timeout: 5s
    http:
      tls_config:
        ca_file: CA_FILE
  tcp_connect:
    prober: tcp
  tcp_ip4:
    prober: tcp
    tcp:
      preferred_ip_protocol: ip4
      ip_protocol_fallback: false
  tcp_ip6_only:
    prober: tcp
    tcp:
      preferred_ip_protocol: ip6
      ip_protocol_fallback: false
  http_ip4_fallback:
    prober: http
    timeout: 5s
    http:
      preferred_ip_protocol: ip4
  icmp:
    prober: icmp
    timeout: 3s
  grpc_plain:
    prober: grpc
    grpc:
      tls: false
      service: ""
  grpc_tls:
    prober: grpc
    grpc:
      tls: true
  dns_lab:
    prober: dns
    dns:
      query_name: web.lab
      query_type: A
      preferred_ip_protocol: ip4
      validate_answer_rrs:
        fail_if_not_matches_regexp: ["^web\\.lab\\.\t[0-9]+\tIN\tA\t198\\.18\\.3\\.2$"]
  dns_tcp:
    prober: dns
    dns:
      query_name: web.lab
      query_type: A
      transport_protocol: tcp
      preferred_ip_protocol: ip4
  dns_missing:
    prober: dns
    dns:
      query_name: missing.lab
      query_type: A
      preferred_ip_protocol: ip4
  dns_missing_expected:
    prober: dns
    dns:
      query_name: missing.lab
      query_type: A
      valid_rcodes: [NXDOMAIN]
      preferred_ip_protocol: ip4
  dns_refused:
    prober: dns
    dns:
      query_name: elsewhere.test
      query_type: A
      preferred_ip_protocol: ip4
  dns_unwanted_answer:
    prober: dns
    dns:
      query_name: web.lab
      query_type: A
      preferred_ip_protocol: ip4
      validate_answer_rrs:
        fail_if_matches_regexp: ["198\\.18\\.3\\.2"]
  tcp_tls:
    prober: tcp
    timeout: 5s
    tcp:
      tls: true
      preferred_ip_protocol: ip4
      tls_config:
        ca_file: CA_FILE
  http_conversation:
    prober: tcp
    timeout: 5s
    tcp:
      preferred_ip_protocol: ip4
      query_response:
        - send: "GET /health HTTP/1.0\n"
        - expect: "^HTTP/1\\.1 200"
  http_conversation_404:
    prober: tcp
    timeout: 5s
    tcp:
      preferred_ip_protocol: ip4
      query_response:
        - send: "GET /health HTTP/1.0\n"
        - expect: "^HTTP/1\\.1 404"
  smtp_starttls:
    prober: tcp
    timeout: 5s
    tcp:
      preferred_ip_protocol: ip4
      tls_config:
        ca_file: CA_FILE
      query_response:
        - expect: "^220 ([^ ]+) ESMTP"
          send: "EHLO ${1}"
        - expect: "^250 STARTTLS"
          send: "STARTTLS"
        - expect: "^220"
          starttls: true
        - send: "EHLO prober"
        - expect: "^250 secure"
          send: "QUIT"
  ssh_banner:
    prober: tcp
    tcp:
      query_response:
      - expect: "^SSH-2.0-"
      - send: "SSH-2.0-blackbox-ssh-check"
)";
  for (auto at = yaml.find("CA_FILE"); at != std::string::npos; at = yaml.find("CA_FILE")) {
    yaml.replace(at, 7, ca_file);
  }
  return yaml;
}

// Families whose values are deterministic here: both exporters must report the same series
// with the same values (timings, durations and the probe's own clock are left out).
const std::set<std::string> kCompared = {"probe_success",
                                         "probe_ip_protocol",
                                         "probe_ip_addr_hash",
                                         "probe_http_status_code",
                                         "probe_http_version",
                                         "probe_http_ssl",
                                         "probe_http_redirects",
                                         "probe_http_content_length",
                                         "probe_http_uncompressed_body_length",
                                         "probe_failed_due_to_regex",
                                         "probe_ssl_earliest_cert_expiry",
                                         "probe_ssl_last_chain_expiry_timestamp_seconds",
                                         "probe_tls_version_info",
                                         "probe_icmp_reply_hop_limit",
                                         "probe_grpc_status_code",
                                         "probe_grpc_ssl",
                                         "probe_grpc_healthcheck_response",
                                         "probe_dns_answer_rrs",
                                         "probe_dns_authority_rrs",
                                         "probe_dns_additional_rrs",
                                         "probe_dns_query_succeeded",
                                         "probe_dns_serial"};

// What reachprobe adds (CONTRACT.md §5), and blackbox families newer than 0.23.
const std::set<std::string> kReachprobeOnly = {"probe_layer_success",
                                               "probe_layer_duration_seconds", "probe_failure_info",
                                               "probe_tls_cipher_info", "probe_ssh_banner_info"};

struct Case {
  std::string module;
  std::string target;
  double success = 0;
  std::string failure;  // reachprobe's probe_failure_info labels; "" for a success, "*" any
  // Blackbox 0.23 series that reachprobe deliberately does not copy (defects in notes/blackbox).
  std::set<std::string> blackbox_defects = {};
};

std::string FailureLabels(const std::string& layer, const std::string& reason) {
  return "layer=\"" + layer + "\",reason=\"" + reason + "\"";
}

class ServeLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string& why :
         {MissingPrerequisite(), MissingWebPrerequisite(), MissingServePrerequisite()}) {
      if (!why.empty()) GTEST_SKIP() << why;
    }
    lab_ = std::make_unique<Lab>();
    web_ = std::make_unique<WebLab>(*lab_);
    serve_ = std::make_unique<ServeLab>(*lab_, ModulesYaml(web_->ca_file()));
  }
  void TearDown() override {
    if (HasFailure() && serve_) std::cerr << serve_->Logs() << "\n";
    serve_.reset();
    web_.reset();
    lab_.reset();
  }

  // A /probe answer parsed; a failed assertion when it is not a 200 text exposition.
  Exposition Scrape(Exporter which, const std::string& target, const std::string& module,
                    const std::string& scrape_timeout = "4") {
    const HttpAnswer answer = serve_->Probe(which, target, module, scrape_timeout);
    const char* name = which == Exporter::kReachprobe ? "reachprobe" : "blackbox";
    EXPECT_EQ(answer.status, 200) << name << " " << module << " " << target << ": " << answer.body
                                  << answer.error;
    if (answer.status != 200) return {};
    try {
      return ParseExposition(answer.body);
    } catch (const std::exception& e) {
      ADD_FAILURE() << name << " wrote an unparsable exposition: " << e.what() << "\n"
                    << answer.body;
      return {};
    }
  }

  // Runs one case against both exporters, checks it, adds its rows to `table` and returns
  // reachprobe's exposition (empty when a scrape failed).
  Exposition Differential(const Case& c, std::ostream& table);

  // Prometheus' instant query result vector, [] until it has data.
  json Query(const std::string& promql) {
    const HttpAnswer answer = serve_->Request(kPrometheusPort, "/api/v1/query",
                                              {"-G", "--data-urlencode", "query=" + promql});
    const json parsed = json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded() || !parsed.contains("data")) return json::array();
    return parsed["data"].value("result", json::array());
  }

  // Polls `promql` until a series with these labels has `value`; false after `timeout`.
  bool WaitForSeries(const std::string& promql, const std::map<std::string, std::string>& labels,
                     const std::string& value, std::chrono::seconds timeout, json& last) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      last = Query(promql);
      for (const json& series : last) {
        bool match = series["value"].size() == 2 && series["value"][1] == value;
        for (const auto& [name, want] : labels) {
          match = match && series["metric"].value(name, "") == want;
        }
        if (match) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return false;
  }

  std::unique_ptr<Lab> lab_;
  std::unique_ptr<WebLab> web_;
  std::unique_ptr<ServeLab> serve_;
};

Exposition ServeLabTest::Differential(const Case& c, std::ostream& table) {
  SCOPED_TRACE(c.module + " " + c.target);
  const Exposition bb = Scrape(Exporter::kBlackbox, c.target, c.module);
  const Exposition rp = Scrape(Exporter::kReachprobe, c.target, c.module);
  if (bb.empty() || rp.empty()) return {};
  // The reference first: a wrong lab is not reachprobe's fault.
  if (Find(bb, "probe_success") != c.success) {
    ADD_FAILURE() << "blackbox disagrees with the lab: probe_success "
                  << Show(Find(bb, "probe_success"));
    return {};
  }

  const std::string label = c.module + " " + c.target;
  auto row = [&](const std::string& key, const std::string& note) {
    table << std::left << std::setw(44) << label << std::setw(66) << key << ' ' << std::setw(14)
          << Show(Find(bb, key)) << std::setw(14) << Show(Find(rp, key)) << note << "\n";
  };
  std::set<std::string> keys;
  for (const Exposition* e : {&bb, &rp}) {
    for (const auto& [key, value] : *e) keys.insert(key);
  }
  for (const std::string& key : keys) {
    const std::string name = NameOf(key);
    const std::optional<double> want = Find(bb, key);
    const std::optional<double> got = Find(rp, key);
    if (c.blackbox_defects.contains(key)) {
      EXPECT_EQ(got, std::nullopt) << key << ": a blackbox 0.23 defect reachprobe must not copy";
      row(key, got ? "DIFF (0.23 defect copied)" : "0.23 defect, not copied");
    } else if (kReachprobeOnly.contains(name)) {
      EXPECT_EQ(want, std::nullopt) << key;
      row(key, "reachprobe only");
    } else if (kCompared.contains(name)) {
      EXPECT_EQ(got, want) << key << ": reachprobe " << Show(got) << ", blackbox " << Show(want);
      row(key, got == want ? "same" : "DIFF");
    } else {
      // Timings: the same series must exist on both sides; their values are not compared.
      EXPECT_EQ(got.has_value(), want.has_value())
          << key << " only in " << (got ? "reachprobe" : "blackbox");
      if (got.has_value() != want.has_value()) row(key, "DIFF (series only on one side)");
    }
  }

  std::vector<std::string> failures;
  for (const auto& [key, value] : rp) {
    if (NameOf(key) == "probe_failure_info" && value == 1) failures.push_back(key);
  }
  if (c.failure.empty()) {
    EXPECT_TRUE(failures.empty()) << "a success with " << failures.front();
  } else if (failures.size() != 1) {
    ADD_FAILURE() << "want one probe_failure_info series, got " << failures.size();
  } else if (c.failure != "*") {
    EXPECT_EQ(failures.front(), SeriesKey("probe_failure_info", c.failure));
  }
  return rp;
}

TEST_F(ServeLabTest, DifferentialAgainstBlackbox) {
  // Port 22 is free since the web lab stopped the lab's listeners; drop it in the target.
  lab_->nft(Node::kTarget, InputChain("tcp dport 22 drop"));
  const std::string plain = "http://web.lab";
  const std::vector<Case> cases = {
      {"http_2xx", plain + "/health", 1, ""},
      {"http_2xx", plain + "/broken", 0, FailureLabels("http", "status")},
      {"http_2xx", "https://web.lab/health", 1, ""},
      // A failed verification fails the handshake, so neither exporter has TLS metrics (#1119
      // for blackbox); reachprobe names the reason instead.
      {"http_expired", "https://web.lab:8443/health", 0, FailureLabels("tls", "cert_expired")},
      {"tcp_connect", "198.18.3.2:80", 1, ""},
      {"tcp_connect", "198.18.3.2:23", 0, FailureLabels("tcp", "refused")},
      // Without ICMP evidence (tcp_connect probes no ICMP) the layer may be tcp or path.
      {"tcp_connect", "198.18.3.2:22", 0, "*"},
      {"icmp", "198.18.3.2", 1, ""},
      // 0.23 writes a TLS expiry of 0 for a plaintext gRPC probe (fixed in 0.26, #1338).
      {"grpc_plain", "198.18.3.2:50051", 1, "", {"probe_ssl_earliest_cert_expiry"}},
      // `tls: true` alone (blackbox's shipped `grpc` module) means TLS: a handshake with the
      // plaintext server fails. 0.23 writes the expiry 0 here too.
      {"grpc_tls", "198.18.3.2:50051", 0, "*", {"probe_ssl_earliest_cert_expiry"}},
      // The dns prober: the target is the lab's dnsmasq (or a host without a DNS server).
      {"dns_lab", "198.18.1.1", 1, ""},
      {"dns_tcp", "198.18.1.1:53", 1, ""},
      {"dns_missing", "198.18.1.1", 0, FailureLabels("dns", "nxdomain")},
      {"dns_missing_expected", "198.18.1.1", 1, ""},
      {"dns_refused", "198.18.1.1", 0, FailureLabels("dns", "refused")},
      {"dns_unwanted_answer", "198.18.1.1", 0, FailureLabels("dns", "no_address")},
      {"dns_lab", "198.18.3.2", 0, FailureLabels("dns", "refused")},
      // tcp conversations: TLS from connect, a line dialogue, STARTTLS, an SSH banner check.
      {"tcp_tls", "web.lab:443", 1, ""},
      {"tcp_tls", "web.lab:8443", 0, FailureLabels("tls", "cert_expired")},
      {"http_conversation", "web.lab:80", 1, ""},
      {"http_conversation_404", "web.lab:80", 0, FailureLabels("tcp", "refused")},
      {"smtp_starttls", "web.lab:2525", 1, ""},
      {"ssh_banner", "web.lab:80", 0, FailureLabels("ssh_banner", "timeout")},
      // IPv6 (issue 16): literals, and dual.lab (A and AAAA) / v6.lab (AAAA only) / web.lab
      // (A only) with and without fallback; probe_ip_protocol is compared.
      {"tcp_connect", "[2001:2:0:3::2]:80", 1, ""},
      {"tcp_connect", "[2001:2:0:3::2]:23", 0, FailureLabels("tcp", "refused")},
      {"icmp", "2001:2:0:3::2", 1, ""},
      {"http_2xx", "http://[2001:2:0:3::2]/health", 1, ""},
      {"tcp_connect", "dual.lab:80", 1, ""},
      {"tcp_connect", "v6.lab:80", 1, ""},
      {"tcp_ip4", "dual.lab:80", 1, ""},
      {"tcp_ip6_only", "dual.lab:80", 1, ""},
      {"tcp_ip6_only", "web.lab:80", 0, "*"},
      {"icmp", "dual.lab", 1, ""},
      {"http_2xx", "http://dual.lab/health", 1, ""},
      {"http_ip4_fallback", "http://dual.lab/health", 1, ""},
      {"http_ip4_fallback", "http://v6.lab/health", 1, ""},
  };
  std::ostringstream table;
  table << std::left << std::setw(44) << "module target" << std::setw(67) << "series"
        << std::setw(14) << "blackbox" << std::setw(14) << "reachprobe"
        << "\n";
  std::map<std::string, Exposition> reachprobe;
  for (const Case& c : cases) {
    if (c.module.starts_with("grpc") && !MissingGrpcServer().empty()) continue;
    reachprobe[c.module + " " + c.target] = Differential(c, table);
  }
  std::cout << table.str();

  // The certificates' own notAfter, read by openssl: the valid one is reported, the expired
  // one is not (no handshake), and the failure names it.
  EXPECT_EQ(Find(reachprobe["http_2xx https://web.lab/health"], "probe_ssl_earliest_cert_expiry"),
            static_cast<double>(web_->valid_not_after()));
  const Exposition& expired = reachprobe["http_expired https://web.lab:8443/health"];
  EXPECT_EQ(Find(expired, "probe_ssl_earliest_cert_expiry"), std::nullopt);
  EXPECT_EQ(Find(expired, "probe_failure_info{layer=\"tls\",reason=\"cert_expired\"}"), 1.0);
  // The dropped port: never past the effective timeout (4 s scrape - 0.5 s offset).
  EXPECT_LE(Find(reachprobe["tcp_connect 198.18.3.2:22"], "probe_duration_seconds").value_or(99),
            3.5 + 0.3);
}

TEST_F(ServeLabTest, PromtoolAcceptsProbeAndMetricsOutput) {
  struct Input {
    std::string what;
    HttpAnswer answer;
  };
  const std::vector<Input> inputs = {
      {"probe https success",
       serve_->Probe(Exporter::kReachprobe, "https://web.lab/health", "http_2xx")},
      {"probe http 500", serve_->Probe(Exporter::kReachprobe, "http://web.lab/broken", "http_2xx")},
      {"probe tcp refused", serve_->Probe(Exporter::kReachprobe, "198.18.3.2:23", "tcp_connect")},
      {"probe icmp success", serve_->Probe(Exporter::kReachprobe, "198.18.3.2", "icmp")},
      {"probe dns success", serve_->Probe(Exporter::kReachprobe, "198.18.1.1", "dns_lab")},
      {"probe starttls success",
       serve_->Probe(Exporter::kReachprobe, "web.lab:2525", "smtp_starttls")},
      {"/metrics", serve_->Request(kReachprobePort, "/metrics")},
  };
  for (const Input& input : inputs) {
    ASSERT_EQ(input.answer.status, 200) << input.what << ": " << input.answer.body;
    const CmdResult lint = serve_->PromtoolCheckMetrics(input.answer.body);
    std::cout << "promtool check metrics, " << input.what << ": exit " << lint.exit_code << " "
              << lint.stdout_text << lint.stderr_text << "\n";
    EXPECT_EQ(lint.exit_code, 0) << input.what << ":\n"
                                 << lint.stdout_text << lint.stderr_text << input.answer.body;
    EXPECT_EQ(lint.stdout_text + lint.stderr_text, "") << input.what;
  }
}

TEST_F(ServeLabTest, RealPrometheusScrapesThroughMultiTargetRelabelling) {
  // blackbox's README setup, pointed at reachprobe.
  serve_->StartPrometheus(R"(global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: blackbox
    metrics_path: /probe
    params:
      module: [tcp_connect]
    static_configs:
      - targets: ['198.18.3.2:80', '198.18.3.2:23']
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: 127.0.0.1:)" +
                          std::to_string(kReachprobePort) + "\n");
  json last;
  const auto timeout = std::chrono::seconds(20);
  EXPECT_TRUE(WaitForSeries("probe_success", {{"instance", "198.18.3.2:80"}}, "1", timeout, last))
      << last.dump();
  EXPECT_TRUE(WaitForSeries("up", {{"instance", "198.18.3.2:80"}}, "1", timeout, last))
      << last.dump();
  EXPECT_TRUE(WaitForSeries("probe_layer_success",
                            {{"instance", "198.18.3.2:80"}, {"layer", "tcp"}}, "1", timeout, last))
      << last.dump();
  EXPECT_TRUE(WaitForSeries("probe_success", {{"instance", "198.18.3.2:23"}}, "0", timeout, last))
      << last.dump();
  EXPECT_TRUE(WaitForSeries("probe_failure_info{layer=\"tcp\",reason=\"refused\"}",
                            {{"instance", "198.18.3.2:23"}, {"job", "blackbox"}}, "1", timeout,
                            last))
      << last.dump();
  EXPECT_TRUE(Query("probe_failure_info{instance=\"198.18.3.2:80\"}").empty())
      << "a succeeding target has no failure info";
}

TEST_F(ServeLabTest, BadReloadKeepsTheRunningModules) {
  const std::string good = ModulesYaml(web_->ca_file());
  serve_->WriteConfig("modules:\n  tcp_connect:\n    prober: tcp\n    tcp:\n      bogus: 1\n");
  for (const int port : {kReachprobePort, kBlackboxPort}) {
    const HttpAnswer reload = serve_->Request(port, "/-/reload", {"-X", "POST"});
    EXPECT_NE(reload.status, 200) << port << ": " << reload.body;
    EXPECT_GE(reload.status, 400) << port << ": " << reload.body;
  }
  // The old modules still run, including one the bad file no longer has.
  for (const Exporter which : {Exporter::kReachprobe, Exporter::kBlackbox}) {
    EXPECT_EQ(Find(Scrape(which, "198.18.3.2:80", "tcp_connect"), "probe_success"), 1.0);
    EXPECT_EQ(Find(Scrape(which, "http://web.lab/health", "http_2xx"), "probe_success"), 1.0);
  }
  const auto gauge = [this](int port, const std::string& name) {
    const HttpAnswer metrics = serve_->Request(port, "/metrics");
    EXPECT_EQ(metrics.status, 200);
    return Find(ParseExposition(metrics.body), name);
  };
  EXPECT_EQ(gauge(kReachprobePort, "reachprobe_config_last_reload_successful"), 0.0);
  EXPECT_EQ(gauge(kBlackboxPort, "blackbox_exporter_config_last_reload_successful"), 0.0);

  serve_->WriteConfig(good);
  const HttpAnswer reload = serve_->Request(kReachprobePort, "/-/reload", {"-X", "POST"});
  EXPECT_EQ(reload.status, 200) << reload.body;
  EXPECT_EQ(gauge(kReachprobePort, "reachprobe_config_last_reload_successful"), 1.0);
}

}  // namespace
}  // namespace reachprobe::lab
