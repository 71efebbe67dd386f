#include "exporters/blackbox_metrics.hpp"

#include <prometheus/gauge.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <sstream>

#include "exporters/exposition_text.hpp"

namespace reachprobe::exporters {
namespace {

using engine::Layer;
using engine::Status;
// The blackbox families are written through this small builder, shaped like prometheus-cpp's,
// into plain ProbeFamilies: /probe turns them into a fresh registry, /metrics keeps them per
// scheduled key. One name mapping for both.
using Registry = ProbeFamilies;

class GaugeBuilder {
 public:
  GaugeBuilder& Name(std::string name) {
    name_ = std::move(name);
    return *this;
  }
  GaugeBuilder& Help(std::string help) {
    help_ = std::move(help);
    return *this;
  }
  GaugeFamily& Register(ProbeFamilies& families) {
    for (auto& f : families.families)
      if (f.name == name_) return f;
    families.families.push_back(GaugeFamily{name_, help_, {}});
    return families.families.back();
  }

 private:
  std::string name_;
  std::string help_;
};
GaugeBuilder BuildGauge() {
  return {};
}

double secs(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

void gauge(Registry& r, const std::string& name, const std::string& help, double value,
           const prometheus::Labels& labels = {}) {
  BuildGauge().Name(name).Help(help).Register(r).Add(labels).Set(value);
}

// FNV-1a 32 of the address bytes, as blackbox's probe_ip_addr_hash.
double fnv1a(const net::ip::address& address) {
  std::uint32_t hash = 2166136261u;
  auto mix = [&hash](const auto& bytes) {
    for (unsigned char b : bytes) {
      hash ^= b;
      hash *= 16777619u;
    }
  };
  if (address.is_v4())
    mix(address.to_v4().to_bytes());
  else
    mix(address.to_v6().to_bytes());
  return static_cast<double>(hash);
}

const engine::DnsQueryEvidence* dns_query_of(const engine::ProbeReport& report) {
  const auto* layer = report.find(Layer::dns);
  const auto* dns = layer ? engine::evidence_of<engine::DnsEvidence>(*layer) : nullptr;
  return dns && dns->query ? &*dns->query : nullptr;
}

void address_metrics(Registry& r, const engine::ProbeReport& report) {
  const auto* dns = report.find(Layer::dns);
  // A dns module's lookup is of the DNS server's own name, not the probe's query.
  const auto* query = dns_query_of(report);
  double lookup = query ? query->resolve_seconds : dns ? secs(dns->duration) : 0.0;
  gauge(r, "probe_dns_lookup_time_seconds",
        "Returns the time taken for probe dns lookup in seconds", lookup);
  gauge(r, "probe_ip_protocol", "Specifies whether probe ip protocol is IP4 or IP6",
        report.address ? (report.address->is_v4() ? 4 : 6) : 0);
  // Registered before the lookup, as blackbox 0.23's chooseProtocol does: 0 when the name did
  // not resolve in the family asked for.
  gauge(r, "probe_ip_addr_hash", "Specifies the hash of IP address",
        report.address ? fnv1a(*report.address) : 0.0);
}

// What each prober adds to the TLS family, as blackbox 0.23: http and tcp the whole family
// (cipher info is 0.26's, http only), grpc no last-chain expiry and no cipher.
struct TlsFamily {
  bool last_chain_expiry = true;
  bool last_chain_info = true;
  bool cipher = true;
};

void tls_metrics(Registry& r, const engine::ProbeReport& report, TlsFamily family) {
  const auto* layer = report.find(Layer::tls);
  const auto* tls = layer ? engine::evidence_of<engine::TlsEvidence>(*layer) : nullptr;
  if (tls == nullptr || layer->status != Status::ok) return;  // as blackbox: only with a handshake
  if (tls->earliest_cert_expiry) {
    gauge(r, "probe_ssl_earliest_cert_expiry", "Returns last SSL chain expiry in unixtime",
          static_cast<double>(*tls->earliest_cert_expiry));
    if (family.last_chain_expiry && tls->verified) {
      gauge(r, "probe_ssl_last_chain_expiry_timestamp_seconds",
            "Returns last SSL chain expiry in timestamp",
            static_cast<double>(*tls->earliest_cert_expiry));
    }
  }
  if (family.last_chain_info && tls->leaf) {
    std::string sans;
    for (const auto& name : tls->leaf->dns_names) sans += (sans.empty() ? "" : ",") + name;
    gauge(r, "probe_ssl_last_chain_info", "Contains SSL leaf certificate information", 1,
          {{"fingerprint_sha256", tls->leaf->fingerprint_sha256},
           {"subject", tls->leaf->subject_rfc2253},
           {"issuer", tls->leaf->issuer_rfc2253},
           {"subjectalternative", sans}});
  }
  gauge(r, "probe_tls_version_info", "Returns the TLS version used or NaN when unknown", 1,
        {{"version", tls->version.empty() ? "unknown" : tls->version}});
  if (family.cipher && !tls->cipher.empty()) {
    gauge(r, "probe_tls_cipher_info", "Returns the TLS cipher negotiated during handshake", 1,
          {{"cipher", tls->cipher}});
  }
}

void http_metrics(Registry& r, const engine::ProbeReport& report) {
  const auto* layer = report.find(Layer::http);
  const auto* http = layer ? engine::evidence_of<engine::HttpEvidence>(*layer) : nullptr;
  engine::HttpEvidence empty;
  if (http == nullptr) http = &empty;
  auto& phases = BuildGauge()
                     .Name("probe_http_duration_seconds")
                     .Help("Duration of http request by phase, summed over all redirects")
                     .Register(r);
  phases.Add({{"phase", "resolve"}}).Set(http->phases.resolve);
  phases.Add({{"phase", "connect"}}).Set(http->phases.connect);
  phases.Add({{"phase", "tls"}}).Set(http->phases.tls);
  phases.Add({{"phase", "processing"}}).Set(http->phases.processing);
  phases.Add({{"phase", "transfer"}}).Set(http->phases.transfer);
  gauge(r, "probe_http_status_code", "Response HTTP status code",
        static_cast<double>(http->status_code));
  // Without a response blackbox reads an empty one: length 0, not "unknown".
  gauge(r, "probe_http_content_length", "Length of http content response",
        http->status_code == 0 ? 0.0 : static_cast<double>(http->content_length));
  gauge(r, "probe_http_uncompressed_body_length", "Length of uncompressed response body",
        static_cast<double>(http->body_bytes));
  gauge(r, "probe_http_redirects", "The number of redirects", static_cast<double>(http->redirects));
  gauge(r, "probe_http_ssl", "Indicates if SSL was used for the final redirect", http->ssl ? 1 : 0);
  double version = 0;
  if (http->http_version == "HTTP/1.0")
    version = 1.0;
  else if (http->http_version == "HTTP/1.1")
    version = 1.1;
  else if (http->http_version == "HTTP/2.0")
    version = 2.0;
  gauge(r, "probe_http_version", "Returns the version of HTTP of the probe response", version);
  gauge(r, "probe_failed_due_to_regex", "Indicates if probe failed due to regex",
        http->failed_due_to_regex ? 1 : 0);
  if (http->last_modified) {
    gauge(r, "probe_http_last_modified_timestamp_seconds",
          "Returns the Last-Modified HTTP response header in unixtime",
          static_cast<double>(*http->last_modified));
  }
  tls_metrics(r, report, {});
}

void icmp_metrics(Registry& r, const engine::ProbeReport& report) {
  const auto* layer = report.find(Layer::icmp);
  const auto* icmp = layer ? engine::evidence_of<engine::IcmpEvidence>(*layer) : nullptr;
  const auto* dns = report.find(Layer::dns);
  auto& phases = BuildGauge()
                     .Name("probe_icmp_duration_seconds")
                     .Help("Duration of icmp request by phase")
                     .Register(r);
  phases.Add({{"phase", "resolve"}}).Set(dns ? secs(dns->duration) : 0.0);
  phases.Add({{"phase", "setup"}}).Set(0.0);
  phases.Add({{"phase", "rtt"}})
      .Set(icmp && icmp->stats.received > 0 ? icmp->stats.avg_seconds : 0.0);
  if (icmp && icmp->reply_ttl && icmp->stats.received > 0) {
    gauge(r, "probe_icmp_reply_hop_limit", "Replied packet hop limit (TTL for ipv4)",
          *icmp->reply_ttl);
  }
}

void grpc_metrics(Registry& r, const engine::ProbeReport& report) {
  const auto* layer = report.find(Layer::grpc);
  const auto* grpc = layer ? engine::evidence_of<engine::GrpcEvidence>(*layer) : nullptr;
  const auto* dns = report.find(Layer::dns);
  auto& phases = BuildGauge()
                     .Name("probe_grpc_duration_seconds")
                     .Help("Duration of gRPC request by phase")
                     .Register(r);
  phases.Add({{"phase", "resolve"}}).Set(dns ? secs(dns->duration) : 0.0);
  phases.Add({{"phase", "check"}}).Set(layer ? secs(layer->duration) : 0.0);
  // As grpc-go reports it: the RPC's own status, else UNAVAILABLE (14) when no call could be
  // made, or DEADLINE_EXCEEDED (4) when the deadline passed first.
  double status_code = 0;
  if (grpc && grpc->grpc_status) {
    status_code = *grpc->grpc_status;
  } else if (!report.success) {
    bool timed_out = report.verdict.reason == engine::Reason::timeout;
    status_code = timed_out ? 4 : 14;
  }
  gauge(r, "probe_grpc_status_code", "Response gRPC status code", status_code);
  auto& serving = BuildGauge()
                      .Name("probe_grpc_healthcheck_response")
                      .Help("Response HealthCheck response")
                      .Register(r);
  // Only a HealthCheckResponse sets one, as blackbox: a NOT_FOUND status (the evidence's
  // SERVICE_UNKNOWN, for the sentence) is an RPC error with no response, all four 0.
  bool answered = grpc && grpc->grpc_status && *grpc->grpc_status == 0;
  for (const char* status : {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"}) {
    serving.Add({{"serving_status", status}})
        .Set(answered && grpc->serving_status == status ? 1 : 0);
  }
  const auto* tls_layer = report.find(Layer::tls);
  gauge(r, "probe_grpc_ssl", "Indicates if SSL was used for the connection",
        tls_layer && tls_layer->status == Status::ok ? 1 : 0);
  tls_metrics(r, report, {false, true, false});
}

// The SSH server's software, from the ssh layers or a tcp module's banner check.
void ssh_banner_metric(Registry& r, const engine::ProbeReport& report) {
  const auto* banner_layer = report.find(Layer::ssh_banner);
  const auto* banner =
      banner_layer ? engine::evidence_of<engine::SshBannerEvidence>(*banner_layer) : nullptr;
  if (banner && !banner->software.empty()) {
    gauge(r, "probe_ssh_banner_info", "The SSH server's software version", 1,
          {{"software", banner->software}});
  }
}

// The host layer (CONTRACT §8): one 0/1 series per host reason, so an alert can name the
// finding, and the two figures worth graphing. Absent when no triage ran.
void host_metrics(Registry& r, const engine::ProbeReport& report) {
  const auto* layer = report.find(Layer::host);
  const auto* host = layer ? engine::evidence_of<engine::HostEvidence>(*layer) : nullptr;
  if (host == nullptr || layer->status == Status::skipped) return;
  auto& findings = BuildGauge()
                       .Name("probe_host_finding")
                       .Help("Whether the host layer's triage found this (1) or not (0)")
                       .Register(r);
  for (engine::Reason reason : engine::reasons_for(Layer::host)) {
    bool found = std::any_of(host->findings.begin(), host->findings.end(),
                             [reason](const engine::HostFinding& f) { return f.reason == reason; });
    if (reason == engine::Reason::timeout) found = host->timed_out;
    findings.Add({{"reason", std::string(engine::to_string(reason))}}).Set(found ? 1 : 0);
  }
  if (host->psi_io_some_avg10) {
    gauge(r, "probe_host_psi_io_some_avg10",
          "Share of the last 10 s in which some task waited on I/O, in percent (PSI)",
          *host->psi_io_some_avg10);
  }
  if (host->blocked_tasks) {
    gauge(r, "probe_host_blocked_tasks", "Tasks in uninterruptible sleep (D state) on the host",
          *host->blocked_tasks);
  }
}

void ssh_metrics(Registry& r, const engine::ProbeReport& report) {
  ssh_banner_metric(r, report);
  host_metrics(r, report);
  auto& phases = BuildGauge()
                     .Name("probe_ssh_phase_duration_seconds")
                     .Help("Duration of each SSH phase")
                     .Register(r);
  for (auto [layer, phase] :
       {std::pair{Layer::ssh_banner, "banner"}, std::pair{Layer::ssh_handshake, "handshake"},
        std::pair{Layer::ssh_auth, "auth"}, std::pair{Layer::ssh_exec, "exec"}}) {
    const auto* l = report.find(layer);
    if (l && l->status != Status::skipped) phases.Add({{"phase", phase}}).Set(secs(l->duration));
  }
  const auto* exec_layer = report.find(Layer::ssh_exec);
  const auto* exec =
      exec_layer ? engine::evidence_of<engine::SshExecEvidence>(*exec_layer) : nullptr;
  if (exec && exec->exit_status) {
    gauge(r, "probe_ssh_exit_status", "Exit status of the SSH command", *exec->exit_status);
  }
}

void tcp_metrics(Registry& r, const engine::ProbeReport& report) {
  const auto* layer = report.find(Layer::tcp);
  const auto* tcp = layer ? engine::evidence_of<engine::TcpEvidence>(*layer) : nullptr;
  gauge(r, "probe_failed_due_to_regex", "Indicates if probe failed due to regex",
        tcp && tcp->failed_due_to_regex ? 1 : 0);
  // blackbox 0.23 writes the same family after `tls: true` and after a STARTTLS upgrade.
  tls_metrics(r, report, {true, true, false});
  ssh_banner_metric(r, report);  // blackbox's ssh_banner module is a tcp module
}

void dns_metrics(Registry& r, const engine::ProbeReport& report) {
  const auto* q = dns_query_of(report);
  engine::DnsQueryEvidence empty;
  if (q == nullptr) q = &empty;
  auto& phases = BuildGauge()
                     .Name("probe_dns_duration_seconds")
                     .Help("Duration of DNS request by phase")
                     .Register(r);
  phases.Add({{"phase", "resolve"}}).Set(q->resolve_seconds);
  phases.Add({{"phase", "connect"}}).Set(q->connect_seconds);
  phases.Add({{"phase", "request"}}).Set(q->request_seconds);
  gauge(r, "probe_dns_answer_rrs", "Returns number of entries in the answer resource record list",
        static_cast<double>(q->answer.size()));
  gauge(r, "probe_dns_authority_rrs",
        "Returns number of entries in the authority resource record list",
        static_cast<double>(q->authority.size()));
  gauge(r, "probe_dns_additional_rrs",
        "Returns number of entries in the additional resource record list",
        static_cast<double>(q->additional.size()));
  // As blackbox 0.23: 1 whenever a response arrived, whatever its rcode.
  gauge(r, "probe_dns_query_succeeded",
        "Displays whether or not the query was executed successfully", q->answered ? 1 : 0);
  if (q->soa_asked && q->answered) {
    gauge(r, "probe_dns_serial", "Returns the serial number of the zone",
          q->soa_serial ? static_cast<double>(*q->soa_serial) : 0.0);
  }
}

void layer_metrics(Registry& r, const engine::ProbeReport& report) {
  auto& success = BuildGauge()
                      .Name("probe_layer_success")
                      .Help("Whether each attempted layer worked (warn counts as worked)")
                      .Register(r);
  auto& duration = BuildGauge()
                       .Name("probe_layer_duration_seconds")
                       .Help("Duration of each attempted layer")
                       .Register(r);
  for (const auto& l : report.layers) {
    if (l.status == Status::skipped) continue;
    std::string name(engine::to_string(l.layer));
    success.Add({{"layer", name}}).Set(l.status == Status::fail ? 0 : 1);
    duration.Add({{"layer", name}}).Set(secs(l.duration));
  }
  if (report.verdict.layer) {
    gauge(r, "probe_failure_info", "Where the probe failed: layer and reason", 1,
          {{"layer", std::string(engine::to_string(*report.verdict.layer))},
           {"reason", std::string(engine::to_string(report.verdict.reason))}});
  }
  if (report.other_family) {
    gauge(r, "probe_other_family_success",
          "Whether the target's other address family worked when the one in use failed",
          report.other_family->success ? 1 : 0);
  }
  const auto* path_layer = report.find(Layer::path);
  const auto* path = path_layer ? engine::evidence_of<engine::PathEvidence>(*path_layer) : nullptr;
  if (path != nullptr) {
    // As its help says: the hop table also holds the silent "???" line after the last answer,
    // which is not a hop that was reached.
    int reached = path->destination_ttl.value_or(0);
    if (!path->destination_ttl) {
      for (const auto& hop : path->hops) {
        if (hop.address) reached = std::max(reached, hop.ttl);
      }
    }
    gauge(r, "probe_path_hops", "Hops to the target (or to the last answering hop)", reached);
    auto& loss =
        BuildGauge().Name("probe_path_hop_loss_ratio").Help("Loss ratio per hop").Register(r);
    auto& rtt =
        BuildGauge().Name("probe_path_hop_rtt_seconds").Help("Average RTT per hop").Register(r);
    for (const auto& hop : path->hops) {
      loss.Add({{"ttl", std::to_string(hop.ttl)}}).Set(hop.stats.loss_ratio);
      if (hop.stats.received > 0)
        rtt.Add({{"ttl", std::to_string(hop.ttl)}}).Set(hop.stats.avg_seconds);
    }
  }
}

}  // namespace

GaugeSample& GaugeFamily::Add(const prometheus::Labels& labels) {
  for (auto& sample : samples)
    if (sample.labels == labels) return sample;
  samples.push_back(GaugeSample{labels, 0});
  return samples.back();
}

ProbeFamilies probe_families(const engine::ProbeReport& report, const std::string& prober) {
  ProbeFamilies families;
  auto& r = families;
  gauge(r, "probe_success", "Displays whether or not the probe was a success",
        report.success ? 1 : 0);
  gauge(r, "probe_duration_seconds", "Returns how long the probe took to complete in seconds",
        secs(report.duration));
  address_metrics(r, report);
  if (prober == "http")
    http_metrics(r, report);
  else if (prober == "icmp")
    icmp_metrics(r, report);
  else if (prober == "grpc")
    grpc_metrics(r, report);
  else if (prober == "ssh")
    ssh_metrics(r, report);
  else if (prober == "tcp")
    tcp_metrics(r, report);
  else if (prober == "dns")
    dns_metrics(r, report);
  layer_metrics(r, report);
  return families;
}

std::string probe_exposition(const engine::ProbeReport& report, const std::string& prober) {
  std::string out;
  out.reserve(2048);  // a tcp_connect answer is about 1.5 KB
  for (auto& family : probe_families(report, prober).families) {
    if (family.samples.empty()) continue;  // not written, as prometheus-cpp's registry does not
    // Ordered by label values, as blackbox's Go client orders a family's samples.
    std::stable_sort(
        family.samples.begin(), family.samples.end(),
        [](const GaugeSample& a, const GaugeSample& b) { return a.labels < b.labels; });
    append_header(out, family.name, family.help, "gauge");
    for (const auto& sample : family.samples) {
      out += family.name;
      if (!sample.labels.empty()) {
        out += '{';
        append_labels(out, sample.labels);
        out += '}';
      }
      out += ' ';
      append_number(out, sample.value);
      out += '\n';
    }
  }
  return out;
}

std::shared_ptr<prometheus::Registry> probe_registry(const engine::ProbeReport& report,
                                                     const std::string& prober) {
  auto registry = std::make_shared<prometheus::Registry>();
  for (const auto& family : probe_families(report, prober).families) {
    auto& gauges = prometheus::BuildGauge().Name(family.name).Help(family.help).Register(*registry);
    for (const auto& sample : family.samples) gauges.Add(sample.labels).Set(sample.value);
  }
  return registry;
}

std::string serialize(const prometheus::Registry& registry) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry.Collect());
  return out.str();
}

}  // namespace reachprobe::exporters
