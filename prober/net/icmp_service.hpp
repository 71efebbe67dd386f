#pragma once
#include <memory>
#include <optional>
#include <string>

#include "engine/asio.hpp"
#include "net/echo_batch.hpp"
#include "targets/expected.hpp"

namespace reachprobe::net_io {

// One ICMP socket per address family, shared by every probe in the process (fping's model):
// a raw socket when CAP_NET_RAW allows it, else the unprivileged ping socket. Replies and
// errors are matched back to their echo by sequence number (and identifier on raw sockets).
class IcmpService {
 public:
  explicit IcmpService(net::any_io_executor executor);
  ~IcmpService();
  IcmpService(const IcmpService&) = delete;
  IcmpService& operator=(const IcmpService&) = delete;

  // Opens the family's socket on first use. Returns "raw" or "dgram", or why neither is allowed.
  targets::Expected<std::string> open(bool v6);

  // Sends echo `index` of `batch`, TTL-limited when `ttl` is set. Records send failures in
  // the outcome; never throws.
  net::awaitable<void> send_echo(std::shared_ptr<EchoBatch> batch, std::size_t index,
                                 net::ip::address to, std::optional<int> ttl);

  // Forgets the batch's outstanding sequence numbers; late answers are then ignored.
  void release(EchoBatch& batch);
  // The same for outcomes [from, to) only: one target of a sweep's shared batch.
  void release(EchoBatch& batch, std::size_t from, std::size_t to);

  // Closes the sockets and ends the receive loops so the io_context can finish.
  void shutdown();

  struct Channel;

 private:
  net::any_io_executor executor_;
  std::shared_ptr<Channel> v4_;
  std::shared_ptr<Channel> v6_;
  std::optional<std::string> v4_error_;
  std::optional<std::string> v6_error_;
};

}  // namespace reachprobe::net_io
