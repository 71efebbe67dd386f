#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/asio.hpp"
#include "engine/probe_report.hpp"
#include "layers/probe_session.hpp"

namespace reachprobe::layers {

// A target of `check` whose whole plan is ICMP echo to an IP literal (dns skipped, icmp, no
// path, no port): such targets are probed together by one sweep, as fping does, instead of a
// coroutine tree each, and their report is what run_target would have written. Kept compact
// (a sweep holds one per target): the Target and LayerPlan are rebuilt from it for the report.
struct SweepTarget {
  std::size_t index;  // the caller's, handed back with the report
  std::string text;   // as given
  std::string host;   // the IP literal
  std::string module;
  bool dns_required;
  bool icmp_required;
};

// The sweep's form of this target, or nothing when run_target would do more than the echo
// (a port, a path trace, a name to resolve, a companion probe, an allow-list).
std::optional<SweepTarget> as_sweep_target(std::size_t index, const targets::Target& target,
                                           const LayerPlan& plan, const ProbeOptions& options);

using SweepDone = std::function<void(std::size_t index, ProbeReport report)>;

// Sends every target's echoes from the shared ICMP socket, as fast as the socket takes them
// (at most 24,576 echoes in flight: targets beyond wait for earlier ones to be judged), later
// echoes of a target `probe_interval` apart, and hands each report to `done` as soon as that
// target's echoes are settled (answered, failed, waited for, or cut off at its deadline,
// `options->timeout` after its first echo); nothing is kept for a settled target. Every target
// gets exactly one report, an internal error if a bug stops the sweep. The caller has opened
// the ICMP socket of every target's family.
net::awaitable<void> run_echo_sweep(std::shared_ptr<Services> services,
                                    std::vector<SweepTarget> targets,
                                    std::shared_ptr<const ProbeOptions> options, SweepDone done);

}  // namespace reachprobe::layers
