// `reachprobe serve`'s /config, --web.route-prefix / --web.external-url and --history.limit,
// each checked against Debian's blackbox_exporter 0.23 run with the same flags and module file
// in the lab's prober namespace. Probes go only to the lab's target (198.18.3.2): port 22 has
// an accept-and-close listener (success), port 23 nothing (refused: failure).
#include <gtest/gtest.h>
#include <sys/types.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
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

using Exporter = ServeLab::Exporter;

constexpr const char* kSuccessTarget = "198.18.3.2:22";
constexpr const char* kFailureTarget = "198.18.3.2:23";

// Secrets are written inline so both exporters read them; neither may print them.
constexpr const char* kModules = R"(modules:
  tcp_connect:
    prober: tcp
    timeout: 3s
    tcp:
      preferred_ip_protocol: ip4
  http_auth:
    prober: http
    timeout: 3s
    http:
      method: POST
      headers:
        Host: vhost.lab
      valid_status_codes: [200, 204]
      basic_auth:
        username: monitor
        password: hunter2-lab
      fail_if_header_matches:
        - header: X-Debug
          regexp: "^on"
      tls_config:
        server_name: web.lab
        min_version: TLS12
  http_bearer:
    prober: http
    http:
      bearer_token: bearer-lab-token
  icmp:
    prober: icmp
    timeout: 3s
    icmp:
      ttl: 32
  dns_lab:
    prober: dns
    dns:
      query_name: web.lab
      query_type: A
      preferred_ip_protocol: ip4
      validate_answer_rrs:
        fail_if_not_matches_regexp: ["web[.]lab"]
  grpc_plain:
    prober: grpc
    grpc:
      tls: false
      service: svc
)";

// Every scalar of a YAML document by its path ("modules/icmp/icmp/ttl" -> "64"; list items
// by index).
void Flatten(const YAML::Node& node, const std::string& path,
             std::map<std::string, std::string>& out) {
  if (node.IsMap()) {
    for (const auto& entry : node) Flatten(entry.second, path + "/" + entry.first.Scalar(), out);
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i)
      Flatten(node[i], path + "/" + std::to_string(i), out);
  } else if (node.IsScalar()) {
    out[path.substr(1)] = node.Scalar();
  }
}

