#include "classify/classifier.hpp"

#include <cerrno>

#include "classify/summary.hpp"
#include "engine/prober_error.hpp"

namespace reachprobe::classify {
namespace {

using engine::IcmpErrorKind;
using engine::Layer;
using engine::LayerResult;
using engine::ProbeReport;
using engine::Reason;
using engine::Status;
using engine::Verdict;

bool is_router(const std::optional<net::ip::address>& who, const ProbeReport& report) {
  return who && (!report.address || *who != *report.address);
}

bool says_unreachable(const engine::IcmpError& e) {
  auto k = e.kind();
  return k == IcmpErrorKind::host_unreachable || k == IcmpErrorKind::net_unreachable ||
         k == IcmpErrorKind::other_unreachable;
}

// Did anything ever come back from the target's own address?
bool target_answered(const ProbeReport& report) {
  // An accepted connection is an answer: a conversation that then stalls is the service's.
  if (const auto* tcp = report.find(Layer::tcp)) {
    if (const auto* ev = engine::evidence_of<engine::TcpEvidence>(*tcp); ev && ev->connected) {
      return true;
    }
  }
  if (const auto* icmp = report.find(Layer::icmp)) {
    if (const auto* ev = engine::evidence_of<engine::IcmpEvidence>(*icmp)) {
      if (ev->stats.received > 0) return true;
      for (const auto& e : ev->errors) {
        if (!is_router(e.offender, report)) return true;
      }
    }
  }
  if (const auto* path = report.find(Layer::path)) {
    if (const auto* ev = engine::evidence_of<engine::PathEvidence>(*path)) {
      if (ev->destination_ttl) return true;
    }
  }
  return false;
}

bool measured(const LayerResult* layer) {
  return layer != nullptr && (layer->status == Status::ok || layer->status == Status::fail ||
                              layer->status == Status::warn);
}

// A router that said host/net unreachable for the target, from any layer's evidence.
std::optional<net::ip::address> router_unreachable(const ProbeReport& report) {
  if (const auto* tcp = report.find(Layer::tcp)) {
    if (const auto* ev = engine::evidence_of<engine::TcpEvidence>(*tcp)) {
      if (ev->icmp && says_unreachable(*ev->icmp) && is_router(ev->icmp->offender, report)) {
        return ev->icmp->offender;
      }
    }
  }
  if (const auto* path = report.find(Layer::path)) {
    if (const auto* ev = engine::evidence_of<engine::PathEvidence>(*path)) {
      if (ev->unreachable && says_unreachable(*ev->unreachable) &&
          is_router(ev->unreachable->offender, report)) {
        return ev->unreachable->offender;
      }
    }
  }
  if (const auto* icmp = report.find(Layer::icmp)) {
    if (const auto* ev = engine::evidence_of<engine::IcmpEvidence>(*icmp)) {
      for (const auto& e : ev->errors) {
        if (says_unreachable(e) && is_router(e.offender, report)) return e.offender;
      }
    }
  }
  return std::nullopt;
}

std::optional<net::ip::address> last_answering_hop(const ProbeReport& report) {
  const auto* path = report.find(Layer::path);
  if (path == nullptr) return std::nullopt;
  const auto* ev = engine::evidence_of<engine::PathEvidence>(*path);
  if (ev == nullptr) return std::nullopt;
  std::optional<net::ip::address> last;
  for (const auto& hop : ev->hops) {
    if (hop.address) last = hop.address;
  }
  return last;
}

bool local_no_route(const ProbeReport& report) {
  if (const auto* path = report.find(Layer::path)) {
    if (const auto* ev = engine::evidence_of<engine::PathEvidence>(*path)) {
      if (ev->local_error == ENETUNREACH) return true;
    }
  }
  if (const auto* icmp = report.find(Layer::icmp)) {
    if (const auto* ev = engine::evidence_of<engine::IcmpEvidence>(*icmp)) {
      if (ev->local_error == ENETUNREACH) return true;
    }
  }
  return false;
}

Verdict at_path(Reason reason, std::optional<net::ip::address> offender) {
  Verdict v;
  v.layer = Layer::path;
  v.reason = reason;
  v.offender = offender;
  return v;
}

// Rule 2: a transport that got no answer is explained by what the lower layers saw.
Verdict refine_silence(const ProbeReport& report, Verdict verdict) {
  if (target_answered(report)) return verdict;  // alive, only this port/echo is silent
  bool any_evidence = (verdict.layer != Layer::icmp && measured(report.find(Layer::icmp))) ||
                      measured(report.find(Layer::path));
  if (!any_evidence) return verdict;  // nothing to attribute with: stay at the transport
  if (auto router = router_unreachable(report)) return at_path(Reason::unreachable, router);
  if (local_no_route(report)) return at_path(Reason::no_route, std::nullopt);
  return at_path(Reason::lost_after_hop, last_answering_hop(report));
}

// An unreachable answer: from a router it is a path problem (rule 2/3); with no ICMP at all,
// this host itself could not route or resolve the next hop.
Verdict refine_unreachable(const ProbeReport& report, const LayerResult& failing, Verdict verdict) {
  if (is_router(failing.offender, report)) return at_path(Reason::unreachable, failing.offender);
  if (failing.offender) return verdict;  // the target rejects with host/net unreachable
  const auto* tcp_ev = engine::evidence_of<engine::TcpEvidence>(failing);
  const auto* icmp_ev = engine::evidence_of<engine::IcmpEvidence>(failing);
  bool prober_side =
      tcp_ev != nullptr && !tcp_ev->icmp &&
      (tcp_ev->error_number == ENETUNREACH || tcp_ev->error_number == EADDRNOTAVAIL ||
       tcp_ev->error_number == EMFILE || tcp_ev->error_number == ENFILE ||
       tcp_ev->error_number == ENOBUFS || tcp_ev->error_number == ENOMEM);
  bool no_route = prober_side || (icmp_ev != nullptr && icmp_ev->local_error == ENETUNREACH);
  return at_path(no_route ? Reason::no_route : Reason::unreachable, std::nullopt);
}

}  // namespace

Verdict classify(const ProbeReport& report) {
  const LayerResult* failing = nullptr;
  for (const auto& layer : report.layers) {
    if (layer.required && layer.status == Status::fail) {
      failing = &layer;
      break;
    }
  }
  Verdict verdict;
  if (failing == nullptr) return verdict;
  verdict.layer = failing->layer;
  verdict.reason = failing->reason;
  verdict.offender = failing->offender;
  if (failing->layer != Layer::tcp && failing->layer != Layer::icmp) return verdict;

  switch (failing->reason) {
    case Reason::timeout:
      return refine_silence(report, verdict);
    case Reason::host_unreachable:
    case Reason::net_unreachable:
    case Reason::unreachable:
      return refine_unreachable(report, *failing, verdict);
    default:
      return verdict;  // refused, port_unreachable, admin_prohibited: keep the sender
  }
}

void apply_verdict(ProbeReport& report) {
  report.verdict = classify(report);
  // A failure caused by the prober's own exhaustion is nobody else's: no layer is blamed.
  if (!report.prober_error && report.verdict.layer) {
    report.prober_error = engine::prober_exhaustion(report);
  }
  if (report.prober_error) {
    report.verdict = Verdict{};
    report.verdict.summary = *report.prober_error;
    report.success = false;
    return;
  }
  report.success = !report.verdict.layer.has_value();
  for (auto& layer : report.layers) {
    bool named = report.verdict.layer && *report.verdict.layer == layer.layer;
    if (layer.status == Status::fail && !layer.required && !named) layer.status = Status::warn;
  }
  report.verdict.summary = summarize(report, report.verdict);
}

}  // namespace reachprobe::classify
