// Summary sentences for blackbox-style modules that talk to a service themselves: a tcp
// module's query_response conversation and a dns module's query to a DNS server.
#include "classify/sentence_parts.hpp"
#include "classify/summary.hpp"

namespace reachprobe::classify::detail {

using engine::Layer;
using engine::ProbeReport;
using engine::Reason;
using engine::Status;

namespace {

std::string quoted(const std::string& s) {
  return "\"" + s + "\"";
}

std::string record_count(std::size_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? " record" : " records");
}

}  // namespace

std::string conversation_sentence(const ProbeReport& r, const engine::Verdict& v) {
  const auto* tcp = r.find(Layer::tcp);
  const auto* ev = tcp ? engine::evidence_of<engine::TcpEvidence>(*tcp) : nullptr;
  std::string lead = endpoint(r) + " accepted the TCP connection";
  const auto* tls = r.find(Layer::tls);
  if (tls && tls->status == Status::ok) lead += " and the TLS handshake";
  std::string last = ev && !ev->last_line.empty()
                         ? "; the last line it sent was " + quoted(ev->last_line)
                         : "; it sent no line at all";
  std::string detail = tcp && !tcp->detail.empty() ? tcp->detail : "the conversation failed";
  switch (v.reason) {
    case Reason::timeout:
      // The tcp layer's time covers the connect and the whole conversation, not one wait.
      return lead + ", but " + detail + " (the connection lasted " +
             format_seconds(secs(tcp->duration)) + ")" + last +
             ": the service is up but stalled or answers differently than expected";
    default:
      return lead + ", but " + detail + last +
             ": the service answered, but not what the module expects";
  }
}

std::string dns_query_sentence(const ProbeReport& r, Reason reason) {
  const auto* layer = r.find(Layer::dns);
  const auto* ev = layer ? engine::evidence_of<engine::DnsEvidence>(*layer) : nullptr;
  if (ev == nullptr || !ev->query) return "The DNS query failed";
  const auto& q = *ev->query;
  std::string server = "The DNS server " + q.server + " (" + q.transport + ")";
  std::string asked = ev->name + " " + q.query_class + " " + ev->query_types;
  std::string detail = layer->detail;
  std::string took = format_seconds(q.request_seconds);
  if (!q.answered) {
    switch (reason) {
      case Reason::timeout:
        // The exchange alone: the layer's time also holds resolving the server's own name.
        return server + " did not answer the query for " + asked + " within " +
               format_seconds(q.connect_seconds + q.request_seconds) +
               ": the server is down, filtered, or overloaded";
      case Reason::refused:
        return server + " refused the connection (" + detail + "): nothing serves DNS on that port";
      default:
        return server + " gave no usable answer for " + asked + " (" + detail + ")";
    }
  }
  std::string answered = server + " answered " + asked + " with " +
                         (ev->rcode >= 0 ? rcode_text(ev->rcode) : std::string("a response")) +
                         " in " + took + " (" + record_count(q.answer.size(), "answer") + ")";
  return answered + ", which the module refuses: " + q.failed_check;
}

}  // namespace reachprobe::classify::detail
