#include "net/cares_resolver.hpp"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>

#include <array>
#include <cstring>

#include "targets/target_parser.hpp"

namespace reachprobe::net_io {

struct DnsResolver::Watch {
  Watch(net::any_io_executor executor, ares_socket_t fd) : descriptor(std::move(executor), fd) {}
  net::posix::stream_descriptor descriptor;
  bool want_read = false;
  bool want_write = false;
  bool read_armed = false;
  bool write_armed = false;
};

namespace {

// Library-wide init, once per process; c-ares 1.18 requires it before any channel.
bool ensure_library() {
  static const int status = ares_library_init(ARES_LIB_INIT_ALL);
  return status == ARES_SUCCESS;
}

struct QueryState {
  explicit QueryState(net::any_io_executor executor) : wake(std::move(executor)) {}
  std::optional<DnsResolver::Answer> answer;
  bool v6 = false;
  net::steady_timer wake;
};

void parse_answer(DnsResolver::Answer& answer, bool v6, const unsigned char* abuf, int alen) {
  if (abuf == nullptr || alen < 12) return;
  answer.rcode = abuf[3] & 0x0f;
  if (v6) {
    std::array<ares_addr6ttl, 64> records{};
    int count = static_cast<int>(records.size());
    if (ares_parse_aaaa_reply(abuf, alen, nullptr, records.data(), &count) != ARES_SUCCESS) return;
    for (int i = 0; i < count; ++i) {
      net::ip::address_v6::bytes_type bytes;
      std::memcpy(bytes.data(), &records[static_cast<std::size_t>(i)].ip6addr, bytes.size());
      answer.addresses.emplace_back(net::ip::address_v6(bytes));
    }
  } else {
    std::array<ares_addrttl, 64> records{};
    int count = static_cast<int>(records.size());
    if (ares_parse_a_reply(abuf, alen, nullptr, records.data(), &count) != ARES_SUCCESS) return;
    for (int i = 0; i < count; ++i) {
      answer.addresses.emplace_back(
          net::ip::address_v4(ntohl(records[static_cast<std::size_t>(i)].ipaddr.s_addr)));
    }
  }
}

void on_query_done(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  std::unique_ptr<std::shared_ptr<QueryState>> holder(
      static_cast<std::shared_ptr<QueryState>*>(arg));
  auto& state = **holder;
  DnsResolver::Answer answer;
  answer.status = status;
  parse_answer(answer, state.v6, abuf, alen);
  state.answer = std::move(answer);
  state.wake.cancel();
}

}  // namespace

DnsResolver::DnsResolver(net::any_io_executor executor) : executor_(executor), timer_(executor) {}

targets::Expected<std::unique_ptr<DnsResolver>> DnsResolver::create(
    net::any_io_executor executor, const std::optional<std::string>& server) {
  using Result = targets::Expected<std::unique_ptr<DnsResolver>>;
  if (!ensure_library()) return Result::failure("cannot initialise c-ares");
  std::unique_ptr<DnsResolver> resolver(new DnsResolver(executor));
  ares_options options{};
  // NOCHECKRESP: report SERVFAIL and REFUSED as such instead of moving on to the next server
  // (without it both read as "could not contact DNS servers", notes §2).
  options.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH;
  options.timeout = 1000;  // per try; the layer's deadline cuts retries short
  options.tries = 3;
  options.sock_state_cb = &DnsResolver::on_socket_state;
  options.sock_state_cb_data = resolver.get();
  int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB;
  int status = ares_init_options(&resolver->channel_, &options, mask);
  if (status != ARES_SUCCESS) {
    return Result::failure(std::string("cannot initialise the DNS resolver: ") +
                           ares_strerror(status));
  }
  if (server) {
    auto parsed = targets::parse_target(*server);
    if (!parsed || !parsed->host_is_ip_literal) {
      return Result::failure("--dns.server \"" + *server + "\": expected IP[:PORT] or [IPv6]:PORT");
    }
    std::uint16_t port = parsed->port.value_or(53);
    bool v6 = parsed->host.find(':') != std::string::npos;
    resolver->servers_ =
        (v6 ? "[" + parsed->host + "]" : parsed->host) + ":" + std::to_string(port);
    status = ares_set_servers_ports_csv(resolver->channel_, resolver->servers_.c_str());
    if (status != ARES_SUCCESS) {
      return Result::failure("--dns.server \"" + *server + "\": " + ares_strerror(status));
    }
  } else {
    resolver->system_config_ = true;
    ares_addr_port_node* nodes = nullptr;
    if (ares_get_servers_ports(resolver->channel_, &nodes) == ARES_SUCCESS) {
      for (auto* n = nodes; n != nullptr; n = n->next) {
        std::array<char, 64> text{};
        const void* raw = n->family == AF_INET6 ? static_cast<const void*>(&n->addr.addr6)
                                                : static_cast<const void*>(&n->addr.addr4);
        if (inet_ntop(n->family, raw, text.data(), text.size()) == nullptr) continue;
        if (!resolver->servers_.empty()) resolver->servers_ += ",";
        std::string host = text.data();
        if (n->family == AF_INET6) host = "[" + host + "]";
        resolver->servers_ += host + ":" + std::to_string(n->udp_port ? n->udp_port : 53);
      }
      ares_free_data(nodes);
    }
    if (resolver->servers_.empty()) resolver->servers_ = "system";
  }
  return resolver;
}

DnsResolver::~DnsResolver() {
  shutdown();
}

void DnsResolver::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  timer_.cancel();
  if (channel_ != nullptr) {
    ares_destroy(channel_);  // calls back (fd, 0, 0) for each socket: see on_socket_state
    channel_ = nullptr;
  }
  for (auto& [fd, w] : watches_) {
    boost::system::error_code ignored;
    w->descriptor.cancel(ignored);
    w->descriptor.release();  // c-ares owns and has closed these fds
  }
  watches_.clear();
}

