// The acceptance item "Debian's shipped blackbox configs load, and `reachprobe serve` answers
// /probe with every module they define against lab targets the same as blackbox": both
// exporters (serve_fixture.hpp) load Debian's own files, unmodified, from where the package
// puts them, and every module of each file is probed through both against lab peers, at least
// once where blackbox succeeds when the lab can make it succeed. probe_success must be equal,
// and probe_failed_due_to_regex too wherever blackbox writes it.
//
// Each file has two tests, each with its own lab: Debian<File> holds the plain cases, the
// second those that once differed (TLS through the system store; the proxy and compression).
// Every case must agree, except the ones marked as documented deliberate differences, which
// assert reachprobe's own value. Together the two lists must cover every module of the file.
//
// The peers: the web lab (nginx, gRPC health, web_fixture.hpp) and lab_server.py's pop3s, irc,
// imap, smtpauth, sshbanner and examples modes on 198.18.3.2 (web.lab), a forward proxy
// (lab_server.py proxy) on 127.0.0.1:3128 in the prober namespace for http_with_proxy, and the
// lab's dnsmasq (198.18.1.1) with www.prometheus.io and a prometheus.io SOA. The certificates
// come from the lab's test CA, which the modules cannot name (the files are not ours to
// change), so both exporters run with SSL_CERT_FILE=<lab CA>: Go replaces its system roots
// with that file.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "lab_test_util.hpp"
#include "netns_fixture.hpp"
#include "serve_fixture.hpp"
#include "web_fixture.hpp"

namespace reachprobe::lab {
namespace {

using Exporter = ServeLab::Exporter;

constexpr const char* kBlackboxYml = "/etc/prometheus/blackbox.yml";
constexpr const char* kExampleYml =
    "/usr/share/doc/prometheus-blackbox-exporter/examples/example.yml";

// lab_server.py's peers for these modules, on 198.18.3.2.
constexpr int kPop3s = 995;
constexpr int kIrc = 6667;
constexpr int kImap = 143;
constexpr int kSmtpAuth = 587;
constexpr int kSshBanner = 2222;
constexpr int kExamples = 8080;
// The forward proxy http_with_proxy names, in the prober namespace.
constexpr int kProxy = 3128;

struct Case {
  std::string module;
  std::string target;
  double blackbox_success = 0;  // what the lab makes blackbox answer (checked first)
  // Set only where reachprobe deliberately differs from 0.23: its own probe_success, and why.
  std::optional<double> reachprobe_success = std::nullopt;
  std::string why_different = "";
};

// The module names of a blackbox config: the keys two spaces in under `modules:` (both Debian
// files are written that way).
std::set<std::string> ModuleNames(const std::string& yaml) {
  static const std::regex kModuleKey("^  ([A-Za-z0-9_.-]+):\\s*$");
  std::set<std::string> names;
  std::istringstream lines(yaml);
  bool in_modules = false;
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] != ' ' && line[0] != '#') in_modules = line == "modules:";
    std::smatch m;
    if (in_modules && std::regex_match(line, m, kModuleKey)) names.insert(m[1]);
  }
  return names;
}

// One fixture per Debian file: each test builds its own lab and starts both exporters on that
// file's text, so "loads" means each exporter started with it and answered /-/healthy.
class BlackboxModulesTest : public ::testing::Test {
 protected:
  void StartWith(const std::string& path) {
    for (const std::string& why :
         {MissingPrerequisite(), MissingWebPrerequisite(), MissingServePrerequisite()}) {
      if (!why.empty()) GTEST_SKIP() << why;
    }
    if (!std::filesystem::exists(path)) {
      GTEST_SKIP() << path << " is absent (Debian's prometheus-blackbox-exporter package ships it)";
    }
    config_ = ReadFile(path);
    ASSERT_FALSE(config_.empty()) << "cannot read " << path;
    lab_ = std::make_unique<Lab>();
    web_ = std::make_unique<WebLab>(*lab_);
    StartPeers();
    // Only the exporters see the lab CA as their system store; unset again at once so nothing
    // else this process starts inherits it.
    setenv("SSL_CERT_FILE", web_->ca_file().c_str(), 1);
    try {
      serve_ = std::make_unique<ServeLab>(*lab_, config_);
    } catch (...) {
      unsetenv("SSL_CERT_FILE");
      throw;
    }
    unsetenv("SSL_CERT_FILE");
    // After ServeLab: the proxy then resolves web.lab through the prober's lab resolv.conf.
    lab_->spawn(Node::kProber,
                LabToolCommand("lab_server.py") + " 127.0.0.1 proxy:" + std::to_string(kProxy),
                "proxy");
    const std::string ready =
        lab_->netprobe("wait --timeout 10 --tcp 127.0.0.1:" + std::to_string(kProxy));
    ASSERT_EQ(ready, "ready") << lab_->log_tail("proxy");
  }

