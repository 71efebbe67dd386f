#include "layers/ssh_command.hpp"

#include <array>

#include "layers/ssh_common.hpp"

namespace reachprobe::layers {
namespace {

using End = SshCommandOutcome::End;

// Frees the channel however the command ends; the close is best effort in non-blocking mode.
struct ChannelGuard {
  ssh_channel channel;
  ~ChannelGuard() {
    if (channel == nullptr) return;
    if (ssh_channel_is_open(channel) != 0) ssh_channel_close(channel);
    ssh_channel_free(channel);
  }
};

// Everything readable now, stdout kept up to the limit, stderr only counted.
void drain(ssh_channel ch, std::size_t output_limit, SshCommandOutcome& out) {
  std::array<char, 4096> buffer{};
  for (int is_stderr : {0, 1}) {
    for (;;) {
      int n = ssh_channel_read_nonblocking(ch, buffer.data(), buffer.size(), is_stderr);
      if (n <= 0) break;
      auto bytes = static_cast<std::size_t>(n);
      if (is_stderr != 0) {
        out.stderr_bytes += bytes;
        continue;
      }
      out.stdout_bytes += bytes;
      std::size_t room = output_limit > out.output.size() ? output_limit - out.output.size() : 0;
      out.output.append(buffer.data(), std::min(room, bytes));
      out.output_truncated = out.output_truncated || bytes > room;
    }
  }
}

}  // namespace

net::awaitable<SshCommandOutcome> run_ssh_command(net_io::SshSession& ssh, std::string command,
                                                  std::size_t output_limit,
                                                  engine::Deadline deadline) {
  SshCommandOutcome out;
  ChannelGuard guard{ssh_channel_new(ssh.handle())};
  ssh_channel ch = guard.channel;
  if (ch == nullptr) {
    out.end = End::channel_refused;
    out.error = ssh.error();
    co_return out;
  }
  // Named, not inline: no capturing lambda inside a co_await expression (STYLE R15d).
  auto opened_call = [ch] { return ssh_channel_open_session(ch); };
  auto opened = co_await until_answered(ssh, deadline, SSH_AGAIN, opened_call);
  if (!opened || *opened != SSH_OK) {
    out.end = opened ? End::channel_refused : End::open_timeout;
    out.error = ssh.error();
    co_return out;
  }
  auto exec_call = [ch, &command] { return ssh_channel_request_exec(ch, command.c_str()); };
  auto started = co_await until_answered(ssh, deadline, SSH_AGAIN, exec_call);
  if (!started || *started != SSH_OK) {
    out.end = started ? End::channel_refused : End::exec_timeout;
    out.error = ssh.error();
    co_return out;
  }
  for (;;) {
    drain(ch, output_limit, out);
    int status = ssh_channel_get_exit_status(ch);
    if (status != -1) out.exit_status = status;
    // The exit status arrives before EOF/close; a closed channel without one was killed.
    if ((out.exit_status && ssh_channel_is_eof(ch) != 0) || ssh_channel_is_closed(ch) != 0) break;
    if (!co_await ssh.wait(deadline)) {
      drain(ch, output_limit, out);
      out.end = End::run_timeout;
      co_return out;
    }
  }
  co_return out;
}

}  // namespace reachprobe::layers
