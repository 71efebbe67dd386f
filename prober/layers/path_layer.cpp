#include <cerrno>

#include "layers/layers.hpp"
#include "path/hop_stats.hpp"
#include "path/tracer.hpp"

namespace reachprobe::layers {
namespace {

using engine::PathEvidence;
using engine::Reason;
using engine::Status;

// The last hop that answered anything: where packets were last seen.
const engine::HopStats* last_answering_hop(const PathEvidence& evidence) {
  const engine::HopStats* last = nullptr;
  for (const auto& hop : evidence.hops) {
    if (hop.address) last = &hop;
  }
  return last;
}

}  // namespace

constexpr std::uint16_t kTcpFallbackPort = 80;

net::awaitable<LayerResult> run_path_layer(ProbeSession& session, Deadline deadline) {
  auto started = std::chrono::steady_clock::now();
  LayerResult result;
  result.layer = engine::Layer::path;
  const auto& address = *session.address;
  std::optional<std::uint16_t> port = session.target.port;
  std::string fallback_note;
  if (!port) {
    auto kind = session.services.icmp.open(address.is_v6());
    if (!kind) {
      // No ICMP for a bare host: trace with TCP SYNs to port 80, as mtr --tcp does; a RST or
      // SYN-ACK from the target proves it alive without any privilege.
      port = kTcpFallbackPort;
      fallback_note = "ICMP not permitted, traced with TCP SYN to port 80";
    }
  }
  bool by_tcp = port.has_value();

  path::TraceConfig config;
  config.target = address;
  config.port = port;
  config.rounds = std::max(session.options.count, 1);
  config.round_interval = session.probe_interval();
  config.probe_wait = session.probe_wait();
  auto records = co_await path::trace(session.services.icmp, config, deadline);
  PathEvidence evidence = path::summarize_trace(records, by_tcp ? "tcp-syn" : "icmp-echo");
  result.duration = std::chrono::steady_clock::now() - started;

  if (evidence.destination_ttl) {
    result.status = Status::ok;
    result.detail =
        "reached " + address.to_string() + " at hop " + std::to_string(*evidence.destination_ttl);
  } else if (evidence.unreachable) {
    result.status = Status::fail;
    result.reason = Reason::unreachable;
    result.offender = evidence.unreachable->offender;
    result.detail =
        evidence.unreachable->describe() + " from " + evidence.unreachable->offender.to_string();
  } else if (evidence.local_error == ENETUNREACH) {
    result.status = Status::fail;
    result.reason = Reason::no_route;
    result.detail = "this host has no route to " + address.to_string();
  } else if (evidence.local_error == EHOSTUNREACH) {
    result.status = Status::fail;
    result.reason = Reason::unreachable;
    result.detail = "this host cannot reach " + address.to_string() +
                    " on its own network (no ARP/neighbour answer)";
  } else {
    result.status = Status::fail;
    result.reason = Reason::lost_after_hop;
    if (const auto* hop = last_answering_hop(evidence)) {
      result.offender = hop->address;
      result.detail = "nothing answered after hop " + std::to_string(hop->ttl) + " (" +
                      hop->address->to_string() + ")";
    } else {
      result.detail = "no hop answered";
    }
  }
  if (!fallback_note.empty()) result.detail = fallback_note + "; " + result.detail;
  result.evidence = std::move(evidence);
  co_return result;
}

}  // namespace reachprobe::layers
