#pragma once
#include <chrono>
#include <cstddef>
#include <list>
#include <vector>

#include "engine/asio.hpp"

namespace reachprobe::exporters {

// The exporter's open connections, so that a full server can make room instead of refusing
// everyone or spinning on EMFILE: the longest-idle connection (waiting for a request, not
// running one) is closed to admit a new one, and a few spare descriptors, held open on
// /dev/null, are given back only to accept() when the process is out of them.
// Single-threaded, like everything on the io_context.
class ConnectionTable {
  struct Slot {
    net::ip::tcp::socket* socket;
    bool idle = true;
    std::chrono::steady_clock::time_point since;
  };

 public:
  using Handle = std::list<Slot>::iterator;

  ConnectionTable(std::size_t max_connections, std::size_t spare_fds);
  ~ConnectionTable();
  ConnectionTable(const ConnectionTable&) = delete;
  ConnectionTable& operator=(const ConnectionTable&) = delete;

  // Connections open, not counting evicted ones still unwinding.
  std::size_t size() const { return slots_.size() - evicted_; }
  std::size_t max_connections() const { return max_; }
  bool full() const { return size() >= max_; }

  Handle add(net::ip::tcp::socket& socket);
  // Also takes back the spare descriptors given away while the process was out of them.
  void remove(Handle handle);
  // Idle: waiting for (the rest of) a request or the TLS handshake; such a connection may be
  // closed to make room. Busy: a handler is running or an answer is being written.
  void set_idle(Handle handle, bool idle);

  // Closes the connection idle the longest (its coroutine then ends on operation_aborted);
  // false when every connection is busy.
  bool evict_idle();
  // Closes one spare descriptor so that the next accept() can succeed; false when none left.
  bool release_spare();

 private:
  void refill_spares();

  std::size_t max_;
  std::size_t spares_wanted_;
  std::vector<int> spares_;
  std::list<Slot> slots_;
  std::size_t evicted_ = 0;
};

}  // namespace reachprobe::exporters
