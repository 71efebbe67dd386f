#pragma once
#include <memory>
#include <optional>
#include <string>

#include "targets/expected.hpp"
#include "targets/secret.hpp"

struct ssh_key_struct;  // libssh's key; only private_key.cpp and the ssh layers see inside

namespace reachprobe::targets {

// An SSH private key, imported (and decrypted) once per config load or `check` run and shared,
// read-only, by every probe of that load: decrypting an encrypted OpenSSH key costs ~150 ms of
// CPU (bcrypt KDF), which must never be paid per probe or on the io_context thread.
class PrivateKey {
 public:
  // Reads `path` with the bounded reader (regular file, at most 1 MiB) and imports it from
  // memory, so libssh never opens the file itself. The error names the file, never the
  // passphrase. An encrypted key without a passphrase fails instead of prompting.
  static Expected<std::shared_ptr<const PrivateKey>> import(
      const std::string& path, const std::optional<Secret>& passphrase);

  ssh_key_struct* handle() const { return key_.get(); }
  const std::string& path() const { return path_; }

 private:
  PrivateKey(std::shared_ptr<ssh_key_struct> key, std::string path)
      : key_(std::move(key)), path_(std::move(path)) {}
  std::shared_ptr<ssh_key_struct> key_;  // deleter: ssh_key_free
  std::string path_;
};

}  // namespace reachprobe::targets
