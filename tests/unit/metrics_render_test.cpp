// CONTRACT §5, the /probe exposition, from literal reports (the lab suites need root).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include "classify/classifier.hpp"
#include "exporters/blackbox_metrics.hpp"
#include "report_builder.hpp"

namespace reachprobe::testing {
namespace {

using namespace std::chrono_literals;

// The exposition split into its comment lines, in order, and its samples (series -> value).
struct ParsedExposition {
  std::vector<std::string> comments;
  std::map<std::string, double> samples;
  std::vector<std::string> sample_order;
};

ParsedExposition parse(const std::string& text) {
  ParsedExposition parsed;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# ", 0) == 0) {
      parsed.comments.push_back(line);
      continue;
    }
    auto space = line.rfind(' ');
    std::string value = line.substr(space + 1);
    // prometheus-cpp writes "Nan"; the format's spelling (and Go's) is "NaN".
    double number = value == "Nan" || value == "NaN" ? std::nan("") : std::stod(value);
    parsed.samples[line.substr(0, space)] = number;
    parsed.sample_order.push_back(line.substr(0, space));
  }
  return parsed;
}

// /probe writes its text directly; prometheus-cpp's registry and serializer, which it used to
// go through, are the reference: the same families in the same order with the same HELP and
// TYPE lines, the same samples with the same values (within a family prometheus-cpp's order is
// its hash map's, the direct writer's that of the label values, as blackbox's Go client).
void expect_same_as_prometheus_cpp(const std::string& direct, const std::string& reference) {
  auto a = parse(direct);
  auto b = parse(reference);
  EXPECT_EQ(a.comments, b.comments) << direct << "\n---\n" << reference;
  ASSERT_EQ(a.samples.size(), b.samples.size()) << direct << "\n---\n" << reference;
  for (const auto& [series, value] : b.samples) {
    ASSERT_TRUE(a.samples.contains(series)) << series << "\n" << direct;
    if (std::isnan(value))
      EXPECT_TRUE(std::isnan(a.samples[series])) << series;
    else
      EXPECT_DOUBLE_EQ(a.samples[series], value) << series;
  }
  EXPECT_EQ(a.sample_order.size(), a.samples.size()) << "a series written twice:\n" << direct;
}

std::string exposition(const ProbeReport& r, const std::string& prober) {
  auto text = exporters::probe_exposition(r, prober);
  expect_same_as_prometheus_cpp(text, exporters::serialize(*exporters::probe_registry(r, prober)));
  return text;
}

// The value of the sample written exactly as `series` (name and labels), or nullopt.
std::optional<double> sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

bool has_family(const std::string& text, const std::string& name) {
  return text.find("\n" + name + "{") != std::string::npos ||
         text.find("\n" + name + " ") != std::string::npos || text.rfind(name, 0) == 0;
}

ProbeReport filtered_port() {
  auto r = ReportBuilder()
               .icmp_replies(3, 3)
               .path_hops({kRouter1, kRouter2}, false)
               .tcp_fail(Reason::timeout)
               .build();
  r.module = "tcp_connect";
  r.duration = 3012ms;
  r.find(Layer::icmp)->duration = 1s;
  classify::apply_verdict(r);
  return r;
}

ProbeReport open_port() {
  auto r = ReportBuilder().icmp_replies(3, 3).path_hops({kRouter1}, true).tcp_ok().build();
  r.duration = 1500ms;
  r.find(Layer::tcp)->duration = 250us;
  classify::apply_verdict(r);
  return r;
}

TEST(MetricsRender, SuccessAndDurationOfTheWholeProbe) {
  auto ok = exposition(open_port(), "tcp");
  EXPECT_EQ(sample(ok, "probe_success"), 1.0) << ok;
  EXPECT_EQ(sample(ok, "probe_duration_seconds"), 1.5) << ok;
  auto failed = exposition(filtered_port(), "tcp");
  EXPECT_EQ(sample(failed, "probe_success"), 0.0) << failed;
  EXPECT_EQ(sample(failed, "probe_duration_seconds"), 3.012) << failed;
  EXPECT_EQ(sample(failed, "probe_ip_protocol"), 4.0) << failed;
}

