#include "engine/icmp_error.hpp"

namespace reachprobe::engine {

IcmpErrorKind classify_icmp(bool v6, std::uint8_t type, std::uint8_t code) {
  if (!v6) {
    if (type == 11) return IcmpErrorKind::time_exceeded;
    if (type != 3) return IcmpErrorKind::other;
    switch (code) {
      case 0:  // net unreachable
      case 6:  // destination network unknown
      case 11:
        return IcmpErrorKind::net_unreachable;
      case 1:  // host unreachable
      case 7:  // destination host unknown
      case 12:
        return IcmpErrorKind::host_unreachable;
      case 3:
        return IcmpErrorKind::port_unreachable;
      case 9:   // network administratively prohibited
      case 10:  // host administratively prohibited
      case 13:
        return IcmpErrorKind::admin_prohibited;
      default:
        return IcmpErrorKind::other_unreachable;
    }
  }
  if (type == 3) return IcmpErrorKind::time_exceeded;
  if (type != 1) return IcmpErrorKind::other;
  switch (code) {
    case 0:
      return IcmpErrorKind::net_unreachable;  // no route to destination
    case 1:                                   // administratively prohibited
    case 5:                                   // source address failed policy
    case 6:
      return IcmpErrorKind::admin_prohibited;  // reject route to destination
    case 3:
      return IcmpErrorKind::host_unreachable;  // address unreachable
    case 4:
      return IcmpErrorKind::port_unreachable;
    default:
      return IcmpErrorKind::other_unreachable;
  }
}

IcmpErrorKind IcmpError::kind() const {
  return classify_icmp(v6, type, code);
}

std::string IcmpError::describe() const {
  switch (kind()) {
    case IcmpErrorKind::time_exceeded:
      return "time exceeded";
    case IcmpErrorKind::net_unreachable:
      return "network unreachable";
    case IcmpErrorKind::host_unreachable:
      return "host unreachable";
    case IcmpErrorKind::port_unreachable:
      return "port unreachable";
    case IcmpErrorKind::admin_prohibited:
      return "administratively prohibited";
    case IcmpErrorKind::other_unreachable:
      return "destination unreachable (code " + std::to_string(code) + ")";
    case IcmpErrorKind::other:
      return "ICMP type " + std::to_string(type) + " code " + std::to_string(code);
  }
  return "ICMP error";
}

}  // namespace reachprobe::engine
