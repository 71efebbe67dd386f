#include "exporters/connection_table.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace reachprobe::exporters {

ConnectionTable::ConnectionTable(std::size_t max_connections, std::size_t spare_fds)
    : max_(max_connections == 0 ? 1 : max_connections), spares_wanted_(spare_fds) {
  refill_spares();
}

ConnectionTable::~ConnectionTable() {
  for (int fd : spares_) ::close(fd);
}

ConnectionTable::Handle ConnectionTable::add(net::ip::tcp::socket& socket) {
  slots_.push_back(Slot{&socket, true, std::chrono::steady_clock::now()});
  return std::prev(slots_.end());
}

void ConnectionTable::remove(Handle handle) {
  if (handle->socket == nullptr) --evicted_;
  slots_.erase(handle);
  refill_spares();
}

void ConnectionTable::set_idle(Handle handle, bool idle) {
  if (handle->socket == nullptr) return;  // evicted: it stays closed
  handle->idle = idle;
  handle->since = std::chrono::steady_clock::now();
}

bool ConnectionTable::evict_idle() {
  Handle oldest = slots_.end();
  for (auto it = slots_.begin(); it != slots_.end(); ++it) {
    if (it->idle && it->socket != nullptr &&
        (oldest == slots_.end() || it->since < oldest->since)) {
      oldest = it;
    }
  }
  if (oldest == slots_.end()) return false;
  boost::system::error_code ignored;
  // close() frees the descriptor now; the connection's pending read completes with
  // operation_aborted and its coroutine removes the slot as it ends.
  oldest->socket->close(ignored);
  oldest->socket = nullptr;
  oldest->idle = false;
  ++evicted_;
  return true;
}

bool ConnectionTable::release_spare() {
  if (spares_.empty()) return false;
  ::close(spares_.back());
  spares_.pop_back();
  return true;
}

void ConnectionTable::refill_spares() {
  while (spares_.size() < spares_wanted_) {
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;  // still short of descriptors: try again when the next one closes
    spares_.push_back(fd);
  }
}

}  // namespace reachprobe::exporters