  void StartPeers() {
    const std::string web_dir = std::filesystem::path(web_->ca_file()).parent_path();
    std::string modes;
    std::string wait = "wait --timeout 10 --tcp";
    for (const auto& [mode, port] :
         std::vector<std::pair<std::string, int>>{{"pop3s", kPop3s},
                                                  {"irc", kIrc},
                                                  {"imap", kImap},
                                                  {"smtpauth", kSmtpAuth},
                                                  {"sshbanner", kSshBanner},
                                                  {"examples", kExamples}}) {
      modes += " " + mode + ":" + std::to_string(port);
      wait += " " + std::string(kWebIp) + ":" + std::to_string(port);
    }
    lab_->spawn(Node::kTarget,
                "env LAB_TLS_CERT=" + web_dir + "/web.pem LAB_TLS_KEY=" + web_dir + "/web.key " +
                    LabToolCommand("lab_server.py") + " " + kWebIp + modes,
                "module-peers");
    const std::string ready = lab_->netprobe(wait);
    ASSERT_EQ(ready, "ready") << lab_->log_tail("module-peers");
  }

  void TearDown() override {
    if (HasFailure() && serve_) {
      std::cerr << serve_->Logs() << "\n--- module peers log:\n"
                << lab_->log_tail("module-peers") << "\n--- proxy log:\n"
                << lab_->log_tail("proxy") << "\n";
    }
    serve_.reset();
    web_.reset();
    lab_.reset();
  }

  Exposition Scrape(Exporter which, const Case& c) {
    const HttpAnswer answer = serve_->Probe(which, c.target, c.module);
    const char* name = which == Exporter::kReachprobe ? "reachprobe" : "blackbox";
    EXPECT_EQ(answer.status, 200) << name << ": " << answer.body << answer.error;
    if (answer.status != 200) return {};
    try {
      return ParseExposition(answer.body);
    } catch (const std::exception& e) {
      ADD_FAILURE() << name << " wrote an unparsable exposition: " << e.what() << "\n"
                    << answer.body;
      return {};
    }
  }

  // Probes one case through both exporters and compares; adds a row to `table`.
  void Compare(const Case& c, std::ostream& table) {
    SCOPED_TRACE(c.module + " " + c.target);
    const Exposition bb = Scrape(Exporter::kBlackbox, c);
    const Exposition rp = Scrape(Exporter::kReachprobe, c);
    if (bb.empty() || rp.empty()) return;
    const std::optional<double> bb_success = Find(bb, "probe_success");
    const std::optional<double> rp_success = Find(rp, "probe_success");
    const std::optional<double> bb_regex = Find(bb, "probe_failed_due_to_regex");
    const std::optional<double> rp_regex = Find(rp, "probe_failed_due_to_regex");
    table << std::left << std::setw(32) << c.module << std::setw(34) << c.target << std::setw(10)
          << Show(bb_success) << std::setw(12) << Show(rp_success) << std::setw(10)
          << Show(bb_regex) << std::setw(12) << Show(rp_regex) << c.why_different << "\n";
    // The reference first: a lab that does not make blackbox answer as planned proves nothing.
    EXPECT_EQ(bb_success, c.blackbox_success) << "blackbox disagrees with the lab";
    EXPECT_EQ(rp_success, c.reachprobe_success.value_or(bb_success.value_or(-1)))
        << (c.reachprobe_success ? "deliberate difference: " + c.why_different
                                 : std::string("reachprobe differs from blackbox"));
    if (bb_regex && !c.reachprobe_success) {
      EXPECT_EQ(rp_regex, bb_regex) << "probe_failed_due_to_regex";
    }
    // REACHPROBE_LAB_VERBOSE=1 shows every probe's debug output, not only the differing ones.
    if (Verbose() || bb_success != c.blackbox_success ||
        rp_success != c.reachprobe_success.value_or(bb_success.value_or(-1))) {
      std::cerr << "--- blackbox debug:\n"
                << DebugOutput(Exporter::kBlackbox, c) << "\n--- reachprobe debug:\n"
                << DebugOutput(Exporter::kReachprobe, c) << "\n";
    }
  }

  // /probe?debug=true: the exporter's log of the probe, to see why two verdicts differ.
  std::string DebugOutput(Exporter which, const Case& c) {
    return serve_
        ->Request(PortOf(which), "/probe",
                  {"-G", "-H", "X-Prometheus-Scrape-Timeout-Seconds: 4", "--data-urlencode",
                   "target=" + c.target, "--data-urlencode", "module=" + c.module,
                   "--data-urlencode", "debug=true"})
        .body;
  }

