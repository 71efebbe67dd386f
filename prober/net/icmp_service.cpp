#include "net/icmp_service.hpp"

#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <random>
#include <unordered_map>
#include <vector>

#include "net/error_queue.hpp"
#include "net/icmp_packet.hpp"

namespace reachprobe::net_io {

struct IcmpService::Channel {
  struct Pending {
    std::weak_ptr<EchoBatch> batch;
    std::size_t index = 0;
  };

  Channel(net::any_io_executor executor, int fd, bool v6_family, bool raw_socket)
      : socket(std::move(executor), fd), v6(v6_family), raw(raw_socket) {}

  net::posix::stream_descriptor socket;
  bool v6;
  bool raw;
  std::uint16_t id = 0;  // ours on raw sockets; the kernel assigns it on ping sockets
  std::uint16_t next_seq = 0;
  std::unordered_map<std::uint16_t, Pending> pending;

  std::optional<std::uint16_t> allocate_seq() {
    for (std::size_t tries = 0; tries < 65536; ++tries) {
      std::uint16_t seq = next_seq++;
      if (!pending.contains(seq)) return seq;
    }
    return std::nullopt;
  }

  EchoOutcome* lookup(std::uint16_t seq, std::shared_ptr<EchoBatch>& keep, std::size_t& index) {
    auto it = pending.find(seq);
    if (it == pending.end()) return nullptr;
    keep = it->second.batch.lock();
    if (!keep) {
      pending.erase(it);
      return nullptr;
    }
    index = it->second.index;
    auto& outcome = keep->outcomes[index];
    return outcome.kind == EchoOutcome::Kind::pending ? &outcome : nullptr;
  }

  void drain();
  void on_datagram(std::span<const std::uint8_t> data, const sockaddr_storage& from,
                   std::optional<int> ttl, std::optional<timespec> stamp);
  void on_queued_error(const QueuedError& queued);
};

namespace {

double seconds_between(const timespec& a, const timespec& b) {
  return static_cast<double>(b.tv_sec - a.tv_sec) +
         static_cast<double>(b.tv_nsec - a.tv_nsec) * 1e-9;
}

timespec wall_now() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts;
}

std::optional<net::ip::address> to_address(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) {
    sockaddr_in sin{};
    std::memcpy(&sin, &ss, sizeof sin);
    return net::ip::address_v4(ntohl(sin.sin_addr.s_addr));
  }
  if (ss.ss_family == AF_INET6) {
    sockaddr_in6 sin6{};
    std::memcpy(&sin6, &ss, sizeof sin6);
    net::ip::address_v6::bytes_type bytes;
    std::memcpy(bytes.data(), &sin6.sin6_addr, bytes.size());
    return net::ip::address_v6(bytes);
  }
  return std::nullopt;
}

// The same address, whatever scope id either side carries (the kernel fills in a link-local
// destination's, which a target given without %iface lacks).
bool same_host(const net::ip::address& a, const net::ip::address& b) {
  if (a.is_v6() && b.is_v6()) return a.to_v6().to_bytes() == b.to_v6().to_bytes();
  return a == b;
}

void fill_sockaddr(const net::ip::address& to, sockaddr_storage& ss, socklen_t& len) {
  std::memset(&ss, 0, sizeof ss);
  if (to.is_v4()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(to.to_v4().to_uint());
    std::memcpy(&ss, &sin, sizeof sin);
    len = sizeof sin;
  } else {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    auto bytes = to.to_v6().to_bytes();
    std::memcpy(&sin6.sin6_addr, bytes.data(), bytes.size());
    sin6.sin6_scope_id = to.to_v6().scope_id();
    std::memcpy(&ss, &sin6, sizeof sin6);
    len = sizeof sin6;
  }
}

void set_int(int fd, int level, int name, int value) {
  setsockopt(fd, level, name, &value, sizeof value);
}

// Opens a raw ICMP socket when permitted, else a ping socket; configures timestamps, TTLs,
// the error queue and a receive buffer large enough for thousands of replies in a burst.
targets::Expected<std::pair<int, bool>> open_socket(bool v6) {
  using Result = targets::Expected<std::pair<int, bool>>;
  int family = v6 ? AF_INET6 : AF_INET;
  int proto = v6 ? static_cast<int>(IPPROTO_ICMPV6) : static_cast<int>(IPPROTO_ICMP);
  bool raw = true;
  int fd = ::socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  if (fd < 0) {
    raw = false;
    fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  }
  if (fd < 0) {
    int err = errno;
    if (err == EACCES || err == EPERM) {
      return Result::failure(
          std::string("no permission for ICMP: a raw socket needs CAP_NET_RAW and this group is "
                      "outside net.ipv4.ping_group_range, so ") +
          (v6 ? "ICMPv6" : "ICMP") + " echo cannot be sent");
    }
    return Result::failure(std::string("cannot open an ICMP socket: ") + std::strerror(err));
  }
  set_int(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1);
  constexpr int kReceiveBuffer = 8 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kReceiveBuffer, sizeof kReceiveBuffer) != 0) {
    set_int(fd, SOL_SOCKET, SO_RCVBUF, kReceiveBuffer);
  }
  if (v6) {
    set_int(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1);
    if (raw) {
      icmp6_filter filter{};
      ICMP6_FILTER_SETBLOCKALL(&filter);
      ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
      ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &filter);
      ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &filter);
      setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
    } else {
      enable_error_queue(fd, true);
    }
  } else {
    set_int(fd, IPPROTO_IP, IP_RECVTTL, 1);
    // Raw IPv4 sockets receive ICMP errors as ordinary packets; ping sockets only through
    // the error queue (without it a time-exceeded is silently lost).
    if (!raw) enable_error_queue(fd, false);
  }
  return std::make_pair(fd, raw);
}

