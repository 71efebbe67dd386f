#include "targets/private_key.hpp"

#include "targets/ssh_library.hpp"

#include <libssh/libssh.h>

#include "targets/bounded_file.hpp"

namespace reachprobe::targets {

Expected<std::shared_ptr<const PrivateKey>> PrivateKey::import(
    const std::string& path, const std::optional<Secret>& passphrase) {
  using Result = Expected<std::shared_ptr<const PrivateKey>>;
  static const int initialized = ssh_init();  // thread-safe once; libssh needs it before pki
  (void)initialized;
  if (auto missing = ssh_library_error())
    return Result::failure("cannot load private key " + path + ": " + *missing);
  auto text = read_bounded_file(path, kSmallFileCap);
  if (!text) return Result::failure("cannot load private key " + path + ": " + text.error());
  Secret content(std::move(text).value());  // wiped on return, like the passphrase
  ssh_key key = nullptr;
  // No auth callback: an encrypted key without a passphrase fails rather than prompting.
  int rc = ssh_pki_import_privkey_base64(content.reveal().c_str(),
                                         passphrase ? passphrase->reveal().c_str() : nullptr,
                                         nullptr, nullptr, &key);
  if (rc != SSH_OK || key == nullptr) {
    if (key != nullptr) ssh_key_free(key);
    return Result::failure("cannot load private key " + path +
                           (passphrase ? " (not a private key, or wrong passphrase)"
                                       : " (not a private key, or encrypted and no passphrase)"));
  }
  std::shared_ptr<ssh_key_struct> owned(key, ssh_key_free);
  return std::shared_ptr<const PrivateKey>(new PrivateKey(std::move(owned), path));
}

}  // namespace reachprobe::targets