  // Compares every case. `coverage` (the cases of both of a file's tests) must name every
  // module of the file, and only modules of it.
  void RunAll(const std::vector<Case>& cases, const std::vector<Case>& coverage) {
    std::set<std::string> covered;
    for (const Case& c : coverage) covered.insert(c.module);
    EXPECT_EQ(covered, ModuleNames(config_)) << "the cases do not cover the file's modules";
    std::ostringstream table;
    table << std::left << std::setw(32) << "module" << std::setw(34) << "target" << std::setw(10)
          << "bb ok" << std::setw(12) << "rp ok" << std::setw(10) << "bb regex" << std::setw(12)
          << "rp regex"
          << "note\n";
    for (const Case& c : cases) {
      if (c.module.starts_with("grpc") && !MissingGrpcServer().empty()) continue;
      Compare(c, table);
    }
    std::cout << table.str();
  }

  // How many requests the forward proxy has relayed (it logs one line per request).
  int ProxiedRequests() const {
    const std::string log = lab_->log_tail("proxy", 1 << 20);
    int count = 0;
    for (auto at = log.find("proxied "); at != std::string::npos; at = log.find("proxied ", at + 1))
      ++count;
    return count;
  }

  std::string config_;
  std::unique_ptr<Lab> lab_;
  std::unique_ptr<WebLab> web_;
  std::unique_ptr<ServeLab> serve_;
};

std::string Peer(int port) {
  return std::string(kWebHost) + ":" + std::to_string(port);
}

const std::string kExamplesUrl = "http://web.lab:" + std::to_string(kExamples);

// /etc/prometheus/blackbox.yml: the cases on which the exporters agree today.
std::vector<Case> BlackboxYmlCases() {
  return {
      {"http_2xx", "http://web.lab/health", 1},
      {"http_2xx", "http://web.lab/broken", 0},
      {"http_2xx", "https://web.lab:10443/health", 0},  // signed by a CA neither trusts
      {"http_post_2xx", "http://web.lab/health", 1},
      {"http_post_2xx", "http://web.lab/broken", 0},
      {"tcp_connect", "198.18.3.2:80", 1},
      {"tcp_connect", "198.18.3.2:23", 0},
      // Go's `^+OK` is "^ repeated, then OK": it never matches the "+OK" greeting, so the
      // shipped module fails against a real POP3S server, after a good TLS handshake.
      {"pop3s_banner", Peer(kPop3s), 0},
      {"grpc", Peer(kGrpcPlain), 0},  // a plaintext server: the TLS handshake fails
      // The lab's health server knows "", svc.ok and svc.down: service1 is NOT_FOUND.
      {"grpc_plain", "198.18.3.2:50051", 0},
      {"ssh_banner", Peer(kSshBanner), 1},
      {"ssh_banner", Peer(kGarbage), 0},
      {"irc_banner", Peer(kIrc), 1},
      {"irc_banner", Peer(kPop3s), 0},  // a TLS server never answers plain text
      {"icmp", "198.18.3.2", 1},
      {"icmp_ttl5", "198.18.3.2", 1},  // 3 hops away: TTL 5 is enough
  };
}

// blackbox.yml over TLS with the lab CA as the system store (SSL_CERT_FILE), which Go
// (blackbox), OpenSSL (reachprobe's tcp TLS) and reachprobe's libcurl transfers all honour
// (libcurl only since reachprobe passes it on: these cases found that gap).
std::vector<Case> BlackboxYmlTlsCases() {
  return {
      {"http_2xx", "https://web.lab/health", 1},
      {"grpc", Peer(kGrpcTls), 1},
  };
}

