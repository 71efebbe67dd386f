#include <algorithm>

#include "layers/echo_judgement.hpp"
#include "layers/layers.hpp"

namespace reachprobe::layers {
namespace {

using engine::IcmpEvidence;
using engine::Status;
using net_io::EchoOutcome;

}  // namespace

net::awaitable<LayerResult> run_icmp_layer(ProbeSession& session, Deadline deadline) {
  using clock = std::chrono::steady_clock;
  auto started = clock::now();
  LayerResult result;
  result.layer = engine::Layer::icmp;
  IcmpEvidence evidence;
  const auto& address = *session.address;

  auto& icmp = session.services.icmp;
  auto kind = icmp.open(address.is_v6());
  if (!kind) {
    result.status = Status::skipped;
    result.detail = kind.error();
    co_return result;
  }
  evidence.socket_kind = *kind;

  auto count = static_cast<std::size_t>(std::max(session.options.count, 1));
  auto interval = session.probe_interval();
  auto wait = session.probe_wait();
  auto batch = std::make_shared<net_io::EchoBatch>(session.services.executor, count);

  // A module's echoes end at the first reply (ProbeOptions::echoes_until_reply).
  auto replied = [&batch, until_reply = session.options.echoes_until_reply] {
    return until_reply &&
           std::any_of(batch->outcomes.begin(), batch->outcomes.end(),
                       [](const EchoOutcome& o) { return o.kind == EchoOutcome::Kind::reply; });
  };
  for (std::size_t i = 0; i < count; ++i) {
    auto send_at = started + interval * static_cast<long>(i);
    if (send_at >= deadline.when()) break;
    while (clock::now() < send_at && !replied()) co_await batch->wait_until(send_at);
    if (replied()) break;
    co_await icmp.send_echo(batch, i, address, session.options.icmp_ttl);
  }
  // Wait until every echo is answered or has had its own timeout, within the deadline (or,
  // for a module, until the first reply).
  for (;;) {
    if (replied()) break;
    auto now = clock::now();
    auto next_expiry = clock::time_point::max();
    for (const auto& o : batch->outcomes) {
      if (o.kind == EchoOutcome::Kind::pending && now < o.sent_at + wait) {
        next_expiry = std::min(next_expiry, o.sent_at + wait);
      }
    }
    if (next_expiry == clock::time_point::max() || deadline.is_reached()) break;
    co_await batch->wait_until(std::min(next_expiry, deadline.when()));
  }
  icmp.release(*batch);

  result = judge_echoes(batch->outcomes, std::move(evidence), clock::now(), wait);
  result.duration = clock::now() - started;
  session.icmp_answered = result.status == Status::ok;
  co_return result;
}

}  // namespace reachprobe::layers
