#include "layers/dns_server_query.hpp"

#include <random>

#include "layers/dns_answer_checks.hpp"
#include "net/dns_exchange.hpp"
#include "net/dns_message.hpp"
#include "targets/dns_names.hpp"

namespace reachprobe::layers {
namespace {

using engine::DnsEvidence;
using engine::DnsQueryEvidence;
using engine::Reason;
using engine::Status;

double seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

std::uint16_t random_id() {
  static std::mt19937 generator{std::random_device{}()};
  return static_cast<std::uint16_t>(generator() & 0xffff);
}

std::string server_text(const ProbeSession& session) {
  const auto& host = session.target.host;
  std::string port = std::to_string(session.target.port.value_or(53));
  return host.find(':') != std::string::npos ? "[" + host + "]:" + port : host + ":" + port;
}

// The rcode the answer was refused for, in the dns layer's closed reason set. An rcode the
// module did not expect that is none of NXDOMAIN/SERVFAIL/REFUSED is the server failing to
// answer as required (servfail); a NOERROR that was not wanted, like records that fail the
// validators, means the answer lacks what was asked for (no_address).
Reason reason_for_rcode(int rcode) {
  switch (rcode) {
    case 0:
      return Reason::no_address;
    case 3:
      return Reason::nxdomain;
    case 5:
      return Reason::refused;
    default:
      return Reason::servfail;
  }
}

std::vector<std::string> texts(const std::vector<net_io::DnsRecord>& records) {
  std::vector<std::string> out;
  out.reserve(records.size());
  for (const auto& r : records) out.push_back(r.text);
  return out;
}

// Judges a parsed response as blackbox does: rcode first, then each section's validators.
void judge(const net_io::DnsMessage& message, const targets::DnsModuleSpec& spec,
           DnsQueryEvidence& q, LayerResult& result) {
  q.answer = texts(message.answers);
  q.authority = texts(message.authority);
  q.additional = texts(message.additional);
  for (const auto& r : message.answers) {
    if (r.soa_serial) q.soa_serial = r.soa_serial;
  }
  std::string why = check_rcode(message.rcode, spec.valid_rcodes);
  Reason reason = reason_for_rcode(message.rcode);
  if (why.empty()) {
    reason = Reason::no_address;
    why = check_records(q.answer, spec.validate_answer_rrs, "answer");
    if (why.empty()) why = check_records(q.authority, spec.validate_authority_rrs, "authority");
    if (why.empty()) why = check_records(q.additional, spec.validate_additional_rrs, "additional");
  }
  if (why.empty()) {
    result.status = Status::ok;
    return;
  }
  q.failed_check = why;
  result.status = Status::fail;
  result.reason = reason;
  result.detail = why;
}

}  // namespace

net::awaitable<LayerResult> run_dns_server_query(ProbeSession& session, Deadline deadline) {
  auto started = std::chrono::steady_clock::now();
  const auto& spec = *session.options.dns_query;
  // The server's own name first (blackbox's chooseProtocol); its failure is the verdict.
  auto result = co_await resolve_target_name(session, deadline);
  DnsQueryEvidence q;
  q.server = server_text(session);
  q.transport = spec.dns_over_tls ? "tcp-tls" : spec.transport_protocol;
  q.query_class = spec.query_class;
  q.soa_asked = spec.query_type == "SOA";
  q.resolve_seconds = result.status == Status::skipped ? 0.0 : seconds(result.duration);
  DnsEvidence evidence;
  if (const auto* resolved = engine::evidence_of<DnsEvidence>(result)) evidence = *resolved;
  auto finish = [&](LayerResult& r) {
    r.duration = std::chrono::steady_clock::now() - started;
    evidence.query = std::make_shared<const engine::DnsQueryEvidence>(q);
    r.evidence = evidence;
  };
  if (result.status == Status::fail) {
    result.detail = "resolving the DNS server's name " + session.target.host +
                    (result.detail.empty() ? "" : ": " + result.detail);
    finish(result);
    co_return result;
  }
  q.server_address = session.address;
  evidence.name = spec.query_name;
  evidence.query_types = spec.query_type;
  evidence.server = q.server;
  result = LayerResult{};
  result.layer = engine::Layer::dns;
  result.required = true;

  std::uint16_t id = random_id();
  auto query = net_io::encode_dns_query(
      id, spec.query_name, targets::dns_type_from_name(spec.query_type).value_or(255),
      targets::dns_class_from_name(spec.query_class).value_or(1), spec.recursion_desired);
  if (!query) {
    result.status = Status::fail;
    result.reason = Reason::servfail;
    result.detail = "query_name \"" + spec.query_name + "\": " + query.error();
    finish(result);
    co_return result;
  }
  net_io::DnsExchangeRequest request{*session.address,
                                     session.target.port.value_or(53),
                                     spec.transport_protocol == "tcp",
                                     spec.dns_over_tls,
                                     spec.tls_config,
                                     session.target.host,
                                     std::move(query).value(),
                                     id};
  auto exchange = co_await net_io::dns_exchange(std::move(request), deadline);
  q.connect_seconds = seconds(exchange.connect);
  q.request_seconds = seconds(exchange.request);
  if (exchange.response.empty()) {
    result.status = Status::fail;
    result.reason = exchange.timed_out ? Reason::timeout
                    : exchange.refused ? Reason::refused
                                       : Reason::servfail;
    result.detail = exchange.timed_out ? "no answer before the deadline" : exchange.error;
    if (exchange.refused) result.offender = session.address;
    finish(result);
    co_return result;
  }
  auto message = net_io::parse_dns_message(exchange.response);
  if (!message) {
    result.status = Status::fail;
    result.reason = Reason::servfail;
    result.detail = "malformed answer: " + message.error();
    finish(result);
    co_return result;
  }
  q.answered = true;
  evidence.rcode = message->rcode;
  judge(*message, spec, q, result);
  finish(result);
  co_return result;
}

}  // namespace reachprobe::layers