// /usr/share/doc/prometheus-blackbox-exporter/examples/example.yml, agreeing cases.
std::vector<Case> ExampleYmlCases() {
  return {
      {"http_2xx_example", kExamplesUrl + "/", 1},
      {"http_2xx_example", kExamplesUrl + "/cookie", 0},  // Set-Cookie: fail_if_header_matches
      {"http_2xx_example", "http://web.lab/health", 0},   // no "Download the latest version"
      {"http_post_2xx", kExamplesUrl + "/", 1},
      {"http_post_2xx", "http://web.lab/broken", 0},
      {"http_basic_auth_example", kExamplesUrl + "/", 1},  // 401 without the credentials
      {"http_basic_auth_example", "http://web.lab/broken", 0},
      // /certs/my_cert.crt does not exist.
      {"http_custom_ca_example", "https://web.lab/health", 0},
      // Gzip-encoded whatever the request accepts: blackbox sends no Accept-Encoding here.
      {"http_gzip", kExamplesUrl + "/gzip-always", 1},
      {"http_gzip_with_accept_encoding", kExamplesUrl + "/gzip", 1},
      {"http_gzip_with_accept_encoding", kExamplesUrl + "/gzip-always", 1},
      {"tls_connect", "web.lab:443", 1},
      {"tls_connect", "web.lab:10443", 0},  // signed by a CA neither exporter trusts
      {"tcp_connect_example", "198.18.3.2:80", 1},
      {"tcp_connect_example", "198.18.3.2:23", 0},
      {"imap_starttls", Peer(kImap), 1},
      {"imap_starttls", Peer(kGarbage), 0},  // a garbage greeting, then close
      {"smtp_starttls", Peer(kSmtpAuth), 1},
      {"smtp_starttls", Peer(kGarbage), 0},
      {"irc_banner_example", Peer(kIrc), 1},
      {"icmp_example", "127.0.0.1", 1},
      // Documented in README.md: source_ip_address is accepted but not applied, so reachprobe's
      // echo leaves from the routed address and is answered; blackbox binds 127.0.0.1 and its
      // sendto to 198.18.3.2 fails (EINVAL).
      {"icmp_example", "198.18.3.2", 0, 1, "source_ip_address not applied (README)"},
      // Always fails: any answer either matches ".*127.0.0.1" (fail_if_matches) or does not
      // match the fail_if_not_matches line.
      {"dns_udp_example", "198.18.1.1", 0},
      {"dns_soa", "198.18.1.1", 1},
      {"dns_soa", "198.18.3.2", 0},  // no DNS server there
      {"dns_tcp_example", "198.18.1.1", 1},
  };
}

// example.yml through the proxy, with compression, and with a missing CA file.
std::vector<Case> ExampleYmlProxyAndCompressionCases() {
  return {
      // Through the lab's forward proxy: it must see one request per exporter and probe
      // (checked by the test; reachprobe once answered without sending anything).
      {"http_with_proxy", "http://web.lab/health", 1},
      {"http_with_proxy", "http://web.lab/broken", 0},
      // Documented in README.md ("Migrating from blackbox_exporter"): blackbox builds the
      // HTTP client, CA included, before any request, so a missing ca_file fails every target;
      // reachprobe loads TLS files only for TLS, so a plain http target passes.
      {"http_custom_ca_example", "http://web.lab/health", 0, 1,
       "ca_file read only for TLS (README)"},
      // Blackbox 0.23 sends no Accept-Encoding for `compression: gzip` alone (this peer then
      // answers plain) and fails any body it cannot gunzip; so does reachprobe now (it once
      // asked for gzip and accepted an identity-encoded body).
      {"http_gzip", kExamplesUrl + "/gzip", 0},
      {"http_gzip", "http://web.lab/health", 0},
      {"http_gzip_with_accept_encoding", "http://web.lab/health", 0},
  };
}

std::vector<Case> Concat(std::vector<Case> a, const std::vector<Case>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST_F(BlackboxModulesTest, DebianBlackboxYml) {
  StartWith(kBlackboxYml);
  if (IsSkipped() || HasFatalFailure()) return;
  RunAll(BlackboxYmlCases(), Concat(BlackboxYmlCases(), BlackboxYmlTlsCases()));
}

TEST_F(BlackboxModulesTest, DebianBlackboxYmlTlsThroughSystemStore) {
  StartWith(kBlackboxYml);
  if (IsSkipped() || HasFatalFailure()) return;
  RunAll(BlackboxYmlTlsCases(), Concat(BlackboxYmlCases(), BlackboxYmlTlsCases()));
}

TEST_F(BlackboxModulesTest, DebianExampleYml) {
  StartWith(kExampleYml);
  if (IsSkipped() || HasFatalFailure()) return;
  RunAll(ExampleYmlCases(), Concat(ExampleYmlCases(), ExampleYmlProxyAndCompressionCases()));
}

TEST_F(BlackboxModulesTest, DebianExampleYmlProxyAndCompression) {
  StartWith(kExampleYml);
  if (IsSkipped() || HasFatalFailure()) return;
  const int proxied_before = ProxiedRequests();
  const std::vector<Case> open = ExampleYmlProxyAndCompressionCases();
  RunAll(open, Concat(ExampleYmlCases(), open));
  // Both exporters went through the proxy, once per http_with_proxy probe, not around it.
  int proxy_probes = 0;
  for (const Case& c : open) proxy_probes += c.module == "http_with_proxy" ? 2 : 0;
  EXPECT_EQ(ProxiedRequests() - proxied_before, proxy_probes) << lab_->log_tail("proxy");
}

}  // namespace
}  // namespace reachprobe::lab
