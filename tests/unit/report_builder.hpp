#pragma once
// Literal ProbeReports for classifier tests: each test states the evidence it starts from.
#include "engine/probe_report.hpp"

namespace reachprobe::testing {

using namespace engine;

inline net::ip::address ip(const char* text) {
  return net::ip::make_address(text);
}

inline const char* kTarget = "198.18.3.2";
inline const char* kRouter1 = "198.18.1.1";
inline const char* kRouter2 = "198.18.2.2";

inline IcmpError icmp_error(const char* from, std::uint8_t type, std::uint8_t code) {
  return IcmpError{ip(from), false, type, code};
}

// Appends one required layer with its measured time: the renderer and summary tests state each
// layer's evidence and time directly.
inline LayerResult& add_layer(ProbeReport& r, Layer layer, Status status,
                              std::chrono::nanoseconds took, Evidence evidence = {},
                              Reason reason = Reason::none) {
  LayerResult l;
  l.layer = layer;
  l.status = status;
  l.reason = reason;
  l.required = true;
  l.duration = took;
  l.evidence = std::move(evidence);
  r.layers.push_back(std::move(l));
  return r.layers.back();
}

class ReportBuilder {
 public:
  explicit ReportBuilder(bool with_port = true) {
    report_.target.host = kTarget;
    report_.target.text = with_port ? "198.18.3.2:22" : "198.18.3.2";
    if (with_port) report_.target.port = 22;
    report_.address = ip(kTarget);
    add(Layer::dns, Status::skipped, Reason::none, true);
    dns_ = true;
  }
  ReportBuilder& dns_fail(Reason reason) {
    auto& l = layer(Layer::dns);
    l.status = Status::fail;
    l.reason = reason;
    report_.address.reset();
    return *this;
  }
  ReportBuilder& icmp_replies(std::size_t received, std::size_t sent, bool required = false) {
    IcmpEvidence ev;
    ev.socket_kind = "raw";
    ev.stats = summarize_rtts(std::vector<double>(received, 0.0004), sent);
    add(Layer::icmp, received > 0 ? Status::ok : Status::fail,
        received > 0 ? Reason::none : Reason::timeout, required)
        .evidence = ev;
    return *this;
  }
  ReportBuilder& icmp_error_from(const char* from, std::uint8_t type, std::uint8_t code,
                                 Reason reason, bool required = false) {
    IcmpEvidence ev;
    ev.socket_kind = "raw";
    ev.stats = summarize_rtts({}, 3);
    ev.errors.push_back(icmp_error(from, type, code));
    auto& l = add(Layer::icmp, Status::fail, reason, required);
    l.offender = ip(from);
    l.evidence = ev;
    return *this;
  }
  ReportBuilder& icmp_skipped(const std::string& why, bool required = false) {
    add(Layer::icmp, Status::skipped, Reason::none, required).detail = why;
    return *this;
  }
  // Hops answering time-exceeded at TTL 1..n, then either the destination or silence.
  ReportBuilder& path_hops(std::initializer_list<const char*> hops, bool reached) {
    PathEvidence ev;
    ev.method = "tcp-syn";
    int ttl = 0;
    for (const char* h : hops) {
      HopStats hop;
      hop.ttl = ++ttl;
      hop.address = ip(h);
      hop.stats = summarize_rtts({0.0003, 0.0003, 0.0003}, 3);
      ev.hops.push_back(hop);
    }
    if (reached) {
      HopStats dest;
      dest.ttl = ++ttl;
      dest.address = ip(kTarget);
      dest.is_destination = true;
      dest.stats = summarize_rtts({0.0004, 0.0004, 0.0004}, 3);
      ev.hops.push_back(dest);
      ev.destination_ttl = ttl;
    } else {
      HopStats silent;
      silent.ttl = ++ttl;
      silent.stats = summarize_rtts({}, 3);
      ev.hops.push_back(silent);
    }
    auto& l = add(Layer::path, reached ? Status::ok : Status::fail,
                  reached ? Reason::none : Reason::lost_after_hop, false);
    if (!reached && hops.size() > 0) l.offender = ip(*(hops.end() - 1));
    l.evidence = ev;
    return *this;
  }
  ReportBuilder& path_unreachable(std::initializer_list<const char*> hops, const char* from,
                                  std::uint8_t code) {
    path_hops(hops, false);
    auto& l = layer(Layer::path);
    auto& ev = std::get<PathEvidence>(l.evidence);
    ev.unreachable = icmp_error(from, 3, code);
    ev.unreachable_ttl = static_cast<int>(hops.size()) + 1;
    l.reason = Reason::unreachable;
    l.offender = ip(from);
    return *this;
  }
  ReportBuilder& path_skipped() {
    add(Layer::path, Status::skipped, Reason::none, false).detail = "--no-path";
    return *this;
  }
  ReportBuilder& tcp_ok() {
    add(Layer::tcp, Status::ok, Reason::none, true).evidence =
        TcpEvidence{ip(kTarget), 22, {}, 0, ""};
    return *this;
  }
  ReportBuilder& tcp_fail(Reason reason, std::optional<IcmpError> icmp = std::nullopt,
                          int error_number = 0) {
    auto& l = add(Layer::tcp, Status::fail, reason, true);
    l.duration = std::chrono::seconds(3);
    TcpEvidence ev{ip(kTarget), 22, icmp, error_number, "error"};
    if (icmp)
      l.offender = icmp->offender;
    else if (reason == Reason::refused)
      l.offender = ip(kTarget);
    l.evidence = ev;
    return *this;
  }
  ProbeReport build() const { return report_; }

 private:
  LayerResult& add(Layer layer, Status status, Reason reason, bool required) {
    LayerResult r;
    r.layer = layer;
    r.status = status;
    r.reason = reason;
    r.required = required;
    report_.layers.push_back(r);
    return report_.layers.back();
  }
  LayerResult& layer(Layer which) { return *report_.find(which); }
  ProbeReport report_;
  bool dns_ = false;
};

}  // namespace reachprobe::testing
