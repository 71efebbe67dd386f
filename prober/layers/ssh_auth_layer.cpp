#include "layers/layers.hpp"
#include "layers/ssh_common.hpp"

namespace reachprobe::layers {
namespace {

using engine::Reason;
using engine::SshAuthEvidence;
using engine::Status;

// libssh's SSH_AUTH_METHOD_* are unsigned bit flags; ssh_userauth_list returns them as int.
bool offers(int mask, unsigned method) {
  return (static_cast<unsigned>(mask) & method) != 0;
}

std::vector<std::string> method_names(int mask) {
  std::vector<std::string> names;
  if (offers(mask, SSH_AUTH_METHOD_PUBLICKEY)) names.emplace_back("publickey");
  if (offers(mask, SSH_AUTH_METHOD_PASSWORD)) names.emplace_back("password");
  if (offers(mask, SSH_AUTH_METHOD_INTERACTIVE)) names.emplace_back("keyboard-interactive");
  if (offers(mask, SSH_AUTH_METHOD_HOSTBASED)) names.emplace_back("hostbased");
  if (offers(mask, SSH_AUTH_METHOD_GSSAPI_MIC)) names.emplace_back("gssapi-with-mic");
  return names;
}

}  // namespace

net::awaitable<LayerResult> run_ssh_auth_layer(ProbeSession& session, Deadline deadline) {
  auto started = std::chrono::steady_clock::now();
  LayerResult result;
  result.layer = engine::Layer::ssh_auth;
  deadline = phase_deadline(deadline, session.options.ssh.auth_timeout);
  auto& ssh = *session.ssh;
  ssh_session h = ssh.handle();
  const auto& spec = session.options.ssh;
  SshAuthEvidence evidence;
  evidence.user = session.ssh_user();
  auto finish = [&](Status status, Reason reason, std::string detail) {
    result.status = status;
    result.reason = reason;
    result.detail = std::move(detail);
    result.duration = std::chrono::steady_clock::now() - started;
    result.evidence = evidence;
    session.ssh_auth_duration = result.duration;
  };

  // "none" first: it returns the methods the server offers for this user.
  // Named, not inline: no capturing lambda inside a co_await expression (STYLE R15d).
  auto none_call = [h] { return ssh_userauth_none(h, nullptr); };
  auto none = co_await until_answered(ssh, deadline, SSH_AUTH_AGAIN, none_call);
  if (!none) {
    finish(Status::fail, Reason::timeout, "the server never answered the first auth request");
    co_return result;
  }
  if (*none == SSH_AUTH_SUCCESS) {
    evidence.method = "none";
    finish(Status::ok, Reason::none, "the server accepts this user without authentication");
    co_return result;
  }
  int offered = ssh_userauth_list(h, nullptr);
  evidence.methods = method_names(offered);

  bool tried = false;
  std::string last_detail;
  if (spec.key_file && offers(offered, SSH_AUTH_METHOD_PUBLICKEY)) {
    tried = true;
    evidence.method = "publickey";
    // The key was imported (and decrypted) once at config load or flag parsing; this probe only
    // signs with it. Holding the shared_ptr keeps it alive across a reload mid-probe.
    std::shared_ptr<const targets::PrivateKey> key = spec.key;
    if (!key) {
      last_detail = "private key " + *spec.key_file + " did not exist when the config was loaded";
    } else {
      ssh_key raw = key->handle();
      // Named, not inline: no capturing lambda inside a co_await expression (STYLE R15d).
      auto rc_call = [h, raw] { return ssh_userauth_publickey(h, nullptr, raw); };
      auto rc = co_await until_answered(ssh, deadline, SSH_AUTH_AGAIN, rc_call);
      if (!rc) {
        finish(Status::fail, Reason::timeout, "the server never answered the public key request");
        co_return result;
      }
      if (*rc == SSH_AUTH_SUCCESS) {
        finish(Status::ok, Reason::none, "");
        co_return result;
      }
      last_detail = *rc == SSH_AUTH_PARTIAL ? "key accepted, but the server wants more methods"
                                            : "the server refused the key";
      if (*rc == SSH_AUTH_ERROR) last_detail = ssh.error();
    }
  }
  if (spec.password && offers(offered, SSH_AUTH_METHOD_PASSWORD)) {
    tried = true;
    evidence.method = "password";
    const std::string& password = spec.password->reveal();
    // Named, not inline: no capturing lambda inside a co_await expression (STYLE R15d).
    auto rc_call = [h, &password] { return ssh_userauth_password(h, nullptr, password.c_str()); };
    auto rc = co_await until_answered(ssh, deadline, SSH_AUTH_AGAIN, rc_call);
    if (!rc) {
      finish(Status::fail, Reason::timeout, "the server never answered the password request");
      co_return result;
    }
    if (*rc == SSH_AUTH_SUCCESS) {
      finish(Status::ok, Reason::none, "");
      co_return result;
    }
    last_detail = *rc == SSH_AUTH_ERROR ? ssh.error() : "the server refused the password";
  }
  if (!tried) {
    finish(Status::fail, Reason::no_method,
           "the server offers no method reachprobe has credentials for");
    co_return result;
  }
  finish(Status::fail, Reason::denied, last_detail);
  co_return result;
}

}  // namespace reachprobe::layers
