#include "net/error_queue.hpp"

#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

namespace reachprobe::net_io {

bool enable_error_queue(int fd, bool v6) {
  int on = 1;
  if (v6) return setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof on) == 0;
  return setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on) == 0;
}

namespace {

std::optional<net::ip::address> address_of(const sockaddr* sa) {
  if (sa->sa_family == AF_INET) {
    sockaddr_in sin{};
    std::memcpy(&sin, sa, sizeof sin);
    return net::ip::address_v4(ntohl(sin.sin_addr.s_addr));
  }
  if (sa->sa_family == AF_INET6) {
    sockaddr_in6 sin6{};
    std::memcpy(&sin6, sa, sizeof sin6);
    net::ip::address_v6::bytes_type bytes;
    std::memcpy(bytes.data(), &sin6.sin6_addr, bytes.size());
    return net::ip::address_v6(bytes);
  }
  return std::nullopt;
}

std::optional<net::ip::address> offender_address(const sock_extended_err* ee) {
  return address_of(SO_EE_OFFENDER(ee));
}

}  // namespace

std::optional<QueuedError> read_error_queue(int fd) {
  std::array<std::uint8_t, 576> data{};
  // Room for the extended error, its offender address and a timestamp.
  alignas(cmsghdr) std::array<char, 512> control{};
  iovec iov{data.data(), data.size()};
  sockaddr_storage to{};
  msghdr msg{};
  msg.msg_name = &to;
  msg.msg_namelen = sizeof to;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  ssize_t n = recvmsg(fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
  if (n < 0) return std::nullopt;

  QueuedError out;
  out.payload.assign(data.begin(), data.begin() + n);
  if (msg.msg_namelen > 0) out.destination = address_of(reinterpret_cast<const sockaddr*>(&to));
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    bool v4_err = c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR;
    bool v6_err = c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR;
    if (v4_err || v6_err) {
      sock_extended_err ee{};
      std::memcpy(&ee, CMSG_DATA(c), sizeof ee);
      out.error_number = static_cast<int>(ee.ee_errno);
      if (ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6) {
        const auto* ee_in_cmsg = reinterpret_cast<const sock_extended_err*>(CMSG_DATA(c));
        if (auto who = offender_address(ee_in_cmsg)) {
          engine::IcmpError err;
          err.offender = *who;
          err.v6 = ee.ee_origin == SO_EE_ORIGIN_ICMP6;
          err.type = ee.ee_type;
          err.code = ee.ee_code;
          out.icmp = err;
        }
      }
    } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      timespec ts{};
      std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
      out.received_at = ts;
    }
  }
  return out;
}

}  // namespace reachprobe::net_io
