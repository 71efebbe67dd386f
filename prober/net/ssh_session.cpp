#include "net/ssh_session.hpp"

#include <sys/socket.h>

#include <array>
#include <chrono>

namespace reachprobe::net_io {

using namespace net::experimental::awaitable_operators;

namespace {

void ensure_libssh() {
  static const int status = ssh_init();
  (void)status;
}

}  // namespace

SshSession::SshSession(net::any_io_executor executor, net::ip::tcp::socket connection)
    : descriptor_(executor) {
  ensure_libssh();
  // Asio must give up the fd: one fd cannot be registered with the reactor twice.
  fd_ = connection.release();
  descriptor_.assign(fd_);
  session_ = ssh_new();
}

SshSession::~SshSession() {
  if (session_ != nullptr) {
    // Polite: a non-blocking disconnect sends SSH_MSG_DISCONNECT when the session is up.
    if (ssh_is_connected(session_) != 0) ssh_disconnect(session_);
    ssh_free(session_);
  }
  boost::system::error_code ignored;
  descriptor_.close(ignored);  // closes fd_, which libssh never closes (SSH_OPTIONS_FD)
}

net::awaitable<bool> SshSession::wait(engine::Deadline deadline) {
  if (deadline.is_reached()) co_return false;
  auto executor = co_await net::this_coro::executor;
  net::steady_timer timer(executor);
  timer.expires_at(
      std::min(deadline.when(), std::chrono::steady_clock::now() + std::chrono::milliseconds(100)));
  int flags = session_ != nullptr ? ssh_get_poll_flags(session_) : 0;
  auto direction = (flags & SSH_WRITE_PENDING) != 0 ? net::posix::descriptor_base::wait_write
                                                    : net::posix::descriptor_base::wait_read;
  co_await (descriptor_.async_wait(direction, use_result) || timer.async_wait(use_result));
  co_return !deadline.is_reached();
}

std::optional<std::string> SshSession::peek(std::size_t max_bytes) const {
  std::string buffer(max_bytes, '\0');
  ssize_t n = recv(fd_, buffer.data(), buffer.size(), MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return std::nullopt;
  if (n < 0) return std::string();
  buffer.resize(static_cast<std::size_t>(n));
  return buffer;
}

int SshSession::step_connect() {
  if (connect_rc_ == SSH_AGAIN) connect_rc_ = ssh_connect(session_);
  return connect_rc_;
}

}  // namespace reachprobe::net_io
