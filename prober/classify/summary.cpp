#include "classify/summary.hpp"

#include "classify/sentence_parts.hpp"
#include "targets/dns_names.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>

namespace reachprobe::classify {
namespace detail {

using engine::IcmpEvidence;
using engine::Layer;
using engine::LayerResult;
using engine::PathEvidence;
using engine::ProbeReport;
using engine::Reason;
using engine::Status;

double secs(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

const IcmpEvidence* icmp_of(const ProbeReport& r) {
  const auto* l = r.find(Layer::icmp);
  return l ? engine::evidence_of<IcmpEvidence>(*l) : nullptr;
}
const PathEvidence* path_of(const ProbeReport& r) {
  const auto* l = r.find(Layer::path);
  return l ? engine::evidence_of<PathEvidence>(*l) : nullptr;
}

std::string target_address(const ProbeReport& r) {
  return r.address ? r.address->to_string() : r.target.host;
}

std::string endpoint(const ProbeReport& r) {
  std::string host = target_address(r);
  if (r.address && r.address->is_v6()) host = "[" + host + "]";
  return r.target.port ? host + ":" + std::to_string(*r.target.port) : host;
}

// "router 198.18.2.2 (hop 2)" or "the target 198.18.3.2 itself"; rule 3 says which box.
std::string who(const ProbeReport& r, const net::ip::address& addr) {
  if (r.address && addr == *r.address) return "the target " + addr.to_string() + " itself";
  std::string text = "router " + addr.to_string();
  if (const auto* path = path_of(r)) {
    for (const auto& hop : path->hops) {
      if (hop.address && *hop.address == addr)
        return text + " (hop " + std::to_string(hop.ttl) + ")";
    }
  }
  return text;
}

std::string capitalized(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

// What ICMP echo showed, as a clause.
std::string icmp_clause(const ProbeReport& r) {
  const auto* layer = r.find(Layer::icmp);
  if (layer == nullptr || layer->status == Status::skipped) return "";
  const auto* ev = icmp_of(r);
  if (ev == nullptr) return "";
  if (ev->stats.received > 0) {
    return "the host answers ICMP echo in " + format_seconds(ev->stats.avg_seconds) + " (" +
           std::to_string(ev->stats.received) + "/" + std::to_string(ev->stats.sent) + ")";
  }
  if (!ev->errors.empty()) {
    return "ICMP echo drew " + ev->errors.front().describe() + " from " +
           who(r, ev->errors.front().offender);
  }
  return "ICMP echo got no answer (0/" + std::to_string(ev->stats.sent) + ")";
}

std::string path_clause(const ProbeReport& r) {
  const auto* layer = r.find(Layer::path);
  if (layer == nullptr || layer->status == Status::skipped) return "";
  const auto* ev = path_of(r);
  if (ev == nullptr) return "";
  if (ev->destination_ttl) {
    return "the path reaches it in " + std::to_string(*ev->destination_ttl) + " hop" +
           (*ev->destination_ttl == 1 ? "" : "s");
  }
  return "the path trace did not reach it";
}

std::string join_clauses(std::initializer_list<std::string> parts) {
  std::string out;
  for (const auto& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += "; ";
    out += p;
  }
  return out;
}

std::string rcode_text(int rcode) {
  return targets::dns_rcode_name(rcode);
}

std::string dns_sentence(const ProbeReport& r, Reason reason) {
  const auto* layer = r.find(Layer::dns);
  const auto* ev = layer ? engine::evidence_of<engine::DnsEvidence>(*layer) : nullptr;
  if (ev && ev->query && !ev->query->server.empty() && ev->query->server_address) {
    return dns_query_sentence(r, reason);
  }
  // DnsEvidence::server is "system" for the system resolver configuration.
  std::string server = ev && !ev->server.empty() && ev->server != "system"
                           ? "The DNS server " + ev->server
                           : "The DNS resolver";
  std::string name = r.target.host;
  std::string types = ev ? ev->query_types : "A";
  std::string took = layer ? format_seconds(secs(layer->duration)) : "";
  switch (reason) {
    case Reason::nxdomain:
      return server + " answered NXDOMAIN for " + name + " in " + took +
             ": the name does not exist";
    case Reason::no_address:
      return server + " answered " + name + " (" + types + ") in " + took +
             " with no address record: the name exists but has no address for this IP protocol";
    case Reason::servfail:
      return server + " answered " +
             (ev && ev->rcode >= 0 ? rcode_text(ev->rcode) : "with a failure") + " for " + name +
             " in " + took + (layer && !layer->detail.empty() ? " (" + layer->detail + ")" : "") +
             ": it could not resolve the name (upstream or zone problem)";
    case Reason::refused:
      return server + " answered REFUSED for " + name + " in " + took +
             ": it does not serve this name to this client";
    case Reason::timeout:
      return server + " did not answer the " + types + " query for " + name + " within " + took;
    default:
      return server + " failed for " + name;
  }
}

std::string tcp_sentence(const ProbeReport& r, const engine::Verdict& v) {
  const auto* tcp = r.find(Layer::tcp);
  if (const auto* ev = tcp ? engine::evidence_of<engine::TcpEvidence>(*tcp) : nullptr;
      ev && ev->connected) {
    return conversation_sentence(r, v);
  }
  std::string took = tcp ? format_seconds(secs(tcp->duration)) : "";
  std::string port = r.target.port ? std::to_string(*r.target.port) : "?";
  std::string sender = v.offender ? who(r, *v.offender) : "the network";
  switch (v.reason) {
    case Reason::refused:
      return target_address(r) + " answered the TCP SYN to port " + port + " with a reset in " +
             took + ": the host is up but nothing listens on port " + port +
             " (or a firewall rejects it with a reset)";
    case Reason::timeout:
      return "TCP SYN to " + endpoint(r) + " got no answer in " + took + "; " +
             join_clauses({icmp_clause(r), path_clause(r)}) +
             (icmp_clause(r).empty() && path_clause(r).empty()
                  ? "ICMP and the path were not measured, so a filtered port cannot be told "
                    "from a dead host"
                  : ": the port is filtered or the reply path is broken");
    case Reason::admin_prohibited:
    case Reason::port_unreachable:
    case Reason::host_unreachable:
    case Reason::net_unreachable: {
      const auto* ev = tcp ? engine::evidence_of<engine::TcpEvidence>(*tcp) : nullptr;
      std::string what = ev && ev->icmp ? "ICMP " + ev->icmp->describe()
                         : ev           ? ev->error_text
                                        : "an error";
      bool from_target = v.offender && r.address && *v.offender == *r.address;
      std::string meaning = from_target
                                ? "a firewall on the target rejects port " + port
                                : "a firewall on that router rejects the connection before it "
                                  "reaches the target";
      return capitalized(sender) + " answered the TCP SYN to " + endpoint(r) + " with " + what +
             " in " + took + ": " + meaning;
    }
    default:
      return "TCP to " + endpoint(r) + " failed";
  }
}

std::string path_sentence(const ProbeReport& r, const engine::Verdict& v) {
  const auto* tcp = r.find(Layer::tcp);
  const auto* path = path_of(r);
  std::string addr = target_address(r);
  switch (v.reason) {
    case Reason::no_route: {
      const auto* tcp_ev = tcp ? engine::evidence_of<engine::TcpEvidence>(*tcp) : nullptr;
      if (tcp_ev && tcp_ev->error_number != 0 && tcp_ev->error_number != ENETUNREACH) {
        return "This host could not open a connection to " + addr + " (" + tcp_ev->error_text +
               "): a problem of the prober itself, not of the target";
      }
      return "This host has no route to " + addr +
             ": nothing was sent (check its routing table and default gateway)";
    }
    case Reason::unreachable: {
      if (!v.offender) {
        return "This host got no ARP/neighbour answer for " + addr +
               " on its own network: the target is down, unplugged or not on this LAN";
      }
      std::string what = "ICMP unreachable";
      double after = 0;
      const auto* tcp_ev = tcp ? engine::evidence_of<engine::TcpEvidence>(*tcp) : nullptr;
      if (tcp_ev && tcp_ev->icmp && tcp_ev->icmp->offender == *v.offender) {
        what = "ICMP " + tcp_ev->icmp->describe();
        after = secs(tcp->duration);
      } else if (path && path->unreachable && path->unreachable->offender == *v.offender) {
        what = "ICMP " + path->unreachable->describe();
      } else if (const auto* icmp = icmp_of(r)) {
        for (const auto& e : icmp->errors) {
          if (e.offender == *v.offender) {
            what = "ICMP " + e.describe();
            break;
          }
        }
      }
      bool net = what.find("network") != std::string::npos;
      if (what.find("time exceeded") != std::string::npos) {
        // Only a deliberately short TTL (an icmp module's `ttl`) gets this far.
        return capitalized(who(r, *v.offender)) + " answered " + what + " for " + addr +
               ": the echo's TTL ran out there, so the target is farther away than the "
               "module's ttl allows";
      }
      return capitalized(who(r, *v.offender)) + " answered " + what + " for " + addr +
             (after > 0 ? " after " + format_seconds(after) : "") +
             (net ? ": it has no route to the target's network"
                  : ": it cannot deliver to the target on its network (host down, link down or "
                    "no ARP/neighbour answer)");
    }
    case Reason::lost_after_hop: {
      std::string probes;
      if (tcp && tcp->status != Status::skipped) {
        probes = "TCP SYNs to " + endpoint(r) + " got no answer in " +
                 format_seconds(secs(tcp->duration));
      }
      std::string echo = icmp_clause(r);
      std::string sent = join_clauses({probes, echo});
      if (!v.offender) {
        bool traced = path != nullptr;
        return (sent.empty() ? "Nothing answered" : capitalized(sent)) +
               (traced ? "; no router on the path answered either: packets are lost right after "
                         "this host (its uplink or first router)"
                       : "; the path was not traced, so where packets are lost is unknown");
      }
      int hop_ttl = 0;
      if (path) {
        for (const auto& hop : path->hops) {
          if (hop.address && *hop.address == *v.offender) hop_ttl = hop.ttl;
        }
      }
      return capitalized(sent) + ", while hops 1-" + std::to_string(hop_ttl) +
             " answer: packets are lost after hop " + std::to_string(hop_ttl) + " (" +
             v.offender->to_string() + "), by a firewall there or beyond, or a dead link";
    }
    default:
      return "The path to " + addr + " failed";
  }
}

std::string icmp_sentence(const ProbeReport& r, const engine::Verdict& v) {
  const auto* ev = icmp_of(r);
  std::string sent = ev ? std::to_string(ev->stats.sent) : "?";
  switch (v.reason) {
    case Reason::timeout:
      return target_address(r) + " answered none of " + sent + " ICMP echoes" +
             (path_clause(r).empty() ? "" : "; " + path_clause(r)) +
             ": ICMP echo is filtered or the host is down";
    case Reason::admin_prohibited:
    case Reason::unreachable:
      if (ev && !ev->errors.empty()) {
        return capitalized(who(r, ev->errors.front().offender)) + " answered ICMP echo to " +
               target_address(r) + " with " + ev->errors.front().describe() +
               ": a firewall there rejects ping";
      }
      return "ICMP echo to " + target_address(r) + " could not be sent";
    default:
      return "ICMP echo to " + target_address(r) + " failed";
  }
}

std::string success_sentence(const ProbeReport& r) {
  const auto* tcp = r.find(Layer::tcp);
  std::string lead;
  const auto* dns_layer = r.find(Layer::dns);
  const auto* dns = dns_layer ? engine::evidence_of<engine::DnsEvidence>(*dns_layer) : nullptr;
  if (dns && dns->query && dns->query->answered) {
    lead = "The DNS server " + dns->query->server + " (" + dns->query->transport + ") answered " +
           dns->name + " " + dns->query->query_class + " " + dns->query_types + " with " +
           rcode_text(dns->rcode) + " in " + format_seconds(dns->query->request_seconds) + " (" +
           std::to_string(dns->query->answer.size()) + " answer records)";
  } else if (std::string app = application_success(r); !app.empty()) {
    lead = std::move(app);
  } else if (tcp && tcp->status == Status::ok) {
    const auto* ev = engine::evidence_of<engine::TcpEvidence>(*tcp);
    if (ev && !ev->transcript.empty()) {
      const auto* tls = r.find(Layer::tls);
      lead = endpoint(r) + " accepted a TCP connection and held the module's conversation" +
             (tls && tls->status == Status::ok ? " (with TLS)" : "") + " in " +
             format_seconds(secs(tcp->duration)) +
             (ev->last_line.empty() ? "" : ", last line \"" + ev->last_line + "\"");
    } else {
      lead = endpoint(r) + " accepted a TCP connection in " + format_seconds(secs(tcp->duration));
    }
  } else {
    lead = target_address(r) + " is reachable";
  }
  std::string icmp = icmp_clause(r);
  const auto* icmp_layer = r.find(Layer::icmp);
  if (icmp_layer && icmp_layer->status == Status::warn) {
    icmp += ", so ICMP is filtered, which does not affect the service";
  }
  return join_clauses({lead, icmp, path_clause(r)});
}

}  // namespace detail

using namespace detail;

std::string format_seconds(double seconds) {
  char buf[32];
  if (seconds < 0.001)
    std::snprintf(buf, sizeof buf, "%.3f ms", seconds * 1e3);
  else if (seconds < 0.0095)
    std::snprintf(buf, sizeof buf, "%.2f ms", seconds * 1e3);
  else if (seconds < 0.9995)  // 0.9996 s would print as "1000 ms"
    std::snprintf(buf, sizeof buf, "%.0f ms", seconds * 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.1f s", seconds);
  return buf;
}

// The host layer's findings as one clause after the verdict's own sentence (CONTRACT §8):
// "inside, replies to ... : an asymmetric return route"; by the side door, it says which.
std::string host_clause(const ProbeReport& report) {
  const auto* layer = report.find(Layer::host);
  const auto* host = layer ? engine::evidence_of<engine::HostEvidence>(*layer) : nullptr;
  if (host == nullptr) return "";
  std::string inside = host->via.empty() ? "inside, " : "inside (by " + host->via + "), ";
  std::string text;
  for (const auto& f : host->findings) text += (text.empty() ? "" : "; ") + f.text;
  if (host->timed_out) {
    text += std::string(text.empty() ? "" : "; ") + "the triage did not finish in time";
  }
  if (text.empty() && layer->status == Status::skipped && !layer->detail.empty() &&
      !host->via.empty()) {
    return "; " + layer->detail;  // the side door failed too: say so rather than nothing
  }
  return text.empty() ? "" : "; " + inside + text;
}

// Dual-stack divergence (README): after a path or transport failure, what the same name's
// other family did: "...; IPv4 to the same name works (198.18.3.2: TCP connect in 0.40 ms):
// the IPv6 path is broken".
std::string family_clause(const ProbeReport& report, const engine::Verdict& verdict) {
  const auto& other = report.other_family;
  if (!other || !verdict.layer || !report.address) return "";
  if (*verdict.layer != Layer::icmp && *verdict.layer != Layer::path &&
      *verdict.layer != Layer::tcp) {
    return "";
  }
  const char* in_use = report.address->is_v6() ? "IPv6" : "IPv4";
  const char* name = other->address.is_v6() ? "IPv6" : "IPv4";
  std::string where = other->address.to_string();
  if (other->success) {
    if (other->tcp_connect_seconds)
      where += ": TCP connect in " + format_seconds(*other->tcp_connect_seconds);
    else if (other->icmp_rtt_seconds)
      where += " answers echo in " + format_seconds(*other->icmp_rtt_seconds);
    // What the working other family says about this one: a refusal is the service, not the path.
    std::string meaning = std::string("the ") + in_use + " path is broken";
    if (verdict.reason == Reason::refused || verdict.reason == Reason::port_unreachable)
      meaning = std::string("nothing listens on the ") + in_use + " address";
    else if (verdict.reason == Reason::admin_prohibited)
      meaning = std::string(in_use) + " is filtered";
    return std::string("; ") + name + " to the same name works (" + where + "): " + meaning;
  }
  if (other->layer) {
    where += ": " + std::string(engine::to_string(*other->layer)) + "/" +
             std::string(engine::to_string(other->reason));
  }
  return std::string("; ") + name + " to the same name fails too (" + where +
         "): both families fail";
}

std::string summarize(const ProbeReport& report, const engine::Verdict& verdict) {
  std::string sentence;
  if (!verdict.layer) {
    sentence = success_sentence(report);
  } else {
    switch (*verdict.layer) {
      case Layer::dns:
        sentence = dns_sentence(report, verdict.reason);
        break;
      case Layer::tcp:
        sentence = tcp_sentence(report, verdict);
        break;
      case Layer::path:
        sentence = path_sentence(report, verdict);
        break;
      case Layer::icmp:
        sentence = icmp_sentence(report, verdict);
        break;
      case Layer::ssh_banner:
      case Layer::ssh_handshake:
      case Layer::ssh_auth:
      case Layer::ssh_exec:
        sentence = ssh_sentence(report, verdict);
        break;
      case Layer::tls:
      case Layer::http:
      case Layer::grpc:
        sentence = web_sentence(report, verdict);
        break;
      case Layer::host:
        sentence = "the SSH login works, but the module fails on what the host shows";
        break;
      default:
        sentence = std::string(engine::to_string(*verdict.layer)) + " failed";
        break;
    }
  }
  // An unmeasured ICMP layer is said out loud, so a missing clause is never read as "fine".
  const auto* icmp = report.find(Layer::icmp);
  if (icmp && icmp->status == Status::skipped && report.address && !icmp->detail.empty() &&
      icmp->detail != "not asked for") {
    sentence += "; ICMP was not measured: " + icmp->detail;
  }
  return sentence + family_clause(report, verdict) + host_clause(report) + ".";
}

}  // namespace reachprobe::classify
