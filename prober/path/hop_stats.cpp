#include "path/hop_stats.hpp"

#include <algorithm>
#include <cerrno>
#include <map>

namespace reachprobe::path {

engine::PathEvidence summarize_trace(const std::vector<ProbeRecord>& records, std::string method) {
  using Kind = ProbeRecord::Kind;
  engine::PathEvidence evidence;
  evidence.method = std::move(method);

  int highest_answer = 0;
  for (const auto& r : records) {
    if (r.kind == Kind::destination &&
        (!evidence.destination_ttl || r.ttl < *evidence.destination_ttl)) {
      evidence.destination_ttl = r.ttl;
    }
    if (r.kind == Kind::hop || r.kind == Kind::destination ||
        (r.kind == Kind::unreachable && r.from)) {
      highest_answer = std::max(highest_answer, r.ttl);
    }
    if (r.kind == Kind::unreachable && r.error &&
        (!evidence.unreachable_ttl || r.ttl < *evidence.unreachable_ttl)) {
      evidence.unreachable = r.error;
      evidence.unreachable_ttl = r.ttl;
    }
    if (r.kind == Kind::in_flight) ++evidence.in_flight;
    if ((r.kind == Kind::send_failed || r.kind == Kind::unreachable) && r.local_errno != 0 &&
        !evidence.local_error) {
      evidence.local_error = r.local_errno;
    }
  }

  // Show hops up to the destination, else one past the last answer (mtr's "???" line).
  int last_ttl = evidence.destination_ttl.value_or(highest_answer + 1);
  if (evidence.unreachable_ttl) last_ttl = std::min(last_ttl, *evidence.unreachable_ttl);
  int max_sent = 0;
  for (const auto& r : records) {
    if (r.kind != Kind::send_failed) max_sent = std::max(max_sent, r.ttl);
  }
  last_ttl = std::min(last_ttl, max_sent);

  for (int ttl = 1; ttl <= last_ttl; ++ttl) {
    engine::HopStats hop;
    hop.ttl = ttl;
    std::vector<double> rtts;
    std::size_t settled = 0;
    std::map<std::string, int> seen;
    for (const auto& r : records) {
      if (r.ttl != ttl) continue;
      switch (r.kind) {
        case Kind::hop:
        case Kind::destination:
        case Kind::unreachable:
          ++settled;
          if (r.from) {
            rtts.push_back(r.rtt_seconds);
            if (!hop.address)
              hop.address = r.from;
            else if (*r.from != *hop.address &&
                     std::find(hop.other_addresses.begin(), hop.other_addresses.end(), *r.from) ==
                         hop.other_addresses.end()) {
              hop.other_addresses.push_back(*r.from);
            }
          }
          break;
        case Kind::lost:
          ++settled;
          break;
        case Kind::pending:
        case Kind::in_flight:
        case Kind::send_failed:
          break;
      }
    }
    hop.stats = engine::summarize_rtts(rtts, settled);
    hop.is_destination = evidence.destination_ttl && *evidence.destination_ttl == ttl;
    evidence.hops.push_back(std::move(hop));
  }
  return evidence;
}

}  // namespace reachprobe::path
