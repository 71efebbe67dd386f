#include "engine/prober_error.hpp"

#include <cerrno>

namespace reachprobe::engine {
namespace {

const char* exhaustion_name(int error) {
  switch (error) {
    case EMFILE:
      return "EMFILE";
    case ENFILE:
      return "ENFILE";
    case ENOBUFS:
      return "ENOBUFS";
    case ENOMEM:
      return "ENOMEM";
    default:
      return nullptr;
  }
}

std::string sentence(int error, const char* opening) {
  const char* what = (error == EMFILE || error == ENFILE) ? "file descriptors" : "kernel memory";
  return std::string("reachprobe ran out of ") + what + " (" + exhaustion_name(error) + ") " +
         opening + ": the prober failed, not the target";
}

}  // namespace

std::optional<std::string> prober_exhaustion(const ProbeReport& report) {
  for (const auto& layer : report.layers) {
    if (const auto* tcp = evidence_of<TcpEvidence>(layer)) {
      if (!tcp->icmp && exhaustion_name(tcp->error_number)) {
        return sentence(tcp->error_number, "opening a TCP socket");
      }
    }
    if (const auto* icmp = evidence_of<IcmpEvidence>(layer)) {
      if (exhaustion_name(icmp->local_error)) {
        return sentence(icmp->local_error, "sending ICMP echoes");
      }
    }
    if (const auto* path = evidence_of<PathEvidence>(layer)) {
      if (path->local_error && exhaustion_name(*path->local_error)) {
        return sentence(*path->local_error, "sending path probes");
      }
    }
  }
  return std::nullopt;
}

}  // namespace reachprobe::engine