std::map<std::string, std::string> FlattenYaml(const std::string& text) {
  std::map<std::string, std::string> out;
  Flatten(YAML::Load(text), "", out);
  return out;
}

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class ServeEndpointsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string& why : {MissingPrerequisite(), MissingServePrerequisite()}) {
      if (!why.empty()) GTEST_SKIP() << why;
    }
    lab_ = std::make_unique<Lab>();
    serve_ = std::make_unique<ServeLab>(*lab_, kModules);
  }

  // Starts an extra exporter in the prober namespace on 127.0.0.1:<port> with `flags` and the
  // fixture's module file, and waits until <health_path> answers 200.
  void Start(Exporter which, int port, const std::string& flags, const std::string& health_path) {
    const std::string binary = which == Exporter::kReachprobe
                                   ? std::string(REACHPROBE_BINARY) + " serve"
                                   : std::string(kBlackboxBinary);
    const std::string log = "serve/extra-" + std::to_string(port);
    logs_.push_back(log);
    lab_->spawn(Node::kProber,
                binary + " --config.file " + serve_->config_file() +
                    " --web.listen-address 127.0.0.1:" + std::to_string(port) + " " + flags,
                log);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      if (serve_->Request(port, health_path).status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    FAIL() << "127.0.0.1:" << port << health_path << " never answered\n" << Logs();
  }

  HttpAnswer ProbeAt(int port, const std::string& prefix, const std::string& target) {
    return serve_->Request(
        port, prefix + "probe",
        {"-G", "-H", "X-Prometheus-Scrape-Timeout-Seconds: 4", "--data-urlencode",
         "target=" + std::string(target), "--data-urlencode", "module=tcp_connect"});
  }

  // The response headers of GET <path>, read with curl -D.
  std::string Headers(int port, const std::string& path) {
    const std::string file = lab_->scratch_dir() + "/headers-" + std::to_string(++headers_);
    serve_->Request(port, path, {"-D", file});
    std::ifstream in(file);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::string Logs() const {
    std::string out = serve_->Logs();
    for (const auto& log : logs_) out += "\n--- " + log + ":\n" + lab_->log_tail(log);
    return out;
  }

  std::unique_ptr<Lab> lab_;
  std::unique_ptr<ServeLab> serve_;
  std::vector<std::string> logs_;
  int headers_ = 0;
};

// /config: every key and value blackbox prints is printed the same, but for blackbox's own
// oddities; defaults blackbox leaves implicit are explicit; no secret is printed; the dump is a
// config reachprobe loads again.
TEST_F(ServeEndpointsTest, ConfigShowsEveryDefaultAndNoSecret) {
  const HttpAnswer ours = serve_->Request(kReachprobePort, "/config");
  const HttpAnswer theirs = serve_->Request(kBlackboxPort, "/config");
  ASSERT_EQ(ours.status, 200) << ours.body << Logs();
  ASSERT_EQ(theirs.status, 200) << theirs.body << Logs();
  EXPECT_NE(Headers(kReachprobePort, "/config").find("Content-Type: text/plain; charset=utf-8"),
            std::string::npos);
  for (const char* secret : {"hunter2-lab", "bearer-lab-token"}) {
    EXPECT_EQ(ours.body.find(secret), std::string::npos) << secret << " leaked:\n" << ours.body;
    EXPECT_EQ(theirs.body.find(secret), std::string::npos);
  }
  EXPECT_EQ(Count(ours.body, "<secret>"), 2u) << ours.body;

  const auto mine = FlattenYaml(ours.body);
  const auto reference = FlattenYaml(theirs.body);
  ASSERT_GT(reference.size(), 60u) << theirs.body;  // the comparison below is not vacuous
  const std::set<std::string> dns_modules = {"dns_lab"};
  for (const auto& [path, value] : reference) {
    // 0.23 writes a TLS version as Go's number (771), which it cannot read back.
    if (path.ends_with("/tls_config/min_version")) {
      EXPECT_EQ(mine.at(path), "TLS12");
      continue;
    }
    // 0.23 turns bearer_token into authorization {type: Bearer, credentials: <secret>}.
    if (path.find("/authorization/") != std::string::npos) {
      EXPECT_EQ(mine.at("modules/http_bearer/http/bearer_token"), "<secret>");
      continue;
    }
    // 0.23 writes a dns section without query_name for every module, which no loader
    // (its own included) accepts; reachprobe writes dns only where it is used.
    const std::string module = path.substr(8, path.find('/', 8) - 8);
    if (path.find("/dns/") != std::string::npos && !dns_modules.contains(module)) continue;
    auto it = mine.find(path);
    if (it == mine.end()) {
      ADD_FAILURE() << "reachprobe's /config lacks " << path << ": " << value;
    } else {
      EXPECT_EQ(it->second, value) << path;
    }
  }
  // Defaults blackbox leaves as "" are the values in use.
  EXPECT_EQ(mine.at("modules/tcp_connect/http/method"), "GET");
  EXPECT_EQ(mine.at("modules/tcp_connect/tcp/preferred_ip_protocol"), "ip4");
  EXPECT_EQ(mine.at("modules/icmp/icmp/preferred_ip_protocol"), "ip6");
  EXPECT_EQ(mine.at("modules/dns_lab/dns/query_class"), "IN");
  EXPECT_EQ(mine.at("modules/dns_lab/dns/transport_protocol"), "udp");
  EXPECT_EQ(mine.at("modules/dns_lab/dns/valid_rcodes/0"), "NOERROR");
  EXPECT_EQ(mine.at("modules/grpc_plain/grpc/ip_protocol_fallback"), "true");

  // The dump is a config: reachprobe validates it.
  const std::string dump = lab_->scratch_dir() + "/config-dump.yml";
  std::ofstream(dump) << ours.body;
  const CmdResult validated =
      RunArgv({REACHPROBE_BINARY, "validate", "--config.file", dump}, std::chrono::seconds(10));
  EXPECT_EQ(validated.exit_code, 0) << validated.stderr_text << "\n" << ours.body;

  const HttpAnswer landing = serve_->Request(kReachprobePort, "/");
  EXPECT_NE(landing.body.find("<a href=\"/config\">Configuration</a>"), std::string::npos)
      << landing.body;
}

// --web.route-prefix=/bb: every endpoint under /bb/, nothing outside it, links with it.
TEST_F(ServeEndpointsTest, RoutePrefixServesEverythingUnderIt) {
  constexpr int kOurs = 19117;
  constexpr int kTheirs = 19118;
  Start(Exporter::kReachprobe, kOurs, "--web.route-prefix=/bb", "/bb/-/healthy");
  Start(Exporter::kBlackbox, kTheirs, "--web.route-prefix=/bb", "/bb/-/healthy");
  for (int port : {kOurs, kTheirs}) {
    const std::string who = port == kOurs ? "reachprobe" : "blackbox";
    const HttpAnswer probe = ProbeAt(port, "/bb/", kSuccessTarget);
    EXPECT_EQ(probe.status, 200) << who << Logs();
    EXPECT_NE(probe.body.find("probe_success 1"), std::string::npos) << who << probe.body;
    EXPECT_EQ(ProbeAt(port, "/", kSuccessTarget).status, 404) << who;
    EXPECT_EQ(serve_->Request(port, "/-/healthy").status, 404) << who;
    EXPECT_EQ(serve_->Request(port, "/metrics").status, 404) << who;
    EXPECT_EQ(serve_->Request(port, "/bbx/metrics").status, 404) << who;
    for (const char* path : {"/bb/metrics", "/bb/config", "/bb/", "/bb/logs?id=0"}) {
      EXPECT_EQ(serve_->Request(port, path).status, 200) << who << " " << path;
    }
  }
  // blackbox redirects "/" to the external URL (302); reachprobe has no such URL to give
  // without --web.external-url and answers 404 like any other path outside the prefix.
  EXPECT_EQ(serve_->Request(kOurs, "/").status, 404);
  const HttpAnswer landing = serve_->Request(kOurs, "/bb/");
  for (const char* link :
       {"href=\"/bb/metrics\"", "href=\"/bb/config\"", "href=\"/bb/logs?id=0\""}) {
    EXPECT_NE(landing.body.find(link), std::string::npos) << link << "\n" << landing.body;
  }
  EXPECT_EQ(serve_->Request(kOurs, "/bb").status, 200);  // the prefix without its slash

  // The prefix defaults to the path of --web.external-url.
  constexpr int kExternal = 19119;
  Start(Exporter::kReachprobe, kExternal, "--web.external-url=http://monitor.lab/blackbox/",
        "/blackbox/-/healthy");
  EXPECT_EQ(serve_->Request(kExternal, "/blackbox/config").status, 200);
  EXPECT_EQ(serve_->Request(kExternal, "/config").status, 404);

  // A bad value is refused at start-up with one line and exit status 2.
  const CmdResult bad = RunArgv({REACHPROBE_BINARY, "serve", "--web.external-url='http://x/'",
                                 "--web.listen-address", "127.0.0.1:0"},
                                std::chrono::seconds(10));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(Count(bad.stderr_text, "\n"), 1u) << bad.stderr_text;
}

// --history.limit=3: the landing page keeps the last 3 probes plus up to 3 failures pushed out
// of them, as blackbox does, and their logs stay readable.
TEST_F(ServeEndpointsTest, HistoryLimitKeepsRecentProbesAndEvictedFailures) {
  constexpr int kOurs = 19120;
  constexpr int kTheirs = 19121;
  Start(Exporter::kReachprobe, kOurs, "--history.limit=3", "/-/healthy");
  Start(Exporter::kBlackbox, kTheirs, "--history.limit=3", "/-/healthy");
  // ids 0, 1: failures; 2..6: successes. Kept: 6, 5, 4 (recent) and 1, 0 (preserved).
  const std::vector<const char*> targets = {kFailureTarget, kFailureTarget, kSuccessTarget,
                                            kSuccessTarget, kSuccessTarget, kSuccessTarget,
                                            kSuccessTarget};
  for (int port : {kOurs, kTheirs}) {
    const std::string who = port == kOurs ? "reachprobe" : "blackbox";
    for (const char* target : targets) {
      const HttpAnswer probe = ProbeAt(port, "/", target);
      ASSERT_EQ(probe.status, 200) << who << " " << target << Logs();
      const bool success = std::string(target) == kSuccessTarget;
      EXPECT_NE(probe.body.find(success ? "probe_success 1" : "probe_success 0"), std::string::npos)
          << who << " " << target;
    }
    const HttpAnswer landing = serve_->Request(port, "/");
    EXPECT_EQ(Count(landing.body, "<td>tcp_connect</td>"), 5u) << who << landing.body;
    EXPECT_EQ(Count(landing.body, "Failure"), 2u) << who << landing.body;
    for (int id : {0, 1, 4, 5, 6}) {
      EXPECT_EQ(serve_->Request(port, "/logs?id=" + std::to_string(id)).status, 200)
          << who << " id " << id;
    }
    for (int id : {2, 3, 7}) {
      EXPECT_EQ(serve_->Request(port, "/logs?id=" + std::to_string(id)).status, 404)
          << who << " id " << id;
    }
  }
  const HttpAnswer failure_log = serve_->Request(kOurs, "/logs?id=0");
  EXPECT_NE(failure_log.body.find("probe_failure_info{layer=\"tcp\",reason=\"refused\"} 1"),
            std::string::npos)
      << failure_log.body;
  // Newest first: recent 6, 5, 4, then the preserved failures 1, 0.
  const std::string page = serve_->Request(kOurs, "/").body;
  std::vector<std::size_t> at;
  for (int id : {6, 5, 4, 1, 0}) at.push_back(page.find("logs?id=" + std::to_string(id) + "\""));
  for (std::size_t i = 1; i < at.size(); ++i) EXPECT_LT(at[i - 1], at[i]) << page;

  for (const std::string bad : {"-1", "many", "1.5"}) {
    const CmdResult run = RunArgv({REACHPROBE_BINARY, "serve", "--history.limit=" + bad,
                                   "--web.listen-address", "127.0.0.1:0"},
                                  std::chrono::seconds(10));
    EXPECT_EQ(run.exit_code, 2) << bad;
    EXPECT_EQ(run.stderr_text,
              "reachprobe: flag --history.limit: \"" + bad + "\" is not a non-negative integer\n");
  }
}

}  // namespace
}  // namespace reachprobe::lab
