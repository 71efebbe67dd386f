#pragma once
#include <ares.h>

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/asio.hpp"
#include "engine/deadline.hpp"
#include "targets/expected.hpp"

namespace reachprobe::net_io {

// c-ares driven by the io_context: c-ares owns its sockets, Asio only waits on them through
// non-owning descriptors that are released (never closed) when c-ares says it is done.
class DnsResolver {
 public:
  struct Answer {
    int status = ARES_SUCCESS;  // c-ares status of the query
    int rcode = -1;             // DNS rcode of the response; -1 when none arrived
    bool timed_out = false;     // our deadline passed first
    std::vector<net::ip::address> addresses;
  };

  // `server` is "IP[:PORT]" or "[IPv6]:PORT"; nullopt uses the system resolver configuration.
  static targets::Expected<std::unique_ptr<DnsResolver>> create(
      net::any_io_executor executor, const std::optional<std::string>& server);
  ~DnsResolver();
  DnsResolver(const DnsResolver&) = delete;
  DnsResolver& operator=(const DnsResolver&) = delete;

  // One A or AAAA query, answered or timed out by `deadline`.
  net::awaitable<Answer> query(std::string name, bool v6, engine::Deadline deadline);

  // With the system configuration (no explicit server), names in the hosts file resolve from
  // it, as getaddrinfo would: "localhost" must not become a DNS query.
  std::vector<net::ip::address> hosts_file_lookup(const std::string& name, bool v6) const;
  bool uses_system_config() const { return system_config_; }

  // The servers in use, for reports ("198.18.1.1:53").
  const std::string& servers() const { return servers_; }

  // Fails outstanding queries and releases the sockets so the io_context can finish.
  void shutdown();

 private:
  struct Watch;
  explicit DnsResolver(net::any_io_executor executor);
  static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable);
  void watch(ares_socket_t fd, bool readable, bool writable);
  void arm(ares_socket_t fd);
  void process(ares_socket_t read_fd, ares_socket_t write_fd);
  void reschedule();

  net::any_io_executor executor_;
  ares_channel channel_ = nullptr;
  net::steady_timer timer_;
  std::unordered_map<ares_socket_t, std::unique_ptr<Watch>> watches_;
  std::string servers_;
  bool shut_down_ = false;
  bool system_config_ = false;
};

}  // namespace reachprobe::net_io