net::awaitable<void> receive_loop(std::shared_ptr<IcmpService::Channel> channel) {
  for (;;) {
    auto [ec] =
        co_await channel->socket.async_wait(net::posix::descriptor_base::wait_read, use_result);
    if (!channel->socket.is_open() || ec == net::error::operation_aborted) co_return;
    // EPOLLERR (a queued ICMP error) also completes a read wait: drain both queues.
    channel->drain();
  }
}

}  // namespace

void IcmpService::Channel::drain() {
  int fd = socket.native_handle();
  while (auto queued = read_error_queue(fd)) on_queued_error(*queued);
  for (int budget = 4096; budget > 0; --budget) {
    std::array<std::uint8_t, 2048> buffer{};
    alignas(cmsghdr) std::array<char, 256> control{};
    sockaddr_storage from{};
    iovec iov{buffer.data(), buffer.size()};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN) break;  // EWOULDBLOCK is the same value on Linux
      // A pending socket error (an ICMP error already queued) is reported once by recv.
      while (auto queued = read_error_queue(fd)) on_queued_error(*queued);
      continue;
    }
    std::optional<int> ttl;
    std::optional<timespec> stamp;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
        timespec ts{};
        std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
        stamp = ts;
      } else if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
                 (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
        int value = 0;
        std::memcpy(&value, CMSG_DATA(c), sizeof value);
        ttl = value;
      }
    }
    on_datagram(std::span<const std::uint8_t>(buffer.data(), static_cast<std::size_t>(n)), from,
                ttl, stamp);
  }
}

void IcmpService::Channel::on_datagram(std::span<const std::uint8_t> data,
                                       const sockaddr_storage& from, std::optional<int> ttl,
                                       std::optional<timespec> stamp) {
  ParsedIcmp parsed = (raw && !v6) ? parse_ipv4_datagram(data) : parse_icmp_message(data, v6);
  if (parsed.kind == ParsedIcmp::Kind::ignore) return;
  if (raw && parsed.id != id) return;  // another program's echo
  auto sender = parsed.source ? parsed.source : to_address(from);
  if (!sender) return;
  std::shared_ptr<EchoBatch> batch;
  std::size_t index = 0;
  EchoOutcome* outcome = lookup(parsed.seq, batch, index);
  if (outcome == nullptr) return;
  timespec arrived = stamp ? *stamp : wall_now();
  if (parsed.kind == ParsedIcmp::Kind::echo_reply) {
    if (*sender != outcome->to) return;  // a reply must come from the address we pinged
    outcome->kind = EchoOutcome::Kind::reply;
    outcome->reply_ttl = parsed.ttl ? parsed.ttl : ttl;
  } else {
    if (parsed.quoted_destination && *parsed.quoted_destination != outcome->to) return;
    outcome->kind = EchoOutcome::Kind::error;
    outcome->error = engine::IcmpError{*sender, v6, parsed.type, parsed.code};
  }
  outcome->rtt_seconds = std::max(0.0, seconds_between(outcome->sent_wall, arrived));
  pending.erase(parsed.seq);
  batch->settle(index);
}

void IcmpService::Channel::on_queued_error(const QueuedError& queued) {
  if (!queued.icmp) return;
  auto quoted = parse_quoted_echo(queued.payload, v6);
  if (!quoted) return;
  std::shared_ptr<EchoBatch> batch;
  std::size_t index = 0;
  EchoOutcome* outcome = lookup(quoted->second, batch, index);
  if (outcome == nullptr) return;
  // A late error for an earlier echo whose sequence number is in use again (the numbers wrap
  // in a wide sweep) names another destination: not this echo's.
  if (queued.destination && !same_host(*queued.destination, outcome->to)) return;
  outcome->kind = EchoOutcome::Kind::error;
  outcome->error = queued.icmp;
  timespec arrived = queued.received_at ? *queued.received_at : wall_now();
  outcome->rtt_seconds = std::max(0.0, seconds_between(outcome->sent_wall, arrived));
  pending.erase(quoted->second);
  batch->settle(index);
}

IcmpService::IcmpService(net::any_io_executor executor) : executor_(std::move(executor)) {}

IcmpService::~IcmpService() {
  shutdown();
}

