#pragma once
#include <libssh/libssh.h>

#include <optional>
#include <string>

#include "engine/asio.hpp"
#include "engine/deadline.hpp"

namespace reachprobe::net_io {

// One libssh client session in non-blocking mode on a TCP connection we opened ourselves
// (so TCP connect time is our own measurement). libssh never closes an fd handed to it with
// SSH_OPTIONS_FD, so this object owns the fd and closes it after ssh_free; the descriptor
// lets the io_context wait on it in the direction libssh asks for.
class SshSession {
 public:
  SshSession(net::any_io_executor executor, net::ip::tcp::socket connection);
  ~SshSession();
  SshSession(const SshSession&) = delete;
  SshSession& operator=(const SshSession&) = delete;

  ssh_session handle() const { return session_; }
  int fd() const { return fd_; }
  std::string error() const { return session_ ? ssh_get_error(session_) : "no session"; }

  // Waits until the socket is ready in the direction libssh wants, at most a short slice
  // (libssh may hold buffered data the socket no longer shows), or until the deadline.
  // Returns false once the deadline has passed.
  net::awaitable<bool> wait(engine::Deadline deadline);

  // Bytes waiting on the socket, without consuming them; empty on EAGAIN, nullopt on EOF.
  std::optional<std::string> peek(std::size_t max_bytes) const;

  // One non-blocking ssh_connect() step, unless the handshake already ended. The banner and
  // handshake layers share this state: one libssh call may read the banner and fail the key
  // exchange at once.
  int step_connect();
  int connect_state() const { return connect_rc_; }

 private:
  ssh_session session_ = nullptr;
  int fd_ = -1;
  int connect_rc_ = SSH_AGAIN;
  net::posix::stream_descriptor descriptor_;
};

// Private keys are imported once per config load by targets::PrivateKey (never per probe).

}  // namespace reachprobe::net_io
