#include "layers/other_family.hpp"

#include "layers/head_start.hpp"
#include "layers/runner.hpp"

namespace reachprobe::layers {
namespace {

using engine::Status;

engine::OtherFamilyProbe summarize(const ProbeReport& report, const net::ip::address& address) {
  engine::OtherFamilyProbe out;
  out.address = address;
  out.success = report.success;
  out.layer = report.verdict.layer;
  out.reason = report.verdict.reason;
  out.duration = report.duration;
  if (const auto* tcp = report.find(Layer::tcp); tcp && tcp->status == Status::ok)
    out.tcp_connect_seconds = std::chrono::duration<double>(tcp->duration).count();
  if (const auto* icmp = report.find(Layer::icmp)) {
    const auto* e = engine::evidence_of<engine::IcmpEvidence>(*icmp);
    if (e && e->stats.received > 0) out.icmp_rtt_seconds = e->stats.avg_seconds;
  }
  return out;
}

}  // namespace

bool failed_below_application(const ProbeReport& report) {
  const auto* tcp = report.find(Layer::tcp);
  if (tcp != nullptr && tcp->status != Status::skipped) return tcp->status == Status::fail;
  const auto* icmp = report.find(Layer::icmp);
  return icmp != nullptr && icmp->required && icmp->status == Status::fail;
}

net::awaitable<std::optional<engine::OtherFamilyProbe>> run_other_family(
    std::shared_ptr<Services> services, ProbeSession& session,
    std::shared_ptr<const ProbeOptions> options) {
  if (!session.other_family_address || !options->compare_families) co_return std::nullopt;
  if (co_await front_door_answered(services->executor, session)) co_return std::nullopt;

  const net::ip::address address = *session.other_family_address;
  targets::Target target = session.target;
  target.host = address.to_string();
  target.host_is_ip_literal = true;
  target.scheme = target.port ? targets::Scheme::tcp : targets::Scheme::host;
  LayerPlan plan;
  plan.module = session.plan.module;
  plan.layers = {{Layer::dns, true}, {Layer::icmp, !target.port}};
  if (target.port) plan.layers.push_back({Layer::tcp, true});
  auto other = std::make_shared<ProbeOptions>(*options);
  other->timeout =
      std::chrono::duration_cast<std::chrono::nanoseconds>(session.deadline.time_left());
  other->trace_path = false;
  other->compare_families = false;
  other->tcp_conversation.reset();
  other->ssh.triage = {};
  other->allow_list = nullptr;  // the dns layer admitted this address for the name already
  auto report = co_await run_target(services, std::move(target), std::move(plan), std::move(other));
  co_return summarize(report, address);
}

}  // namespace reachprobe::layers
