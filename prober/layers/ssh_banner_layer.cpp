#include <algorithm>
#include <cctype>

#include "layers/layers.hpp"
#include "layers/ssh_common.hpp"
#include "net/ssh_banner.hpp"

namespace reachprobe::layers {
namespace {

using engine::Reason;
using engine::SshBannerEvidence;
using engine::Status;

// Bytes seen on the socket before libssh consumes them. Peeks are merged on the assumption
// that libssh reads everything it is offered, which holds for banners (well under its 4 KiB
// read); at worst a pre-banner line is reported twice.
class BannerWatch {
 public:
  void add_peek(const std::string& bytes) {
    if (bytes.rfind(pending_, 0) != 0) consumed_ += pending_;
    pending_ = bytes;
  }
  std::string seen() const { return (consumed_ + pending_).substr(0, kMaxSeen); }

 private:
  static constexpr std::size_t kMaxSeen = 4096;
  std::string consumed_;
  std::string pending_;
};

}  // namespace

net::awaitable<LayerResult> run_ssh_banner_layer(ProbeSession& session, Deadline deadline) {
  auto started = std::chrono::steady_clock::now();
  LayerResult result;
  result.layer = engine::Layer::ssh_banner;
  if (!session.connection) {
    result.status = Status::skipped;
    result.detail = "no TCP connection";
    co_return result;
  }
  deadline = phase_deadline(deadline, session.options.ssh.banner_timeout);
  session.ssh = std::make_unique<net_io::SshSession>(session.services.executor,
                                                     std::move(*session.connection));
  session.connection.reset();
  auto& ssh = *session.ssh;
  configure_ssh(session);

  SshBannerEvidence evidence;
  BannerWatch watch;
  using net_io::BannerVerdict;
  using net_io::judge_banner;
  BannerVerdict verdict = BannerVerdict::waiting;
  bool closed = false;
  for (;;) {
    if (auto bytes = ssh.peek(4096))
      watch.add_peek(*bytes);
    else
      closed = true;
    verdict = judge_banner(watch.seen(), evidence);
    if (verdict != BannerVerdict::waiting) break;
    if (const char* banner = ssh_get_serverbanner(ssh.handle()); banner != nullptr) {
      verdict = judge_banner(std::string(banner) + "\n", evidence);
      break;
    }
    if (closed) break;
    // libssh sends our identification line first (RFC 4253 allows it), so a server that
    // waits for the client, like HTTP, answers something and is caught as not_ssh.
    if (ssh.step_connect() == SSH_ERROR) {
      if (auto bytes = ssh.peek(4096)) watch.add_peek(*bytes);
      if (const char* banner = ssh_get_serverbanner(ssh.handle()); banner != nullptr) {
        verdict = judge_banner(std::string(banner) + "\n", evidence);
      } else {
        verdict = judge_banner(watch.seen(), evidence);
      }
      closed = verdict == BannerVerdict::waiting;
      break;
    }
    if (!co_await ssh.wait(deadline)) break;
  }
  result.duration = std::chrono::steady_clock::now() - started;
  switch (verdict) {
    case BannerVerdict::banner:
      result.status = Status::ok;
      break;
    case BannerVerdict::not_ssh:
      result.status = Status::fail;
      result.reason = Reason::not_ssh;
      result.detail = "the peer said \"" + evidence.first_line + "\"";
      break;
    case BannerVerdict::waiting:
      result.status = Status::fail;
      if (!evidence.first_line.empty()) {
        result.reason = Reason::not_ssh;
        result.detail = "the peer said \"" + evidence.first_line + "\" and no SSH identification";
      } else if (closed) {
        result.reason = Reason::closed;
        result.detail = "the server closed the connection before sending an identification line";
      } else {
        result.reason = Reason::timeout;
      }
      break;
  }
  result.evidence = std::move(evidence);
  co_return result;
}

}  // namespace reachprobe::layers