TEST(MetricsRender, LayerSuccessAndDurationForEveryAttemptedLayer) {
  auto text = exposition(filtered_port(), "tcp");
  EXPECT_EQ(sample(text, "probe_layer_success{layer=\"icmp\"}"), 1.0) << text;
  EXPECT_EQ(sample(text, "probe_layer_success{layer=\"tcp\"}"), 0.0) << text;
  EXPECT_EQ(sample(text, "probe_layer_duration_seconds{layer=\"tcp\"}"), 3.0) << text;
  EXPECT_EQ(sample(text, "probe_layer_duration_seconds{layer=\"icmp\"}"), 1.0) << text;
  // The dns layer of an IP literal was skipped: not attempted, so no series.
  EXPECT_FALSE(sample(text, "probe_layer_success{layer=\"dns\"}")) << text;
  EXPECT_FALSE(sample(text, "probe_layer_duration_seconds{layer=\"dns\"}")) << text;
}

TEST(MetricsRender, WarnCountsAsWorked) {
  auto r = ReportBuilder().icmp_replies(0, 3).path_hops({kRouter1}, true).tcp_ok().build();
  classify::apply_verdict(r);
  ASSERT_EQ(r.find(Layer::icmp)->status, Status::warn);
  auto text = exposition(r, "tcp");
  EXPECT_EQ(sample(text, "probe_layer_success{layer=\"icmp\"}"), 1.0) << text;
  EXPECT_EQ(sample(text, "probe_success"), 1.0) << text;
}

TEST(MetricsRender, FailureInfoOnlyOnFailure) {
  auto failed = exposition(filtered_port(), "tcp");
  EXPECT_EQ(sample(failed, "probe_failure_info{layer=\"tcp\",reason=\"timeout\"}"), 1.0) << failed;
  auto ok = exposition(open_port(), "tcp");
  EXPECT_EQ(ok.find("probe_failure_info"), std::string::npos) << ok;
}

TEST(MetricsRender, PathHopSeries) {
  auto text = exposition(filtered_port(), "tcp");
  // Two routers answered, then silence: 2 hops, not the 3 rows of the hop table.
  EXPECT_EQ(sample(text, "probe_path_hops"), 2.0) << text;
  auto reached = exposition(open_port(), "tcp");
  EXPECT_EQ(sample(reached, "probe_path_hops"), 2.0) << reached;  // one router, then the target
  EXPECT_EQ(sample(text, "probe_path_hop_loss_ratio{ttl=\"1\"}"), 0.0) << text;
  EXPECT_EQ(sample(text, "probe_path_hop_loss_ratio{ttl=\"3\"}"), 1.0) << text;
  EXPECT_EQ(sample(text, "probe_path_hop_rtt_seconds{ttl=\"2\"}"), 0.0003) << text;
  // A hop that never answered has no RTT, rather than a misleading 0.
  EXPECT_FALSE(sample(text, "probe_path_hop_rtt_seconds{ttl=\"3\"}")) << text;
}

TEST(MetricsRender, NoPathLayerNoPathSeries) {
  auto r = ReportBuilder().tcp_ok().build();
  classify::apply_verdict(r);
  auto text = exposition(r, "tcp");
  EXPECT_EQ(text.find("probe_path_"), std::string::npos) << text;
}

