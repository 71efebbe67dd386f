#include "exporters/json_report.hpp"

#include "exporters/host_evidence_json.hpp"
#include "exporters/json_values.hpp"

#include <cmath>
#include <utility>

namespace reachprobe::exporters {
namespace {

using engine::Layer;
using json = nlohmann::ordered_json;

double secs(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

// Seconds rounded to the microsecond: a report, not a trace.
double round_us(double s) {
  return std::round(s * 1e6) / 1e6;
}

// An object with room for `keys` members: ordered_json keeps them in a vector whose pairs
// have const keys, so every reallocation copies each key (most are longer than the short-string
// buffer) and this was a third of the cost of writing a report.
json object_for(std::size_t keys) {
  json out = json::object();
  out.get_ref<json::object_t&>().reserve(keys);
  return out;
}

json address_or_null(const std::optional<net::ip::address>& a) {
  return a ? json(a->to_string()) : json(nullptr);
}

void put_rtts(json& out, const engine::RttStats& s) {
  out["sent"] = s.sent;
  out["received"] = s.received;
  out["loss_ratio"] = round_us(s.loss_ratio);
  if (s.received > 0) {
    out["rtt_best_seconds"] = round_us(s.best_seconds);
    out["rtt_avg_seconds"] = round_us(s.avg_seconds);
    out["rtt_worst_seconds"] = round_us(s.worst_seconds);
    out["rtt_stddev_seconds"] = round_us(s.stddev_seconds);
  } else {
    out["rtt_best_seconds"] = nullptr;
    out["rtt_avg_seconds"] = nullptr;
    out["rtt_worst_seconds"] = nullptr;
    out["rtt_stddev_seconds"] = nullptr;
  }
}

json icmp_error_json(const engine::IcmpError& e) {
  return {{"from", e.offender.to_string()},
          {"type", e.type},
          {"code", e.code},
          {"meaning", e.describe()}};
}

struct EvidenceWriter {
  json& out;
  void operator()(const std::monostate&) const {}
  template <typename T>
  void operator()(const engine::Boxed<T>& boxed) const {
    (*this)(boxed.get());
  }
  void operator()(const engine::DnsEvidence& e) const {
    out["name"] = e.name;
    if (!e.ip_literal) {
      out["server"] = e.server;
      out["query_types"] = e.query_types;
      out["rcode"] = e.rcode >= 0 ? json(e.rcode) : json(nullptr);
    }
    json addresses = json::array();
    for (const auto& a : e.addresses) addresses.push_back(a.to_string());
    out["addresses"] = std::move(addresses);
    if (e.query) out["query"] = query_json(*e.query);
  }
  // A dns module's query to the DNS server under test.
  static json query_json(const engine::DnsQueryEvidence& q) {
    json out;
    out["server"] = q.server;
    out["transport"] = q.transport;
    out["class"] = q.query_class;
    out["answered"] = q.answered;
    out["connect_seconds"] = round_us(q.connect_seconds);
    out["request_seconds"] = round_us(q.request_seconds);
    out["answer"] = q.answer;
    out["authority"] = q.authority;
    out["additional"] = q.additional;
    if (q.soa_serial) out["soa_serial"] = *q.soa_serial;
    if (!q.failed_check.empty()) out["failed_check"] = q.failed_check;
    return out;
  }
  void operator()(const engine::IcmpEvidence& e) const {
    out["socket"] = e.socket_kind;
    put_rtts(out, e.stats);
    out["in_flight"] = e.in_flight;
    out["reply_ttl"] = e.reply_ttl ? json(*e.reply_ttl) : json(nullptr);
    json errors = json::array();
    for (const auto& err : e.errors) errors.push_back(icmp_error_json(err));
    out["errors"] = std::move(errors);
  }
  void operator()(const engine::PathEvidence& e) const {
    out["method"] = e.method;
    out["hops"] = e.hops.size();
    out["destination_ttl"] = e.destination_ttl ? json(*e.destination_ttl) : json(nullptr);
    out["unreachable"] = e.unreachable ? icmp_error_json(*e.unreachable) : json(nullptr);
    out["in_flight"] = e.in_flight;
  }
  void operator()(const engine::SshBannerEvidence& e) const {
    out["banner"] = e.banner.empty() ? json(nullptr) : json(e.banner);
    out["software"] = e.software.empty() ? json(nullptr) : json(e.software);
    out["pre_banner_lines"] = e.pre_banner_lines;
    if (e.banner.empty() && !e.first_line.empty()) out["peer_said"] = e.first_line;
  }
  void operator()(const engine::SshHandshakeEvidence& e) const {
    out["kex"] = text_or_null(e.kex);
    out["cipher"] = text_or_null(e.cipher);
    out["hostkey_type"] = text_or_null(e.hostkey_type);
    out["fingerprint_sha256"] = text_or_null(e.fingerprint_sha256);
    out["hostkey_check"] = e.hostkey_check;
  }
  void operator()(const engine::SshAuthEvidence& e) const {
    out["user"] = e.user;
    out["methods"] = e.methods;
    out["method"] = e.method.empty() ? json(nullptr) : json(e.method);
  }
  void operator()(const engine::SshExecEvidence& e) const {
    out["command"] = e.command;
    out["exit_status"] = e.exit_status ? json(*e.exit_status) : json(nullptr);
    out["stdout_bytes"] = e.stdout_bytes;
    out["stderr_bytes"] = e.stderr_bytes;
    out["output_truncated"] = e.output_truncated;
  }
  void operator()(const engine::HostEvidence& e) const { out.update(host_evidence_json(e)); }
  void operator()(const engine::TlsEvidence& e) const {
    out["version"] = text_or_null(e.version);
    out["cipher"] = text_or_null(e.cipher);
    out["earliest_cert_expiry"] =
        e.earliest_cert_expiry ? json(*e.earliest_cert_expiry) : json(nullptr);
    if (e.leaf) {
      out["leaf"] = {{"subject", e.leaf->subject},
                     {"issuer", e.leaf->issuer},
                     {"sans", e.leaf->sans},
                     {"not_after", e.leaf->not_after}};
    } else {
      out["leaf"] = nullptr;
    }
    out["verified"] = e.verified;
    if (!e.verify_error.empty()) out["verify_error"] = e.verify_error;
  }
  void operator()(const engine::HttpEvidence& e) const {
    out["url"] = e.url;
    out["status_code"] = e.status_code;
    out["http_version"] = text_or_null(e.http_version);
    out["phases"] = {{"resolve", round_us(e.phases.resolve)},
                     {"connect", round_us(e.phases.connect)},
                     {"tls", round_us(e.phases.tls)},
                     {"processing", round_us(e.phases.processing)},
                     {"transfer", round_us(e.phases.transfer)}};
    out["body_bytes"] = e.body_bytes;
    out["content_length"] = e.content_length;
    out["redirects"] = e.redirects;
    out["ssl"] = e.ssl;
  }
  void operator()(const engine::GrpcEvidence& e) const {
    out["service"] = e.service;
    out["grpc_status"] = e.grpc_status ? json(*e.grpc_status) : json(nullptr);
    out["serving_status"] = text_or_null(e.serving_status);
  }
  void operator()(const engine::TcpEvidence& e) const {
    out["address"] = e.address.to_string();
    out["port"] = e.port;
    if (e.error_number != 0) out["error"] = e.error_text;
    if (e.icmp) out["icmp"] = icmp_error_json(*e.icmp);
    if (!e.transcript.empty()) {
      out["conversation"] = e.transcript;
      if (!e.expect.empty()) out["expect_unmet"] = e.expect;
      if (!e.last_line.empty()) out["last_line"] = e.last_line;
      out["failed_due_to_regex"] = e.failed_due_to_regex;
    }
  }
};

json layer_json(const engine::LayerResult& l) {
  json out = object_for(20);
  out["layer"] = std::string(engine::to_string(l.layer));
  out["status"] = std::string(engine::to_string(l.status));
  if (l.reason != engine::Reason::none) out["reason"] = std::string(engine::to_string(l.reason));
  out["required"] = l.required;
  out["duration_seconds"] = round_us(secs(l.duration));
  if (l.offender) out["offender"] = l.offender->to_string();
  if (!l.detail.empty()) out["detail"] = l.detail;
  std::visit(EvidenceWriter{out}, l.evidence);
  return out;
}

json path_json(const engine::ProbeReport& report) {
  json hops = json::array();
  const auto* layer = report.find(Layer::path);
  const auto* ev = layer ? engine::evidence_of<engine::PathEvidence>(*layer) : nullptr;
  if (ev == nullptr) return hops;
  for (const auto& hop : ev->hops) {
    json h;
    h["ttl"] = hop.ttl;
    h["address"] = address_or_null(hop.address);
    put_rtts(h, hop.stats);
    if (!hop.other_addresses.empty()) {
      json others = json::array();
      for (const auto& a : hop.other_addresses) others.push_back(a.to_string());
      h["other_addresses"] = std::move(others);
    }
    h["destination"] = hop.is_destination;
    hops.push_back(std::move(h));
  }
  return hops;
}

}  // namespace

json to_json(const engine::ProbeReport& report) {
  json out = object_for(9);
  out["target"] = report.target.text;
  out["module"] = report.module;
  out["success"] = report.success;
  out["duration_seconds"] = round_us(secs(report.duration));
  out["address"] = address_or_null(report.address);
  const auto& v = report.verdict;
  out["verdict"] = {
      {"layer", v.layer ? json(std::string(engine::to_string(*v.layer))) : json(nullptr)},
      {"reason", v.layer ? json(std::string(engine::to_string(v.reason))) : json(nullptr)},
      {"offender", address_or_null(v.offender)},
      {"summary", v.summary}};
  json layers = json::array();
  layers.get_ref<json::array_t&>().reserve(report.layers.size());
  for (const auto& l : report.layers) layers.push_back(layer_json(l));
  out["layers"] = std::move(layers);
  out["path"] = path_json(report);
  // Only when measured: the family in use failed at the path or transport layers.
  if (const auto& o = report.other_family) {
    out["other_family"] = {
        {"ip_protocol", o->address.is_v6() ? 6 : 4},
        {"address", o->address.to_string()},
        {"success", o->success},
        {"verdict",
         {{"layer", o->layer ? json(std::string(engine::to_string(*o->layer))) : json(nullptr)},
          {"reason", o->layer ? json(std::string(engine::to_string(o->reason))) : json(nullptr)}}},
        {"duration_seconds", round_us(secs(o->duration))},
        {"tcp_connect_seconds",
         o->tcp_connect_seconds ? json(round_us(*o->tcp_connect_seconds)) : json(nullptr)},
        {"icmp_rtt_seconds",
         o->icmp_rtt_seconds ? json(round_us(*o->icmp_rtt_seconds)) : json(nullptr)}};
  }
  return out;
}

json to_json_document(const std::vector<engine::ProbeReport>& reports) {
  json results = json::array();
  for (const auto& r : reports) results.push_back(to_json(r));
  json document;
  document["results"] = std::move(results);
  return document;
}

std::string JsonDocumentStream::element(const engine::ProbeReport& report) {
  std::string out;
  append_element(report, out);
  return out;
}

void JsonDocumentStream::append_element(const engine::ProbeReport& report, std::string& out) {
  out += count_++ == 0 ? "\n    " : ",\n    ";
  // Serialized straight into `out`, already two levels deep (current_indent 4), which is what
  // dump(2) does for an element of "results": no string of its own, no re-indenting copy.
  nlohmann::detail::serializer<json> serializer(nlohmann::detail::output_adapter<char>(out), ' ',
                                                nlohmann::json::error_handler_t::replace);
  serializer.dump(to_json(report), true, false, 2, 4);
}

}  // namespace reachprobe::exporters
