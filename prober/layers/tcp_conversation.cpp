#include "layers/tcp_conversation.hpp"

#include <cctype>

#include "layers/tls_common.hpp"
#include "net/conversation_stream.hpp"
#include "net/ssh_banner.hpp"
#include "targets/pattern.hpp"

namespace reachprobe::layers {
namespace {

using engine::Layer;
using engine::Reason;
using engine::Status;
using net_io::ConversationStream;

constexpr std::size_t kTranscriptLines = 20;
constexpr std::size_t kTranscriptWidth = 200;

// A peer's bytes as reports can carry them: printable ASCII, the rest as "?", bounded. Reports
// are JSON, and one stray byte of a Latin-1 banner must not break them.
std::string printable(const std::string& line) {
  std::string out = line.substr(0, kTranscriptWidth);
  for (auto& c : out) {
    if (std::isprint(static_cast<unsigned char>(c)) == 0) c = '?';
  }
  return out;
}

// What was sent, as the transcript shows it: the first word only, since the rest may be a
// credential (SMTP AUTH, Redis AUTH). A tab separates words too ("AUTH\thunter2").
std::string sent_summary(const std::string& line) {
  auto space = line.find_first_of(" \t");
  if (space == std::string::npos) return printable(line);
  return printable(line.substr(0, space)) + " ... (" + std::to_string(line.size()) + " bytes)";
}

void note(engine::TcpEvidence& evidence, const std::string& line) {
  if (evidence.transcript.size() < kTranscriptLines) evidence.transcript.push_back(line);
}

// The tls layer's result for a handshake on the conversation's connection.
LayerResult tls_result(const net_io::TlsHandshakeOutcome& outcome, bool insecure) {
  LayerResult result;
  result.layer = Layer::tls;
  result.duration = outcome.elapsed;
  bool done = outcome.error.empty() && !outcome.timed_out;
  result.evidence = tls_evidence(outcome.facts, done, insecure);
  if (done) {
    result.status = Status::ok;
    if (insecure) result.detail = "certificate not verified (insecure_skip_verify)";
  } else {
    result.status = Status::fail;
    result.reason = handshake_failure_reason(outcome, result.detail);
  }
  return result;
}

// The first expect of an SSH banner check, judged as the ssh_banner layer would.
LayerResult banner_result(const std::vector<std::string>& lines, ConversationStream::LineStatus end,
                          bool matched, std::chrono::nanoseconds took) {
  LayerResult result;
  result.layer = Layer::ssh_banner;
  result.duration = took;
  engine::SshBannerEvidence evidence;
  std::string seen;
  for (const auto& line : lines) seen += line + "\n";
  net_io::judge_banner(seen, evidence);
  if (matched) {
    result.status = Status::ok;
  } else {
    result.status = Status::fail;
    using LineStatus = ConversationStream::LineStatus;
    if (end == LineStatus::timeout)
      result.reason = lines.empty() ? Reason::timeout : Reason::not_ssh;
    else
      result.reason = lines.empty() ? Reason::closed : Reason::not_ssh;
    if (evidence.first_line.empty() && !lines.empty()) evidence.first_line = lines.front();
  }
  result.evidence = std::move(evidence);
  return result;
}

struct Conversation {
  ProbeSession& session;
  const targets::TcpModuleSpec& spec;
  ConversationStream stream;
  engine::TcpEvidence& evidence;
  LayerResult& tcp_result;
  Deadline deadline;