TEST(MetricsRender, HttpPhasesAndStatus) {
  auto r = ReportBuilder().tcp_ok().build();
  r.target.text = "http://198.18.3.2:22/";
  HttpEvidence http;
  http.status_code = 200;
  http.http_version = "HTTP/1.1";
  http.phases = {0.001, 0.0002, 0, 0.0003, 0.0001};
  http.body_bytes = 12;
  http.content_length = 12;
  add_layer(r, Layer::http, Status::ok, 400us, http);
  classify::apply_verdict(r);
  auto text = exposition(r, "http");
  for (const char* phase : {"resolve", "connect", "tls", "processing", "transfer"}) {
    EXPECT_TRUE(sample(text, std::string("probe_http_duration_seconds{phase=\"") + phase + "\"}"))
        << phase << "\n"
        << text;
  }
  EXPECT_EQ(sample(text, "probe_http_duration_seconds{phase=\"processing\"}"), 0.0003) << text;
  EXPECT_EQ(sample(text, "probe_http_status_code"), 200.0) << text;
  EXPECT_EQ(sample(text, "probe_http_version"), 1.1) << text;
  EXPECT_EQ(sample(text, "probe_http_content_length"), 12.0) << text;
  EXPECT_EQ(sample(text, "probe_layer_duration_seconds{layer=\"http\"}"), 0.0004) << text;
}

TEST(MetricsRender, SshPhasesBannerAndExitStatus) {
  auto r = ReportBuilder().tcp_ok().build();
  SshBannerEvidence banner;
  banner.software = "OpenSSH_9.2p1";
  add_layer(r, Layer::ssh_banner, Status::ok, 2ms, banner);
  add_layer(r, Layer::ssh_handshake, Status::ok, 60ms, SshHandshakeEvidence{});
  add_layer(r, Layer::ssh_auth, Status::ok, 40ms, SshAuthEvidence{"monitor", {}, "publickey"});
  add_layer(r, Layer::ssh_exec, Status::fail, 28ms, SshExecEvidence{"false", 1, 0, 0, false},
            Reason::exit_status);
  classify::apply_verdict(r);
  auto text = exposition(r, "ssh");
  EXPECT_EQ(sample(text, "probe_ssh_banner_info{software=\"OpenSSH_9.2p1\"}"), 1.0) << text;
  EXPECT_EQ(sample(text, "probe_ssh_phase_duration_seconds{phase=\"banner\"}"), 0.002) << text;
  EXPECT_EQ(sample(text, "probe_ssh_phase_duration_seconds{phase=\"handshake\"}"), 0.06) << text;
  EXPECT_EQ(sample(text, "probe_ssh_phase_duration_seconds{phase=\"auth\"}"), 0.04) << text;
  EXPECT_EQ(sample(text, "probe_ssh_phase_duration_seconds{phase=\"exec\"}"), 0.028) << text;
  EXPECT_EQ(sample(text, "probe_ssh_exit_status"), 1.0) << text;
  EXPECT_EQ(sample(text, "probe_failure_info{layer=\"ssh_exec\",reason=\"exit_status\"}"), 1.0)
      << text;
}

TEST(MetricsRender, HostFindingsOneSeriesPerReasonAndTheFigures) {
  auto r = ReportBuilder().tcp_ok().build();
  add_layer(r, Layer::ssh_auth, Status::ok, 40ms, SshAuthEvidence{"monitor", {}, "publickey"});
  HostEvidence host;
  host.psi_io_some_avg10 = 42.5;
  host.blocked_tasks = 2;
  host.findings = {{Reason::hung_mount, "x"}, {Reason::blocked_tasks, "y"}};
  add_layer(r, Layer::host, Status::fail, 2s, host, Reason::hung_mount);
  classify::apply_verdict(r);
  auto text = exposition(r, "ssh");
  EXPECT_EQ(sample(text, "probe_host_finding{reason=\"hung_mount\"}"), 1.0) << text;
  EXPECT_EQ(sample(text, "probe_host_finding{reason=\"blocked_tasks\"}"), 1.0) << text;
  EXPECT_EQ(sample(text, "probe_host_finding{reason=\"slow_nss\"}"), 0.0) << text;
  EXPECT_EQ(sample(text, "probe_host_finding{reason=\"timeout\"}"), 0.0) << text;
  EXPECT_EQ(sample(text, "probe_host_psi_io_some_avg10"), 42.5) << text;
  EXPECT_EQ(sample(text, "probe_host_blocked_tasks"), 2.0) << text;
  EXPECT_EQ(sample(text, "probe_failure_info{layer=\"host\",reason=\"hung_mount\"}"), 1.0) << text;
  // No triage, no host series.
  auto plain = ReportBuilder().tcp_ok().build();
  classify::apply_verdict(plain);
  EXPECT_EQ(exposition(plain, "ssh").find("probe_host_"), std::string::npos);
}

