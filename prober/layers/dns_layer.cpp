#include <ares.h>

#include "layers/dns_server_query.hpp"
#include "layers/layers.hpp"

namespace reachprobe::layers {
namespace {

using engine::DnsEvidence;
using engine::Reason;
using engine::Status;
using layers::IpProtocol;
using net_io::DnsResolver;

// rcode of the response when one arrived, else the c-ares status.
Reason failure_reason(const DnsResolver::Answer& answer) {
  if (answer.timed_out) return Reason::timeout;
  switch (answer.rcode) {
    case 0:
      return Reason::no_address;
    case 2:
      return Reason::servfail;
    case 3:
      return Reason::nxdomain;
    case 5:
      return Reason::refused;
    default:
      break;
  }
  switch (answer.status) {
    case ARES_ENOTFOUND:
      return Reason::nxdomain;
    case ARES_ENODATA:
      return Reason::no_address;
    case ARES_EREFUSED:
      return Reason::refused;
    case ARES_ETIMEOUT:
      return Reason::timeout;
    case ARES_ECONNREFUSED:  // the server's port answered ICMP port unreachable
    case ARES_ESERVFAIL:
    default:
      return Reason::servfail;
  }
}

// With both families asked, the most telling failure wins: a name that does not exist says
// more than a family that has no record.
int severity(Reason r) {
  switch (r) {
    case Reason::nxdomain:
      return 5;
    case Reason::refused:
      return 4;
    case Reason::servfail:
      return 3;
    case Reason::timeout:
      return 2;
    default:
      return 1;
  }
}

// allowed_targets for a name that matched no host pattern: every address it resolved to must
// lie in an allowed CIDR, else nothing is contacted (checked here, after DNS, so a name that
// rebinds to an inside address cannot get round the list).
bool admit_addresses(ProbeSession& session, const std::vector<net::ip::address>& addresses,
                     LayerResult& result) {
  const auto* allow = session.options.allow_list.get();
  if (allow == nullptr ||
      allow->judge_host(session.target.host, session.target.host_is_ip_literal) ==
          targets::AllowList::HostVerdict::allowed) {
    return true;
  }
  for (const auto& address : addresses) {
    if (allow->address_allowed(address.to_string())) continue;
    session.allow_list_refusal = "Target \"" + session.target.host + "\" resolves to " +
                                 address.to_string() + ", which is not in allowed_targets";
    session.address.reset();
    result.status = Status::fail;
    result.reason = Reason::no_address;
    result.detail = *session.allow_list_refusal;
    return false;
  }
  return true;
}

// The other family's address is probed only if allowed_targets would admit it for this name.
bool admits_other(const ProbeSession& session, const net::ip::address& address) {
  const auto* allow = session.options.allow_list.get();
  return allow == nullptr ||
         allow->judge_host(session.target.host, session.target.host_is_ip_literal) ==
             targets::AllowList::HostVerdict::allowed ||
         allow->address_allowed(address.to_string());
}

LayerResult required_dns_result() {
  LayerResult result;
  result.layer = engine::Layer::dns;
  result.required = true;
  return result;
}

}  // namespace

net::awaitable<LayerResult> run_dns_layer(ProbeSession& session, Deadline deadline) {
  if (session.options.dns_query) co_return co_await run_dns_server_query(session, deadline);
  co_return co_await resolve_target_name(session, deadline);
}

LayerResult resolve_ip_literal(ProbeSession& session) {
  auto started = std::chrono::steady_clock::now();
  LayerResult result = required_dns_result();
  DnsEvidence evidence;
  evidence.name = session.target.host;
  boost::system::error_code ec;
  auto address = net::ip::make_address(session.target.host, ec);
  evidence.ip_literal = true;
  evidence.addresses = {address};
  session.address = address;
  result.status = Status::skipped;
  result.detail = "IP literal, no query needed";
  admit_addresses(session, evidence.addresses, result);
  result.duration = std::chrono::steady_clock::now() - started;
  result.evidence = std::move(evidence);
  return result;
}

net::awaitable<LayerResult> resolve_target_name(ProbeSession& session, Deadline deadline) {
  if (session.target.host_is_ip_literal) co_return resolve_ip_literal(session);
  auto started = std::chrono::steady_clock::now();
  LayerResult result = required_dns_result();
  DnsEvidence evidence;
  evidence.name = session.target.host;
  auto finish = [&](LayerResult& r) {
    r.duration = std::chrono::steady_clock::now() - started;
    r.evidence = evidence;
  };

  auto* resolver = session.services.resolver.get();
  if (resolver == nullptr) {
    result.status = Status::fail;
    result.reason = Reason::servfail;
    result.detail = session.services.resolver_error;
    finish(result);
    co_return result;
  }
  evidence.server = resolver->servers();

  if (resolver->uses_system_config()) {
    // The hosts file first, as the system resolver does; IPv6 first unless told otherwise.
    auto protocol_pref = session.options.ip_protocol;
    std::vector<net::ip::address> found;
    bool want_v6 = protocol_pref != IpProtocol::ip4;
    bool want_v4 = protocol_pref != IpProtocol::ip6;
    if (protocol_pref == IpProtocol::ip4_first)
      found = resolver->hosts_file_lookup(evidence.name, false);
    if (found.empty() && want_v6) found = resolver->hosts_file_lookup(evidence.name, true);
    if (found.empty() && want_v4) found = resolver->hosts_file_lookup(evidence.name, false);
    if (!found.empty()) {
      evidence.server = "/etc/hosts";
      evidence.addresses = found;
      session.address = found.front();
      result.status = Status::ok;
      result.detail = "from the hosts file";
      admit_addresses(session, found, result);
      finish(result);
      co_return result;
    }
  }

  auto protocol = session.options.ip_protocol;
  DnsResolver::Answer a, aaaa;
  bool asked_a = protocol != IpProtocol::ip6;
  bool asked_aaaa = protocol != IpProtocol::ip4;
  using namespace net::experimental::awaitable_operators;
  if (asked_a && asked_aaaa) {
    evidence.query_types = "AAAA+A";
    std::tie(aaaa, a) = co_await (resolver->query(evidence.name, true, deadline) &&
                                  resolver->query(evidence.name, false, deadline));
  } else if (asked_a) {
    evidence.query_types = "A";
    a = co_await resolver->query(evidence.name, false, deadline);
  } else {
    evidence.query_types = "AAAA";
    aaaa = co_await resolver->query(evidence.name, true, deadline);
  }

  // Preference as blackbox_exporter: IPv6 first unless told otherwise (preferred_ip_protocol
  // ip4 with fallback: IPv4 first), then the other family.
  const DnsResolver::Answer* first = protocol == IpProtocol::ip4_first ? &a : &aaaa;
  const DnsResolver::Answer* second = first == &a ? &aaaa : &a;
  bool asked_first = first == &a ? asked_a : asked_aaaa;
  bool asked_second = second == &a ? asked_a : asked_aaaa;
  const DnsResolver::Answer* chosen = nullptr;
  if (asked_first && !first->addresses.empty())
    chosen = first;
  else if (asked_second && !second->addresses.empty())
    chosen = second;
  if (chosen == first && asked_second && !second->addresses.empty() &&
      admits_other(session, second->addresses.front()))
    session.other_family_address = second->addresses.front();
  if (chosen != nullptr) {
    evidence.rcode = chosen->rcode;
    evidence.addresses = chosen->addresses;
    session.address = chosen->addresses.front();
    result.status = Status::ok;
    admit_addresses(session, chosen->addresses, result);
    finish(result);
    co_return result;
  }

  const DnsResolver::Answer* decisive = asked_a ? &a : &aaaa;
  if (asked_a && asked_aaaa && severity(failure_reason(aaaa)) > severity(failure_reason(a))) {
    decisive = &aaaa;
  }
  evidence.rcode = decisive->rcode;
  result.status = Status::fail;
  result.reason = failure_reason(*decisive);
  if (!decisive->timed_out && decisive->rcode < 0 && decisive->status != ARES_SUCCESS) {
    result.detail = ares_strerror(decisive->status);
  }
  finish(result);
  co_return result;
}

}  // namespace reachprobe::layers