  void fail(Reason reason, std::string detail) {
    tcp_result.status = Status::fail;
    tcp_result.reason = reason;
    tcp_result.detail = std::move(detail);
  }
};

// Reads lines until one matches; returns the match groups, or nullopt after failing the
// conversation (or the ssh_banner layer) with what was seen.
net::awaitable<std::optional<std::vector<std::string>>> expect_line(Conversation& c,
                                                                    const targets::Pattern& pattern,
                                                                    bool as_banner) {
  using LineStatus = ConversationStream::LineStatus;
  auto started = std::chrono::steady_clock::now();
  std::vector<std::string> lines;
  for (;;) {
    auto line = co_await c.stream.read_line(c.deadline);
    if (line.status == LineStatus::line) {
      note(c.evidence, "< " + printable(line.text));
      c.evidence.last_line = printable(line.text);
      if (lines.size() < kTranscriptLines) lines.push_back(line.text);
      if (auto groups = pattern.groups(line.text)) {
        if (as_banner) {
          c.session.finished[Layer::ssh_banner] = banner_result(
              {line.text}, line.status, true, std::chrono::steady_clock::now() - started);
        }
        co_return groups;
      }
      continue;
    }
    c.evidence.expect = pattern.text();
    if (line.status == LineStatus::eof) c.evidence.failed_due_to_regex = true;
    if (line.status == LineStatus::timeout) c.evidence.conversation_timed_out = true;
    if (as_banner) {
      c.session.finished[Layer::ssh_banner] =
          banner_result(lines, line.status, false, std::chrono::steady_clock::now() - started);
      co_return std::nullopt;
    }
    switch (line.status) {
      case LineStatus::timeout:
        c.fail(Reason::timeout, "no line matching \"" + pattern.text() + "\" before the deadline");
        break;
      case LineStatus::too_long:
        c.fail(Reason::refused,
               "a line longer than 64 KiB without a match for \"" + pattern.text() + "\"");
        break;
      case LineStatus::error:
        c.fail(Reason::refused, "reading failed (" + line.error + ") before a line matching \"" +
                                    pattern.text() + "\"");
        break;
      default:
        c.fail(Reason::refused, "the server closed the connection without a line matching \"" +
                                    pattern.text() + "\"");
        break;
    }
    co_return std::nullopt;
  }
}

net::awaitable<bool> start_tls(Conversation& c, bool from_connect) {
  if (!from_connect) note(c.evidence, "starttls");
  auto outcome = co_await c.stream.start_tls(c.spec.tls_config, c.session.target.host, c.deadline);
  auto result = tls_result(outcome, c.spec.tls_config.insecure_skip_verify);
  bool ok = result.status == Status::ok;
  c.session.finished[Layer::tls] = std::move(result);
  co_return ok;
}

net::awaitable<void> converse(Conversation& c) {
  if (c.spec.tls && !co_await start_tls(c, true)) co_return;
  bool banner_check = c.spec.expects_ssh_banner();
  for (std::size_t i = 0; i < c.spec.query_response.size(); ++i) {
    const auto& step = c.spec.query_response[i];
    std::vector<std::string> groups;
    if (!step.expect.text().empty()) {
      // Compiled by the config loader, once per load.
      auto matched = co_await expect_line(c, step.expect, banner_check && i == 0);
      if (!matched) co_return;
      groups = std::move(*matched);
    }
    if (!step.send.empty()) {
      // As blackbox: `${1}` refers to the step's own expect; without one the text goes as is.
      std::string line =
          step.expect.text().empty()
              ? step.send
              : targets::expand_template(step.send, groups, step.expect.group_names());
      note(c.evidence, "> " + sent_summary(line));
      auto written = co_await c.stream.write(line + "\n", c.deadline);
      if (!written.ok) {
        c.evidence.conversation_timed_out = written.timed_out;
        c.fail(written.timed_out ? Reason::timeout : Reason::refused,
               "sending \"" + sent_summary(line) + "\" failed: " + written.error);
        co_return;
      }
    }
    if (step.starttls && !co_await start_tls(c, false)) co_return;
  }
}

}  // namespace

net::awaitable<void> run_tcp_conversation(ProbeSession& session, net::ip::tcp::socket socket,
                                          Deadline deadline, LayerResult& tcp_result) {
  auto* evidence = std::get_if<engine::TcpEvidence>(&tcp_result.evidence);
  Conversation c{session,
                 *session.options.tcp_conversation,
                 ConversationStream(std::move(socket)),
                 *evidence,
                 tcp_result,
                 deadline};
  co_await converse(c);
  c.stream.close();
  // Layers the conversation never reached are reported as such, never run on their own (the
  // tls layer of an https target would otherwise start a transfer here).
  for (auto layer : {Layer::tls, Layer::ssh_banner}) {
    if (session.plan.find(layer) && !session.finished.contains(layer)) {
      session.finished[layer] =
          LayerResult::skipped(layer, "the conversation ended before this step");
    }
  }
}

}  // namespace reachprobe::layers
