#include <algorithm>
#include <cstring>

#include "layers/layers.hpp"

namespace reachprobe::layers {
namespace {

using engine::IcmpErrorKind;
using engine::IcmpEvidence;
using engine::Reason;
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

  std::vector<double> rtts;
  std::size_t settled = 0;
  int send_errno = 0;
  auto now = clock::now();
  for (const auto& o : batch->outcomes) {
    switch (o.kind) {
      case EchoOutcome::Kind::reply:
        rtts.push_back(o.rtt_seconds);
        if (o.reply_ttl) evidence.reply_ttl = o.reply_ttl;
        ++settled;
        break;
      case EchoOutcome::Kind::error:
        evidence.errors.push_back(*o.error);
        ++settled;
        break;
      case EchoOutcome::Kind::pending:
        // Cut off by the deadline before its own timeout: in flight, not lost (as mtr).
        if (now >= o.sent_at + wait)
          ++settled;
        else
          ++evidence.in_flight;
        break;
      case EchoOutcome::Kind::send_failed:
        send_errno = o.send_errno;
        ++settled;
        break;
      case EchoOutcome::Kind::unsent:
        break;
    }
  }
  evidence.stats = engine::summarize_rtts(rtts, settled);
  result.duration = clock::now() - started;
  session.icmp_answered = !rtts.empty();

  if (!rtts.empty()) {
    result.status = Status::ok;
  } else {
    result.status = Status::fail;
    if (!evidence.errors.empty()) {
      const auto& first = evidence.errors.front();
      result.offender = first.offender;
      result.reason = first.kind() == IcmpErrorKind::admin_prohibited ? Reason::admin_prohibited
                                                                      : Reason::unreachable;
      result.detail = first.describe() + " from " + first.offender.to_string();
    } else if (send_errno != 0) {
      result.reason = Reason::unreachable;
      evidence.local_error = send_errno;
      result.detail = std::string("echo not sent: ") + std::strerror(send_errno);
    } else {
      result.reason = Reason::timeout;
    }
  }
  result.evidence = std::move(evidence);
  co_return result;
}

}  // namespace reachprobe::layers