TEST(MetricsRender, OtherFamilySuccessOnlyWhenMeasured) {
  auto r = ReportBuilder().tcp_fail(Reason::timeout).build();
  classify::apply_verdict(r);
  EXPECT_EQ(exposition(r, "tcp").find("probe_other_family_success"), std::string::npos);
  engine::OtherFamilyProbe other;
  other.address = ip("2001:2:0:3::2");
  other.success = true;
  r.other_family = other;
  auto text = exposition(r, "tcp");
  EXPECT_EQ(sample(text, "probe_other_family_success"), 1.0) << text;
}

TEST(MetricsRender, GrpcServingStatusOneHot) {
  auto r = ReportBuilder().tcp_ok().build();
  add_layer(r, Layer::grpc, Status::ok, 500us, GrpcEvidence{"", 0, "SERVING", "HTTP/2.0"});
  classify::apply_verdict(r);
  auto text = exposition(r, "grpc");
  EXPECT_EQ(sample(text, "probe_grpc_healthcheck_response{serving_status=\"SERVING\"}"), 1.0)
      << text;
  for (const char* other : {"UNKNOWN", "NOT_SERVING", "SERVICE_UNKNOWN"}) {
    EXPECT_EQ(sample(text, std::string("probe_grpc_healthcheck_response{serving_status=\"") +
                               other + "\"}"),
              0.0)
        << text;
  }
  EXPECT_EQ(sample(text, "probe_grpc_status_code"), 0.0) << text;
  EXPECT_EQ(sample(text, "probe_grpc_duration_seconds{phase=\"check\"}"), 0.0005) << text;
}

TEST(MetricsRender, HostileLabelValuesAndExtremeNumbersAreWrittenExactly) {
  auto r = ReportBuilder().tcp_ok().build();
  SshBannerEvidence banner;
  banner.software = "Evil\\\"quote\nline";  // a banner's software as a hostile server sends it
  add_layer(r, Layer::ssh_banner, Status::ok, 2ms, banner);
  r.duration = std::chrono::nanoseconds(300000001);  // written back exactly
  classify::apply_verdict(r);
  auto text = exposition(r, "tcp");
  EXPECT_NE(text.find("probe_ssh_banner_info{software=\"Evil\\\\\\\"quote\\nline\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(sample(text, "probe_duration_seconds"), 0.300000001) << text;
  // Within a family, samples in the order of their label values (as blackbox writes them).
  auto http = ReportBuilder().tcp_ok().build();
  add_layer(http, Layer::http, Status::ok, 400us, HttpEvidence{});
  classify::apply_verdict(http);
  auto phases = exposition(http, "http");
  auto at = [&](const char* phase) {
    return phases.find(std::string("probe_http_duration_seconds{phase=\"") + phase + "\"}");
  };
  EXPECT_LT(at("connect"), at("processing"));
  EXPECT_LT(at("processing"), at("resolve"));
  EXPECT_LT(at("resolve"), at("tls"));
  EXPECT_LT(at("tls"), at("transfer"));
}

TEST(MetricsRender, EveryFamilyHasHelpAndType) {
  auto text = exposition(filtered_port(), "tcp");
  for (const char* family : {"probe_success", "probe_duration_seconds", "probe_layer_success",
                             "probe_layer_duration_seconds", "probe_failure_info",
                             "probe_path_hops", "probe_path_hop_loss_ratio"}) {
    EXPECT_NE(text.find(std::string("# HELP ") + family + " "), std::string::npos) << family;
    EXPECT_NE(text.find(std::string("# TYPE ") + family + " gauge"), std::string::npos) << family;
    EXPECT_TRUE(has_family(text, family)) << family;
  }
}

}  // namespace
}  // namespace reachprobe::testing