void DnsResolver::on_socket_state(void* data, ares_socket_t fd, int readable, int writable) {
  static_cast<DnsResolver*>(data)->watch(fd, readable != 0, writable != 0);
}

void DnsResolver::watch(ares_socket_t fd, bool readable, bool writable) {
  auto it = watches_.find(fd);
  if (!readable && !writable) {
    // c-ares is about to close the fd: stop waiting and let go without closing it.
    if (it != watches_.end()) {
      boost::system::error_code ignored;
      it->second->descriptor.cancel(ignored);
      it->second->descriptor.release();
      watches_.erase(it);
    }
    return;
  }
  if (it == watches_.end()) {
    it = watches_.emplace(fd, std::make_unique<Watch>(executor_, fd)).first;
  }
  it->second->want_read = readable;
  it->second->want_write = writable;
  arm(fd);
}

void DnsResolver::arm(ares_socket_t fd) {
  auto it = watches_.find(fd);
  if (it == watches_.end()) return;
  Watch& w = *it->second;
  // Handlers look the watch up again by fd: it may be gone by the time they run.
  if (w.want_read && !w.read_armed) {
    w.read_armed = true;
    w.descriptor.async_wait(net::posix::descriptor_base::wait_read,
                            [this, fd](boost::system::error_code ec) {
                              if (ec == net::error::operation_aborted) return;
                              auto found = watches_.find(fd);
                              if (found == watches_.end()) return;
                              found->second->read_armed = false;
                              process(fd, ARES_SOCKET_BAD);
                              arm(fd);
                            });
  }
  if (w.want_write && !w.write_armed) {
    w.write_armed = true;
    w.descriptor.async_wait(net::posix::descriptor_base::wait_write,
                            [this, fd](boost::system::error_code ec) {
                              if (ec == net::error::operation_aborted) return;
                              auto found = watches_.find(fd);
                              if (found == watches_.end()) return;
                              found->second->write_armed = false;
                              process(ARES_SOCKET_BAD, fd);
                              arm(fd);
                            });
  }
}

void DnsResolver::process(ares_socket_t read_fd, ares_socket_t write_fd) {
  if (channel_ == nullptr) return;
  ares_process_fd(channel_, read_fd, write_fd);
  reschedule();
}

void DnsResolver::reschedule() {
  if (channel_ == nullptr) return;
  timeval max{3600, 0};
  timeval tv{};
  timeval* next = ares_timeout(channel_, &max, &tv);
  if (next == nullptr) return;
  auto wait = std::chrono::seconds(next->tv_sec) + std::chrono::microseconds(next->tv_usec);
  timer_.expires_after(wait);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec == net::error::operation_aborted) return;
    process(ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  });
}

std::vector<net::ip::address> DnsResolver::hosts_file_lookup(const std::string& name,
                                                             bool v6) const {
  std::vector<net::ip::address> out;
  if (channel_ == nullptr) return out;
  hostent* host = nullptr;
  if (ares_gethostbyname_file(channel_, name.c_str(), v6 ? AF_INET6 : AF_INET, &host) !=
          ARES_SUCCESS ||
      host == nullptr) {
    return out;
  }
  for (char** entry = host->h_addr_list; entry != nullptr && *entry != nullptr; ++entry) {
    if (v6) {
      net::ip::address_v6::bytes_type bytes;
      std::memcpy(bytes.data(), *entry, bytes.size());
      out.emplace_back(net::ip::address_v6(bytes));
    } else {
      net::ip::address_v4::bytes_type bytes;
      std::memcpy(bytes.data(), *entry, bytes.size());
      out.emplace_back(net::ip::address_v4(bytes));
    }
  }
  ares_free_hostent(host);
  return out;
}

net::awaitable<DnsResolver::Answer> DnsResolver::query(std::string name, bool v6,
                                                       engine::Deadline deadline) {
  auto state = std::make_shared<QueryState>(executor_);
  state->v6 = v6;
  if (channel_ == nullptr) {
    Answer gone;
    gone.status = ARES_EDESTRUCTION;
    co_return gone;
  }
  ares_query(channel_, name.c_str(), ns_c_in, v6 ? ns_t_aaaa : ns_t_a, &on_query_done,
             new std::shared_ptr<QueryState>(state));
  reschedule();
  while (!state->answer && !deadline.is_reached()) {
    state->wake.expires_at(deadline.when());
    co_await state->wake.async_wait(use_result);
  }
  if (state->answer) co_return *state->answer;
  // The query stays in c-ares until its own timeout; its late answer lands in `state`, which
  // the callback keeps alive, and is ignored.
  Answer late;
  late.status = ARES_ETIMEOUT;
  late.timed_out = true;
  co_return late;
}

}  // namespace reachprobe::net_io
