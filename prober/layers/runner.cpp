#include "layers/runner.hpp"

#include <algorithm>
#include <tuple>

#include "net/curl_library.hpp"
#include "targets/ssh_library.hpp"

#include "classify/classifier.hpp"
#include "layers/layers.hpp"
#include "layers/other_family.hpp"
#include "layers/side_door.hpp"

namespace reachprobe::layers {
using engine::Status;

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
    {Layer::ssh_banner, &layers::run_ssh_banner_layer},
    {Layer::ssh_handshake, &layers::run_ssh_handshake_layer},
    {Layer::ssh_auth, &layers::run_ssh_auth_layer},
    {Layer::ssh_exec, &layers::run_ssh_exec_layer},
    {Layer::host, &layers::run_host_layer},
    {Layer::tls, &layers::run_tls_layer},
    {Layer::http, &layers::run_http_layer},
    {Layer::grpc, &layers::run_grpc_layer},
};

// The layers that ride on the transport connection, in path order after tcp.
constexpr Layer kTransportChain[] = {Layer::tcp,           Layer::tls,      Layer::ssh_banner,
                                     Layer::ssh_handshake, Layer::ssh_auth, Layer::ssh_exec,
                                     Layer::host,          Layer::http,     Layer::grpc};

// Runs `layer` if the plan has it, else reports it skipped; stamps `required` from the plan.
net::awaitable<LayerResult> run_planned(ProbeSession& session, Layer layer, Deadline deadline) {
  const PlannedLayer* planned = session.plan.find(layer);
  if (planned == nullptr) co_return LayerResult::skipped(layer, "not asked for");
  if (auto it = session.finished.find(layer); it != session.finished.end()) {
    auto result = it->second;
    result.required = planned->required;
    co_return result;
  }
  for (const auto& entry : kLayerTable) {
    if (entry.layer != layer) continue;
    auto result = co_await entry.run(session, deadline);
    result.required = planned->required;
    co_return result;
  }
  co_return LayerResult::skipped(layer, "not available in this build");
}

// tcp and everything above it, one after the other on one connection: a layer runs only when
// the one below it worked; the rest of the plan is reported skipped, naming the failed layer.
net::awaitable<std::vector<LayerResult>> run_transport(ProbeSession& session, Deadline deadline) {
  std::vector<LayerResult> results;
  std::optional<Layer> failed;
  for (Layer layer : kTransportChain) {
    const PlannedLayer* planned = session.plan.find(layer);
    if (planned == nullptr) {
      if (layer == Layer::tcp) results.push_back(LayerResult::skipped(layer, "not asked for"));
      continue;
    }
    // The host layer still runs after a failed command: a working login is all it needs, and
    // a failing command is when the inside evidence is wanted most.
    bool after_login = layer == Layer::host && failed == Layer::ssh_exec && session.ssh;
    if (failed && !after_login && !session.finished.contains(layer)) {
      auto skipped = LayerResult::skipped(layer, std::string(to_string(*failed)) + " failed");
      skipped.required = planned->required;
      results.push_back(std::move(skipped));
      continue;
    }
    auto result = co_await run_planned(session, layer, deadline);
    if (result.status == Status::fail && !failed) failed = layer;
    results.push_back(std::move(result));
  }
  co_return results;
}

// A bare host is judged by ICMP echo. When ICMP cannot be used at all (no raw socket, no
// ping socket), the path trace, which then probes with TCP SYNs, is the only measurement:
// it becomes required, and runs even under --no-path rather than report an unmeasured success.
net::awaitable<void> require_path_without_icmp(ProbeSession& session, ProbeReport& report) {
  auto* icmp = report.find(Layer::icmp);
  if (icmp == nullptr || icmp->status != Status::skipped || !icmp->required) co_return;
  auto* path = report.find(Layer::path);
  if (path != nullptr && path->status == Status::skipped && !session.plan.find(Layer::path)) {
    *path = co_await layers::run_path_layer(session, session.deadline);
  }
  if (path != nullptr) path->required = true;
}

// The side door's evidence stands in for the host layer when the front door failed at tcp;
// after a working connection it is not wanted (the front door's own triage, if any, stays).
void use_side_door(std::optional<LayerResult> side_door, std::vector<LayerResult>& transport) {
  if (!side_door) return;
  auto tcp = std::find_if(transport.begin(), transport.end(),
                          [](const LayerResult& l) { return l.layer == Layer::tcp; });
  if (tcp == transport.end() || tcp->status != Status::fail) return;
  for (auto& layer : transport) {
    if (layer.layer != Layer::host) continue;
    bool required = layer.required;
    layer = std::move(*side_door);
    layer.required = required;
  }
}

// Whether at most one of icmp, the path trace and the transport chain has anything to run
// (an icmp module, a tcp_connect or http module without ICMP evidence).
bool runs_alone(const LayerPlan& plan) {
  bool transport = std::any_of(std::begin(kTransportChain), std::end(kTransportChain),
                               [&plan](Layer layer) { return plan.find(layer) != nullptr; });
  int busy =
      (plan.find(Layer::icmp) ? 1 : 0) + (plan.find(Layer::path) ? 1 : 0) + (transport ? 1 : 0);
  return busy <= 1;
}

// What runs beside the transport layers, each after its head start: the side door's triage
// and the other address family of a dual-stack name.
struct Companions {
  std::optional<LayerResult> side_door;
  std::optional<engine::OtherFamilyProbe> other_family;
};

