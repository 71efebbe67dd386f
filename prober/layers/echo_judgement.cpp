#include "layers/echo_judgement.hpp"

#include <cstring>
#include <string>
#include <vector>

namespace reachprobe::layers {

using engine::IcmpErrorKind;
using engine::Reason;
using engine::Status;
using net_io::EchoOutcome;

engine::LayerResult judge_echoes(std::span<const EchoOutcome> outcomes,
                                 engine::IcmpEvidence evidence,
                                 std::chrono::steady_clock::time_point now,
                                 std::chrono::nanoseconds wait) {
  engine::LayerResult result;
  result.layer = engine::Layer::icmp;
  std::vector<double> rtts;
  std::size_t settled = 0;
  int send_errno = 0;
  for (const auto& o : outcomes) {
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
  return result;
}

}  // namespace reachprobe::layers
