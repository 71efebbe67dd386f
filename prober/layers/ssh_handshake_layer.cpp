#include "layers/layers.hpp"
#include "layers/ssh_common.hpp"

namespace reachprobe::layers {
namespace {

using engine::Reason;
using engine::SshHandshakeEvidence;
using engine::Status;

void describe_host_key(ssh_session h, SshHandshakeEvidence& evidence) {
  if (const char* kex = ssh_get_kex_algo(h)) evidence.kex = kex;
  if (const char* cipher = ssh_get_cipher_out(h)) evidence.cipher = cipher;
  ssh_key key = nullptr;
  if (ssh_get_server_publickey(h, &key) != SSH_OK) return;
  if (const char* type = ssh_key_type_to_char(ssh_key_type(key))) evidence.hostkey_type = type;
  unsigned char* hash = nullptr;
  size_t hash_len = 0;
  if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hash_len) == 0) {
    if (char* fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hash_len)) {
      evidence.fingerprint_sha256 = fp;
      ssh_string_free_char(fp);
    }
    ssh_clean_pubkey_hash(&hash);
  }
  ssh_key_free(key);
}

}  // namespace

net::awaitable<LayerResult> run_ssh_handshake_layer(ProbeSession& session, Deadline deadline) {
  auto started = std::chrono::steady_clock::now();
  LayerResult result;
  result.layer = engine::Layer::ssh_handshake;
  deadline = phase_deadline(deadline, session.options.ssh.handshake_timeout);
  auto& ssh = *session.ssh;
  SshHandshakeEvidence evidence;
  evidence.hostkey_check = "not_checked";

  bool timed_out = false;
  while (ssh.step_connect() == SSH_AGAIN) {
    if (!co_await ssh.wait(deadline)) {
      timed_out = true;
      break;
    }
  }
  result.duration = std::chrono::steady_clock::now() - started;
  if (timed_out) {
    result.status = Status::fail;
    result.reason = Reason::timeout;
    result.detail = "key exchange not finished";
  } else if (ssh.connect_state() == SSH_ERROR) {
    // libssh names the algorithm lists when nothing is shared ("kex error : no match for
    // method ..."); a disconnect mid-exchange ends here too.
    result.status = Status::fail;
    result.reason = Reason::failed;
    result.detail = ssh.error();
  } else {
    describe_host_key(ssh.handle(), evidence);
    result.status = Status::ok;
    if (session.options.ssh.known_hosts) {
      switch (ssh_session_is_known_server(ssh.handle())) {
        case SSH_KNOWN_HOSTS_OK:
          evidence.hostkey_check = "verified";
          break;
        case SSH_KNOWN_HOSTS_CHANGED:
        case SSH_KNOWN_HOSTS_OTHER:
          evidence.hostkey_check = "mismatch";
          result.status = Status::fail;
          result.reason = Reason::hostkey_mismatch;
          result.detail = "the " + evidence.hostkey_type + " host key " +
                          evidence.fingerprint_sha256 + " is not the one in " +
                          *session.options.ssh.known_hosts;
          break;
        case SSH_KNOWN_HOSTS_UNKNOWN:
        case SSH_KNOWN_HOSTS_NOT_FOUND:
          // Unverified rather than wrong: said in the report, not failed.
          evidence.hostkey_check = "not_in_known_hosts";
          result.detail = "host key not listed in " + *session.options.ssh.known_hosts;
          break;
        case SSH_KNOWN_HOSTS_ERROR:
          evidence.hostkey_check = "error";
          result.detail = "known_hosts check failed: " + ssh.error();
          break;
      }
    }
  }
  result.evidence = std::move(evidence);
  co_return result;
}

}  // namespace reachprobe::layers
