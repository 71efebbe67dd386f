#pragma once
#include <cstddef>
#include <optional>
#include <string>

#include "engine/asio.hpp"
#include "engine/deadline.hpp"
#include "net/ssh_session.hpp"

namespace reachprobe::layers {

// One command over a fresh session channel of a logged-in SSH session: what the ssh_exec
// layer runs, and the host layer's triage script.
struct SshCommandOutcome {
  enum class End : std::uint8_t {
    exited,           // ran to completion (exit_status may still be unset: killed by a signal)
    channel_refused,  // no channel, or the exec request refused (error says libssh's text)
    open_timeout,     // the channel was never opened before the deadline
    exec_timeout,     // the exec request was never answered
    run_timeout,      // the command did not finish before the deadline
  };
  End end = End::exited;
  std::optional<int> exit_status;
  std::string output;  // stdout, at most output_limit bytes
  std::size_t stdout_bytes = 0;
  std::size_t stderr_bytes = 0;
  bool output_truncated = false;
  std::string error;
};

// Opens a channel, execs `command`, reads stdout (keeping output_limit bytes, draining the
// rest) and stderr (counted) until the exit status and EOF, or until the deadline.
net::awaitable<SshCommandOutcome> run_ssh_command(net_io::SshSession& ssh, std::string command,
                                                  std::size_t output_limit,
                                                  engine::Deadline deadline);

}  // namespace reachprobe::layers