// Whether either companion may be wanted; each also checks its own case and returns nullopt
// at once when it has nothing to do. Most probes have neither and skip the extra branch.
bool wants_companions(const ProbeSession& session, const ProbeOptions& options) {
  return options.ssh.triage.via || (options.compare_families && session.other_family_address);
}

net::awaitable<Companions> run_companions(std::shared_ptr<Services> services, ProbeSession& session,
                                          std::shared_ptr<const ProbeOptions> options) {
  using namespace net::experimental::awaitable_operators;
  Companions out;
  std::tie(out.side_door, out.other_family) = co_await (
      run_side_door(services, session, options) && run_other_family(services, session, options));
  co_return out;
}

}  // namespace

net::awaitable<ProbeReport> run_target(std::shared_ptr<Services> services, targets::Target target,
                                       LayerPlan plan,
                                       std::shared_ptr<const ProbeOptions> shared_options) {
  using namespace net::experimental::awaitable_operators;
  auto started = std::chrono::steady_clock::now();
  const ProbeOptions& options = *shared_options;
  ProbeSession session{*services, std::move(target), options, std::move(plan),
                       Deadline::from_now(options.timeout)};
  ProbeReport report;
  report.target = session.target;
  report.module = session.plan.module;
  report.timeout = options.timeout;

  // DNS gets at most half the budget: a resolver that needs more is itself the problem.
  // A dns module's query is the probe itself and gets all of it.
  auto dns_deadline =
      options.dns_query ? session.deadline : session.deadline.capped(options.timeout / 2);
  auto dns = co_await run_planned(session, Layer::dns, dns_deadline);
  session.dns_duration = dns.duration;
  report.layers.push_back(std::move(dns));
  report.address = session.address;
  report.allow_list_refusal = session.allow_list_refusal;

  // Through a proxy that resolves for us (skip_resolve_phase_with_proxy) there is no dns layer
  // and no address: the http layer reaches the proxy by its own name.
  bool proxy_resolves = !session.plan.find(Layer::dns) && !session.options.http.proxy_url.empty();
  std::optional<engine::OtherFamilyProbe> other_family;
  if (session.address || proxy_resolves) {
    // ICMP and the path trace are evidence gathered alongside the transport, not before it:
    // they never delay the verdict beyond the target's deadline.
    std::vector<LayerResult> transport;
    std::optional<LayerResult> icmp, path;
    if (wants_companions(session, options)) {
      Companions companions;
      std::tie(icmp, path, transport, companions) =
          co_await (run_planned(session, Layer::icmp, session.deadline) &&
                    run_planned(session, Layer::path, session.deadline) &&
                    run_transport(session, session.deadline) &&
                    run_companions(services, session, shared_options));
      use_side_door(std::move(companions.side_door), transport);
      other_family = std::move(companions.other_family);
    } else if (runs_alone(session.plan)) {
      // One of the three has work, the others only report themselves skipped: awaited in
      // turn, without the parallel group's frames and cancellation slots (most of a light
      // /probe's allocations).
      icmp = co_await run_planned(session, Layer::icmp, session.deadline);
      path = co_await run_planned(session, Layer::path, session.deadline);
      transport = co_await run_transport(session, session.deadline);
    } else {
      std::tie(icmp, path, transport) =
          co_await (run_planned(session, Layer::icmp, session.deadline) &&
                    run_planned(session, Layer::path, session.deadline) &&
                    run_transport(session, session.deadline));
    }
    report.layers.push_back(std::move(*icmp));
    report.layers.push_back(std::move(*path));
    for (auto& layer : transport) report.layers.push_back(std::move(layer));
  } else {
    // Nothing to probe without an address: the network layers and the plan are skipped.
    for (Layer layer : kAllLayers) {
      if (layer == Layer::dns) continue;
      const auto* planned = session.plan.find(layer);
      if (planned == nullptr && layer > Layer::tcp) continue;
      auto skipped = LayerResult::skipped(layer, planned ? "dns failed" : "not asked for");
      if (planned) skipped.required = planned->required;
      report.layers.push_back(std::move(skipped));
    }
  }
  if (session.address && !session.target.port) co_await require_path_without_icmp(session, report);
  if (other_family && failed_below_application(report)) report.other_family = other_family;
  finish_report(session, report, started);
  co_return report;
}

ProbeReport internal_error_report(targets::Target target, std::string module,
                                  const std::string& what) {
  ProbeReport report;
  report.target = std::move(target);
  report.module = std::move(module);
  report.verdict.summary = "internal error while probing: " + what;
  return report;
}

void finish_report(const ProbeSession& session, ProbeReport& report,
                   std::chrono::steady_clock::time_point started) {
  report.duration = std::chrono::steady_clock::now() - started;
  // libcurl or libssh missing is this machine's fault, not the target's: no layer is blamed.
  if (session.web && session.web->code == CURLE_FAILED_INIT) {
    if (auto why = net_io::curl_library_error())
      report.prober_error = "the prober cannot make HTTP transfers: " + *why;
  }
  if (session.ssh) {
    if (auto why = targets::ssh_library_error())
      report.prober_error = "the prober cannot make SSH sessions: " + *why;
  }
  classify::apply_verdict(report);
}

}  // namespace reachprobe::layers
