#include "layers/side_door.hpp"

#include <algorithm>

#include "layers/head_start.hpp"
#include "layers/module_plan.hpp"
#include "layers/runner.hpp"
#include "targets/target_parser.hpp"

namespace reachprobe::layers {
namespace {

using engine::Status;

LayerResult not_measured(const std::string& via, std::string why) {
  auto result = LayerResult::skipped(engine::Layer::host,
                                     "not measured: the side door " + via + " " + std::move(why));
  engine::HostEvidence evidence;
  evidence.via = via;
  result.evidence = std::move(evidence);
  return result;
}

}  // namespace

net::awaitable<std::optional<LayerResult>> run_side_door(
    std::shared_ptr<Services> services, ProbeSession& session,
    std::shared_ptr<const ProbeOptions> options) {
  if (!options->ssh.triage.via || !session.plan.find(Layer::host) || !session.address)
    co_return std::nullopt;
  if (co_await front_door_answered(services->executor, session)) co_return std::nullopt;
  const std::string via = *options->ssh.triage.via;

  auto target = targets::parse_target(via);
  if (!target || target->scheme != targets::Scheme::ssh)
    co_return not_measured(via, "is not an ssh:// target");
  auto door = std::make_shared<ProbeOptions>(*options);
  door->timeout =
      std::chrono::duration_cast<std::chrono::nanoseconds>(session.deadline.time_left());
  door->trace_path = false;
  door->compare_families = false;
  door->ssh.triage.via.reset();
  // The client is left to the script: SSH_CONNECTION's client address is this prober as the
  // target sees it, after any NAT on the way, which is where its replies must go.
  door->triage_subject = ProbeOptions::TriageSubject{"", session.address->to_string(), via};
  auto plan = engine::plan_for(*target, false, true);
  if (!plan) co_return not_measured(via, plan.error());
  // Only the login and the triage: not the module's own command, which need not be read-only.
  std::erase_if(plan->layers, [](const PlannedLayer& p) {
    return p.layer == Layer::icmp || p.layer == Layer::ssh_exec;
  });
  add_host_layer(*door, *target, *plan);
  auto report = co_await run_target(services, std::move(target).value(), std::move(plan).value(),
                                    std::move(door));
  const auto* host = report.find(Layer::host);
  if (host != nullptr && engine::evidence_of<engine::HostEvidence>(*host) != nullptr)
    co_return *host;
  std::string why = report.verdict.summary;
  if (!why.empty() && why.back() == '.') why.pop_back();
  co_return not_measured(via, "failed too: " + why);
}

}  // namespace reachprobe::layers
