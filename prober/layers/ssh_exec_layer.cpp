#include "layers/layers.hpp"
#include "layers/ssh_command.hpp"
#include "layers/ssh_common.hpp"
#include "targets/pattern.hpp"

namespace reachprobe::layers {
namespace {

using engine::Reason;
using engine::SshExecEvidence;
using engine::Status;

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

  const std::string& command = evidence.command;
  auto run = co_await run_ssh_command(ssh, command, spec.output_limit, deadline);
  evidence.exit_status = run.exit_status;
  evidence.stdout_bytes = run.stdout_bytes;
  evidence.stderr_bytes = run.stderr_bytes;
  evidence.output_truncated = run.output_truncated;
  using End = SshCommandOutcome::End;
  switch (run.end) {
    case End::channel_refused:
      finish(Status::fail, Reason::channel_refused, run.error);
      co_return result;
    case End::open_timeout:
      finish(Status::fail, Reason::timeout, "the session channel was never opened");
      co_return result;
    case End::exec_timeout:
      finish(Status::fail, Reason::timeout, "the exec request was never answered");
      co_return result;
    case End::run_timeout:
      finish(Status::fail, Reason::timeout,
             "\"" + command + "\" did not finish (the session or the command hung)");
      co_return result;
    case End::exited:
      break;
  }
  if (!evidence.exit_status) {
    finish(Status::fail, Reason::exit_status, "the command ended without an exit status (signal?)");
  } else if (*evidence.exit_status != 0) {
    finish(Status::fail, Reason::exit_status,
           "\"" + command + "\" exited with status " + std::to_string(*evidence.exit_status));
  } else if (spec.expect && !output_matches(*spec.expect, run.output)) {
    finish(Status::fail, Reason::output_mismatch,
           "stdout (" + std::to_string(evidence.stdout_bytes) + " bytes) does not match " +
               spec.expect->text());
  } else {
    finish(Status::ok, Reason::none, "");
  }
  co_return result;
}

}  // namespace reachprobe::layers
