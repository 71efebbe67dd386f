#pragma once
#include <cstdint>
#include <string>

#include "engine/asio.hpp"

namespace reachprobe::engine {

// What an ICMP error says, independent of the socket it arrived on. Classified by
// (family, type, code), never by errno: IPv6 admin-prohibited arrives as EACCES, IPv4 as
// EHOSTUNREACH (notes §5).
enum class IcmpErrorKind : std::uint8_t {
  time_exceeded,
  net_unreachable,
  host_unreachable,
  port_unreachable,
  admin_prohibited,
  other_unreachable,
  other,
};

struct IcmpError {
  net::ip::address offender;  // who sent the error (SO_EE_OFFENDER or the outer IP source)
  bool v6 = false;
  std::uint8_t type = 0;
  std::uint8_t code = 0;

  IcmpErrorKind kind() const;
  // "host unreachable", "administratively prohibited", ... for summaries.
  std::string describe() const;
};

IcmpErrorKind classify_icmp(bool v6, std::uint8_t type, std::uint8_t code);

}  // namespace reachprobe::engine
