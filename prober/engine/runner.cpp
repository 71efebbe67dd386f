#include "engine/runner.hpp"

#include "classify/classifier.hpp"
#include "layers/layers.hpp"

namespace reachprobe::engine {
namespace {

using LayerFn = net::awaitable<LayerResult> (*)(ProbeSession&, Deadline);

// The only table of layers, in path order.
struct LayerEntry {
  Layer layer;
  LayerFn run;
};
constexpr LayerEntry kLayerTable[] = {
    {Layer::dns, &layers::run_dns_layer},
    {Layer::icmp, &layers::run_icmp_layer},
    {Layer::path, &layers::run_path_layer},
    {Layer::tcp, &layers::run_tcp_layer},
};

// Runs `layer` if the plan has it, else reports it skipped; stamps `required` from the plan.
net::awaitable<LayerResult> run_planned(ProbeSession& session, Layer layer, Deadline deadline) {
  const PlannedLayer* planned = session.plan.find(layer);
  if (planned == nullptr) co_return LayerResult::skipped(layer, "not asked for");
  for (const auto& entry : kLayerTable) {
    if (entry.layer != layer) continue;
    auto result = co_await entry.run(session, deadline);
    result.required = planned->required;
    co_return result;
  }
  co_return LayerResult::skipped(layer, "not available in this build");
}

}  // namespace

net::awaitable<ProbeReport> run_target(std::shared_ptr<Services> services, targets::Target target,
                                       LayerPlan plan, ProbeOptions options) {
  using namespace net::experimental::awaitable_operators;
  auto started = std::chrono::steady_clock::now();
  ProbeSession session{*services, std::move(target), options, std::move(plan),
                       Deadline::from_now(options.timeout), std::nullopt};
  ProbeReport report;
  report.target = session.target;
  report.module = session.plan.module;
  report.timeout = options.timeout;

  // DNS gets at most half the budget: a resolver that needs more is itself the problem.
  auto dns = co_await run_planned(session, Layer::dns, session.deadline.capped(options.timeout / 2));
  report.layers.push_back(std::move(dns));
  report.address = session.address;

  if (session.address) {
    // ICMP and the path trace are evidence gathered alongside the transport, not before it:
    // they never delay the verdict beyond the target's deadline.
    auto [icmp, path, tcp] = co_await (run_planned(session, Layer::icmp, session.deadline) &&
                                       run_planned(session, Layer::path, session.deadline) &&
                                       run_planned(session, Layer::tcp, session.deadline));
    report.layers.push_back(std::move(icmp));
    report.layers.push_back(std::move(path));
    report.layers.push_back(std::move(tcp));
  } else {
    for (Layer layer : {Layer::icmp, Layer::path, Layer::tcp}) {
      auto skipped = LayerResult::skipped(
          layer, session.plan.find(layer) ? "dns failed" : "not asked for");
      if (const auto* planned = session.plan.find(layer)) skipped.required = planned->required;
      report.layers.push_back(std::move(skipped));
    }
  }
  // Layers of the plan beyond this build's table stay visible as skipped.
  report.duration = std::chrono::steady_clock::now() - started;
  classify::apply_verdict(report);
  co_return report;
}

}  // namespace reachprobe::engine
