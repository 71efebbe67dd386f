#include <cerrno>

#include "layers/layers.hpp"
#include "layers/tcp_conversation.hpp"
#include "net/tcp_connect.hpp"

namespace reachprobe::layers {
namespace {

using engine::IcmpErrorKind;
using engine::Reason;
using engine::Status;

// mtr's report_packet_error() idea: the ICMP error decides, errno only when there is none.
Reason reason_for(const net_io::ConnectOutcome& outcome) {
  if (outcome.timed_out) return Reason::timeout;
  if (outcome.icmp) {
    switch (outcome.icmp->kind()) {
      case IcmpErrorKind::port_unreachable:
        return Reason::port_unreachable;
      case IcmpErrorKind::admin_prohibited:
        return Reason::admin_prohibited;
      case IcmpErrorKind::net_unreachable:
        return Reason::net_unreachable;
      case IcmpErrorKind::host_unreachable:
      case IcmpErrorKind::other_unreachable:
      case IcmpErrorKind::time_exceeded:
      case IcmpErrorKind::other:
        return Reason::host_unreachable;
    }
  }
  switch (outcome.error.value()) {
    case ECONNREFUSED:
      return Reason::refused;
    case ENETUNREACH:
      return Reason::net_unreachable;
    case EACCES:
    case EPERM:
      return Reason::admin_prohibited;  // a local firewall rejected the SYN
    case ETIMEDOUT:
      return Reason::timeout;
    default:
      return Reason::host_unreachable;
  }
}

}  // namespace

net::awaitable<LayerResult> run_tcp_layer(ProbeSession& session, Deadline deadline) {
  auto started = std::chrono::steady_clock::now();
  LayerResult result;
  result.layer = engine::Layer::tcp;
  engine::TcpEvidence evidence;
  evidence.address = *session.address;
  evidence.port = session.target.port.value_or(0);

  auto outcome = co_await net_io::tcp_connect(
      net::ip::tcp::endpoint(evidence.address, evidence.port), std::nullopt, deadline);
  result.duration = outcome.elapsed;
  session.tcp_duration = outcome.elapsed;
  session.tcp_connected = !outcome.error;
  if (!outcome.error) {
    result.status = Status::ok;
    evidence.connected = true;
    if (session.options.tcp_conversation) {
      result.evidence = std::move(evidence);
      co_await run_tcp_conversation(session, std::move(*outcome.socket), deadline, result);
      result.duration = std::chrono::steady_clock::now() - started;
      co_return result;
    }
    if (session.plan.continues_above(engine::Layer::tcp)) {
      session.connection = std::move(outcome.socket);  // the ssh/tls layers continue on it
    } else {
      boost::system::error_code ignored;
      outcome.socket->shutdown(net::socket_base::shutdown_both, ignored);
      outcome.socket->close(ignored);
    }
  } else {
    result.status = Status::fail;
    result.reason = reason_for(outcome);
    evidence.icmp = outcome.icmp;
    evidence.error_number = outcome.error.value();
    evidence.error_text = outcome.error.message();
    if (outcome.icmp) {
      result.offender = outcome.icmp->offender;
    } else if (result.reason == Reason::refused) {
      result.offender = evidence.address;  // the RST came from the target's address
    }
  }
  result.evidence = std::move(evidence);
  co_return result;
}

}  // namespace reachprobe::layers