targets::Expected<std::string> IcmpService::open(bool v6) {
  auto& channel = v6 ? v6_ : v4_;
  auto& error = v6 ? v6_error_ : v4_error_;
  if (!channel && !error) {
    auto opened = open_socket(v6);
    if (!opened && opened.error().rfind("no permission", 0) != 0) {
      // Out of descriptors or memory is a moment, not a property of this host: not cached,
      // or one shortage under load would leave ICMP unusable for the life of `serve`.
      return targets::Expected<std::string>::failure(opened.error());
    }
    if (!opened) {
      error = opened.error();
    } else {
      channel = std::make_shared<Channel>(executor_, opened->first, v6, opened->second);
      std::random_device seed;
      channel->id = static_cast<std::uint16_t>(seed());
      channel->next_seq = static_cast<std::uint16_t>(seed());
      net::co_spawn(executor_, receive_loop(channel), net::detached);
    }
  }
  if (error) return targets::Expected<std::string>::failure(*error);
  return std::string(channel->raw ? "raw" : "dgram");
}

net::awaitable<void> IcmpService::send_echo(std::shared_ptr<EchoBatch> batch, std::size_t index,
                                            net::ip::address to, std::optional<int> ttl) {
  auto& outcome = batch->outcomes[index];
  outcome.to = to;
  auto channel = to.is_v6() ? v6_ : v4_;
  if (!channel || !channel->socket.is_open()) {
    outcome.kind = EchoOutcome::Kind::send_failed;
    outcome.send_errno = EBADF;
    co_return;
  }
  auto seq = channel->allocate_seq();
  if (!seq) {
    outcome.kind = EchoOutcome::Kind::send_failed;
    outcome.send_errno = ENOBUFS;
    co_return;
  }
  auto packet = build_echo_request(channel->v6, channel->id, *seq);
  sockaddr_storage dest{};
  socklen_t dest_len = 0;
  fill_sockaddr(to, dest, dest_len);
  // On the heap: GCC 12 does not honour alignas for a coroutine frame's locals (UBSan caught
  // this cmsghdr at a 4-byte boundary on the asan build).
  std::vector<cmsghdr> control(CMSG_SPACE(sizeof(int)) / sizeof(cmsghdr) + 1);
  iovec iov{packet.data(), packet.size()};
  msghdr msg{};
  msg.msg_name = &dest;
  msg.msg_namelen = dest_len;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (ttl) {
    msg.msg_control = control.data();
    msg.msg_controllen = CMSG_SPACE(sizeof(int));
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = channel->v6 ? IPPROTO_IPV6 : IPPROTO_IP;
    c->cmsg_type = channel->v6 ? IPV6_HOPLIMIT : IP_TTL;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    int value = *ttl;
    std::memcpy(CMSG_DATA(c), &value, sizeof value);
  }
  channel->pending[*seq] = Channel::Pending{batch, index};
  outcome.seq = seq;
  outcome.kind = EchoOutcome::Kind::pending;
  int fd = channel->socket.native_handle();
  // A queued ICMP error for an earlier echo (any target) makes the next send on this shared
  // socket fail once with that error; further attempts tell it from a real local failure
  // (three, as another error may be queued between two of them in a sweep of many hosts).
  for (int attempt = 0; attempt < 8; ++attempt) {
    outcome.sent_at = std::chrono::steady_clock::now();
    outcome.sent_wall = wall_now();
    if (sendmsg(fd, &msg, MSG_DONTWAIT) >= 0) co_return;
    int err = errno;
    if (err == EAGAIN || err == ENOBUFS) {
      auto [ec] =
          co_await channel->socket.async_wait(net::posix::descriptor_base::wait_write, use_result);
      if (ec)
        err = ec.value();
      else
        continue;
    } else if (attempt < 2) {
      continue;
    }
    outcome.kind = EchoOutcome::Kind::send_failed;
    outcome.send_errno = err;
    channel->pending.erase(*seq);
    co_return;
  }
  outcome.kind = EchoOutcome::Kind::send_failed;
  outcome.send_errno = EAGAIN;
  channel->pending.erase(*seq);
}

void IcmpService::release(EchoBatch& batch) {
  release(batch, 0, batch.outcomes.size());
}

void IcmpService::release(EchoBatch& batch, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to && i < batch.outcomes.size(); ++i) {
    const auto& outcome = batch.outcomes[i];
    if (!outcome.seq) continue;
    auto& channel = outcome.to.is_v6() ? v6_ : v4_;
    if (channel) {
      auto it = channel->pending.find(*outcome.seq);
      // The index too: a sweep's targets share one batch, and after the sequence numbers
      // wrap another target's pending echo may hold the number this outcome once had.
      if (it != channel->pending.end() && it->second.index == i &&
          it->second.batch.lock().get() == &batch) {
        channel->pending.erase(it);
      }
    }
  }
}

void IcmpService::shutdown() {
  for (auto* channel : {&v4_, &v6_}) {
    if (*channel) {
      boost::system::error_code ignored;
      (*channel)->socket.close(ignored);
      channel->reset();
    }
  }
}

}  // namespace reachprobe::net_io
