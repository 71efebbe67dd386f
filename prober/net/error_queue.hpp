#pragma once
#include <cstdint>
#include <ctime>
#include <optional>
#include <vector>

#include "engine/icmp_error.hpp"

namespace reachprobe::net_io {

// One entry of a socket's error queue (IP_RECVERR / IPV6_RECVERR): the ICMP error that hit a
// packet we sent, who sent it, and the start of our own packet as the kernel kept it.
struct QueuedError {
  std::optional<engine::IcmpError> icmp;  // set when the origin is ICMP/ICMPv6
  int error_number = 0;                   // ee_errno
  std::vector<std::uint8_t> payload;      // our original datagram payload (ping sockets)
  // Where that datagram was going, as the kernel reports it (datagram and ping sockets).
  std::optional<net::ip::address> destination;
  std::optional<timespec> received_at;  // SCM_TIMESTAMPNS when enabled
};

// Reads one entry without blocking; nullopt when the queue is empty.
std::optional<QueuedError> read_error_queue(int fd);

// Enables IP(V6)_RECVERR so ICMP errors for this socket are queued with their sender.
bool enable_error_queue(int fd, bool v6);

}  // namespace reachprobe::net_io
