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

net::awaitable<LayerResult> run_path_layer(ProbeSession& session, Deadline deadline) {
  auto started = std::chrono::steady_clock::now();
  LayerResult result;
  result.layer = engine::Layer::path;
  const auto& address = *session.address;
  bool by_tcp = session.target.port.has_value();
  if (!by_tcp) {
    auto kind = session.services.icmp.open(address.is_v6());
    if (!kind) {
      result.status = Status::skipped;
      result.detail = "ICMP echo trace not possible: " + kind.error();
      co_return result;
    }
  }

  path::TraceConfig config;
  config.target = address;
  config.port = session.target.port;
  config.rounds = std::max(session.options.count, 1);
  config.round_interval = session.probe_interval();
  config.probe_wait = session.probe_wait();
  auto records = co_await path::trace(session.services.icmp, config, deadline);
  PathEvidence evidence = path::summarize_trace(records, by_tcp ? "tcp-syn" : "icmp-echo");
  result.duration = std::chrono::steady_clock::now() - started;

  if (evidence.destination_ttl) {
    result.status = Status::ok;
    result.detail = "reached " + address.to_string() + " at hop " +
                    std::to_string(*evidence.destination_ttl);
  } else if (evidence.unreachable) {
    result.status = Status::fail;
    result.reason = Reason::unreachable;
    result.offender = evidence.unreachable->offender;
    result.detail = evidence.unreachable->describe() + " from " +
                    evidence.unreachable->offender.to_string();
  } else if (evidence.local_no_route) {
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
  result.evidence = std::move(evidence);
  co_return result;
}

}  // namespace reachprobe::layers
