#include <array>

#include "layers/layers.hpp"
#include "layers/ssh_common.hpp"
#include "targets/pattern.hpp"

namespace reachprobe::layers {
namespace {

using engine::Reason;
using engine::SshExecEvidence;
using engine::Status;

// Frees the channel however the layer ends; the close is best effort in non-blocking mode.
struct ChannelGuard {
  ssh_channel channel;
  ~ChannelGuard() {
    if (channel == nullptr) return;
    if (ssh_channel_is_open(channel) != 0) ssh_channel_close(channel);
    ssh_channel_free(channel);
  }
};

// Go's regexp.Match on stdout without its final line break (so `^ok$` matches "ok\n"); use
// (?m) for line anchors in longer output. Compiled when the config or flag was read.
bool output_matches(const targets::Pattern& pattern, std::string output) {
  if (!output.empty() && output.back() == '\n') output.pop_back();
  if (!output.empty() && output.back() == '\r') output.pop_back();
  return pattern.search(output);
}

}  // namespace

net::awaitable<LayerResult> run_ssh_exec_layer(ProbeSession& session, Deadline deadline) {
  auto started = std::chrono::steady_clock::now();
  LayerResult result;
  result.layer = engine::Layer::ssh_exec;
  deadline = phase_deadline(deadline, session.options.ssh.exec_timeout);
  auto& ssh = *session.ssh;
  const auto& spec = session.options.ssh;
  SshExecEvidence evidence;
  evidence.command = spec.effective_command();
  auto finish = [&](Status status, Reason reason, std::string detail) {
    result.status = status;
    result.reason = reason;
    result.detail = std::move(detail);
    result.duration = std::chrono::steady_clock::now() - started;
    result.evidence = evidence;
  };

  ChannelGuard guard{ssh_channel_new(ssh.handle())};
  ssh_channel ch = guard.channel;
  if (ch == nullptr) {
    finish(Status::fail, Reason::channel_refused, ssh.error());
    co_return result;
  }
  // Named, not inline: no capturing lambda inside a co_await expression (STYLE R15d).
  auto opened_call = [ch] { return ssh_channel_open_session(ch); };
  auto opened = co_await until_answered(ssh, deadline, SSH_AGAIN, opened_call);
  if (!opened) {
    finish(Status::fail, Reason::timeout, "the session channel was never opened");
    co_return result;
  }
  if (*opened != SSH_OK) {
    finish(Status::fail, Reason::channel_refused, ssh.error());
    co_return result;
  }
  const std::string& command = evidence.command;
  // Named, not inline: no capturing lambda inside a co_await expression (STYLE R15d).
  auto started_exec_call = [ch, &command] { return ssh_channel_request_exec(ch, command.c_str()); };
  auto started_exec = co_await until_answered(ssh, deadline, SSH_AGAIN, started_exec_call);
  if (!started_exec) {
    finish(Status::fail, Reason::timeout, "the exec request was never answered");
    co_return result;
  }
  if (*started_exec != SSH_OK) {
    finish(Status::fail, Reason::channel_refused, ssh.error());
    co_return result;
  }

  std::string output;
  std::array<char, 4096> buffer{};
  for (;;) {
    for (int is_stderr : {0, 1}) {
      for (;;) {
        int n = ssh_channel_read_nonblocking(ch, buffer.data(), buffer.size(), is_stderr);
        if (n <= 0) break;
        auto bytes = static_cast<std::size_t>(n);
        if (is_stderr != 0) {
          evidence.stderr_bytes += bytes;
          continue;
        }
        evidence.stdout_bytes += bytes;
        std::size_t room =
            spec.output_limit > output.size() ? spec.output_limit - output.size() : 0;
        output.append(buffer.data(), std::min(room, bytes));
        evidence.output_truncated = evidence.output_truncated || bytes > room;
      }
    }
    int status = ssh_channel_get_exit_status(ch);
    if (status != -1) evidence.exit_status = status;
    // The exit status arrives before EOF/close; a closed channel without one was killed.
    if ((evidence.exit_status && ssh_channel_is_eof(ch) != 0) || ssh_channel_is_closed(ch) != 0) {
      break;
    }
    if (!co_await ssh.wait(deadline)) {
      finish(Status::fail, Reason::timeout,
             "\"" + command + "\" did not finish (the session or the command hung)");
      co_return result;
    }
  }
  if (!evidence.exit_status) {
    finish(Status::fail, Reason::exit_status, "the command ended without an exit status (signal?)");
  } else if (*evidence.exit_status != 0) {
    finish(Status::fail, Reason::exit_status,
           "\"" + command + "\" exited with status " + std::to_string(*evidence.exit_status));
  } else if (spec.expect && !output_matches(*spec.expect, output)) {
    finish(Status::fail, Reason::output_mismatch,
           "stdout (" + std::to_string(evidence.stdout_bytes) + " bytes) does not match " +
               spec.expect->text());
  } else {
    finish(Status::ok, Reason::none, "");
  }
  co_return result;
}

}  // namespace reachprobe::layers
