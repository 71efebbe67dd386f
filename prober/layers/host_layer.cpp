#include <chrono>
#include <cstdio>
#include <random>

#include "host/triage_assessment.hpp"
#include "host/triage_parser.hpp"
#include "host/triage_script.hpp"
#include "layers/layers.hpp"
#include "layers/ssh_command.hpp"
#include "layers/ssh_common.hpp"

namespace reachprobe::layers {
namespace {

using engine::HostEvidence;
using engine::Reason;
using engine::Status;
using End = SshCommandOutcome::End;

// More than the script prints on a busy host (~20 KB); a flood beyond it is drained, not kept.
constexpr std::size_t kTriageOutputLimit = 256 * 1024;

// 64 random bits in hex: the markers' nonce (not a secret, only unguessable by the target).
std::string random_nonce() {
  std::random_device random;
  char text[17];
  std::snprintf(text, sizeof text, "%08x%08x", random(), random());
  return text;
}

std::string ended_text(const SshCommandOutcome& run) {
  switch (run.end) {
    case End::channel_refused:
      return "the triage was refused (" + run.error + ")";
    case End::open_timeout:
      return "the triage's session channel was never opened";
    case End::exec_timeout:
      return "the triage's exec request was never answered";
    case End::run_timeout:
      return "the triage did not finish before the deadline";
    case End::exited:
      break;
  }
  return "";
}

// Findings warn; one the module lists in fail_on fails. A triage that hung or was refused is
// host/timeout (after any finding it did bring back); one that ended without its end marker
// (a shell that is not sh, a script killed) was not measured.
void judge(const HostEvidence& e, const SshCommandOutcome& run, const targets::HostTriageSpec& spec,
           LayerResult& result) {
  std::vector<Reason> candidates;
  for (const auto& f : e.findings) candidates.push_back(f.reason);
  if (e.timed_out) candidates.push_back(Reason::timeout);
  std::string detail = host::findings_text(e);
  std::string ended = ended_text(run);
  if (!ended.empty()) detail += (detail.empty() ? "" : "; ") + ended;
  if (!e.timed_out && !e.complete) {
    std::string why = e.output_truncated
                          ? "its output was cut at " + std::to_string(kTriageOutputLimit / 1024) +
                                " KiB or " + std::to_string(host::kMaxTriageLines) + " lines"
                          : "the triage script ended without its end marker (" +
                                (run.exit_status ? "exit status " + std::to_string(*run.exit_status)
                                                 : std::string("no exit status")) +
                                "; is the login shell POSIX sh?)";
    detail += std::string(detail.empty() ? "" : "; ") + "not measured: " + why;
  }
  result.detail = detail;
  for (Reason r : candidates) {
    if (spec.fails_on(engine::to_string(r))) {
      result.status = Status::fail;
      result.reason = r;
      return;
    }
  }
  if (!candidates.empty()) {
    result.status = Status::warn;
    result.reason = candidates.front();
  } else {
    result.status = e.complete ? Status::ok : Status::skipped;
  }
}

}  // namespace

net::awaitable<LayerResult> run_host_layer(ProbeSession& session, Deadline deadline) {
  auto started = std::chrono::steady_clock::now();
  LayerResult result;
  result.layer = engine::Layer::host;
  const auto& spec = session.options.ssh.triage;
  deadline = phase_deadline(deadline, spec.timeout);
  std::string client, server, via;
  if (const auto& subject = session.options.triage_subject) {
    client = subject->client;
    server = subject->server;
    via = subject->via;
  }
  const std::string nonce = random_nonce();
  auto run = co_await run_ssh_command(*session.ssh, host::triage_command(client, server, nonce),
                                      kTriageOutputLimit, deadline);
  HostEvidence evidence = host::parse_triage_output(run.output, nonce);
  evidence.via = via;
  evidence.timed_out = run.end != End::exited;
  evidence.output_bytes = run.stdout_bytes;
  evidence.output_truncated = evidence.output_truncated || run.output_truncated;
  result.duration = std::chrono::steady_clock::now() - started;
  evidence.triage_seconds = std::chrono::duration<double>(result.duration).count();
  // The server's own time to authenticate: the layer's time less the three round trips
  // (none, the key offer, the signature) on the wire, each about one TCP connect.
  if (session.ssh_auth_duration.count() > 0) {
    auto wire = 3 * session.tcp_duration;
    auto server_time = session.ssh_auth_duration > wire ? session.ssh_auth_duration - wire
                                                        : std::chrono::nanoseconds(0);
    evidence.auth_seconds = std::chrono::duration<double>(server_time).count();
  }
  host::assess(evidence, spec);
  judge(evidence, run, spec, result);
  result.evidence = std::move(evidence);
  co_return result;
}

}  // namespace reachprobe::layers
