// The libssh functions this program calls, forwarded to libssh.so.4 loaded on first use (see
// ssh_library.hpp). Only the functions the program calls are here; a call to another one fails
// at link time, which is the reminder to add it. When the library cannot be loaded each answers
// as libssh does for an error (SSH_ERROR, null, SSH_KNOWN_HOSTS_ERROR), never a crash.
// Generated from the declarations in <libssh/libssh.h>: each resolves its symbol once.
#include "targets/ssh_library.hpp"

#include <libssh/libssh.h>

#include "targets/shared_library.hpp"

namespace reachprobe::targets {
namespace {

// Opened by the first call of any function below (a static's thread-safe initialisation).
const SharedLibrary& library() {
  static const SharedLibrary lib("libssh.so.4");
  return lib;
}

}  // namespace

std::optional<std::string> ssh_library_error() {
  if (library().loaded()) return std::nullopt;
  return library().error();
}

void* ssh_library_symbol(const char* name) {
  return library().symbol(name);
}

}  // namespace reachprobe::targets

namespace {

// The library's function of this name with the type libssh.h declares; null when absent.
template <typename F>
F* symbol(const char* name) {
  return reinterpret_cast<F*>(reachprobe::targets::ssh_library_symbol(name));
}

}  // namespace

// libssh.h marks some of these deprecated; defining them is not using them.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
extern "C" {

int ssh_channel_close(ssh_channel channel) {
  static auto* fn = symbol<decltype(ssh_channel_close)>("ssh_channel_close");
  return fn != nullptr ? fn(channel) : SSH_ERROR;
}

void ssh_channel_free(ssh_channel channel) {
  static auto* fn = symbol<decltype(ssh_channel_free)>("ssh_channel_free");
  if (fn != nullptr) fn(channel);
}

int ssh_channel_get_exit_status(ssh_channel channel) {
  static auto* fn = symbol<decltype(ssh_channel_get_exit_status)>("ssh_channel_get_exit_status");
  return fn != nullptr ? fn(channel) : SSH_ERROR;
}

int ssh_channel_is_closed(ssh_channel channel) {
  static auto* fn = symbol<decltype(ssh_channel_is_closed)>("ssh_channel_is_closed");
  return fn != nullptr ? fn(channel) : SSH_ERROR;
}

int ssh_channel_is_eof(ssh_channel channel) {
  static auto* fn = symbol<decltype(ssh_channel_is_eof)>("ssh_channel_is_eof");
  return fn != nullptr ? fn(channel) : SSH_ERROR;
}

int ssh_channel_is_open(ssh_channel channel) {
  static auto* fn = symbol<decltype(ssh_channel_is_open)>("ssh_channel_is_open");
  return fn != nullptr ? fn(channel) : SSH_ERROR;
}

ssh_channel ssh_channel_new(ssh_session session) {
  static auto* fn = symbol<decltype(ssh_channel_new)>("ssh_channel_new");
  return fn != nullptr ? fn(session) : nullptr;
}

int ssh_channel_open_session(ssh_channel channel) {
  static auto* fn = symbol<decltype(ssh_channel_open_session)>("ssh_channel_open_session");
  return fn != nullptr ? fn(channel) : SSH_ERROR;
}

int ssh_channel_read_nonblocking(ssh_channel channel, void* dest, uint32_t count, int is_stderr) {
  static auto* fn = symbol<decltype(ssh_channel_read_nonblocking)>("ssh_channel_read_nonblocking");
  return fn != nullptr ? fn(channel, dest, count, is_stderr) : SSH_ERROR;
}

int ssh_channel_request_exec(ssh_channel channel, const char* cmd) {
  static auto* fn = symbol<decltype(ssh_channel_request_exec)>("ssh_channel_request_exec");
  return fn != nullptr ? fn(channel, cmd) : SSH_ERROR;
}

void ssh_clean_pubkey_hash(unsigned char** hash) {
  static auto* fn = symbol<decltype(ssh_clean_pubkey_hash)>("ssh_clean_pubkey_hash");
  if (fn != nullptr) fn(hash);
}

int ssh_connect(ssh_session session) {
  static auto* fn = symbol<decltype(ssh_connect)>("ssh_connect");
  return fn != nullptr ? fn(session) : SSH_ERROR;
}

void ssh_disconnect(ssh_session session) {
  static auto* fn = symbol<decltype(ssh_disconnect)>("ssh_disconnect");
  if (fn != nullptr) fn(session);
}

void ssh_free(ssh_session session) {
  static auto* fn = symbol<decltype(ssh_free)>("ssh_free");
  if (fn != nullptr) fn(session);
}

const char* ssh_get_cipher_out(ssh_session session) {
  static auto* fn = symbol<decltype(ssh_get_cipher_out)>("ssh_get_cipher_out");
  return fn != nullptr ? fn(session) : nullptr;
}

const char* ssh_get_error(void* error) {
  static auto* fn = symbol<decltype(ssh_get_error)>("ssh_get_error");
  return fn != nullptr ? fn(error) : "libssh could not be loaded";
}

char* ssh_get_fingerprint_hash(enum ssh_publickey_hash_type type, unsigned char* hash, size_t len) {
  static auto* fn = symbol<decltype(ssh_get_fingerprint_hash)>("ssh_get_fingerprint_hash");
  return fn != nullptr ? fn(type, hash, len) : nullptr;
}

const char* ssh_get_kex_algo(ssh_session session) {
  static auto* fn = symbol<decltype(ssh_get_kex_algo)>("ssh_get_kex_algo");
  return fn != nullptr ? fn(session) : nullptr;
}

int ssh_get_poll_flags(ssh_session session) {
  static auto* fn = symbol<decltype(ssh_get_poll_flags)>("ssh_get_poll_flags");
  return fn != nullptr ? fn(session) : SSH_ERROR;
}

int ssh_get_publickey_hash(const ssh_key key, enum ssh_publickey_hash_type type,
                           unsigned char** hash, size_t* hlen) {
  static auto* fn = symbol<decltype(ssh_get_publickey_hash)>("ssh_get_publickey_hash");
  return fn != nullptr ? fn(key, type, hash, hlen) : SSH_ERROR;
}

int ssh_get_server_publickey(ssh_session session, ssh_key* key) {
  static auto* fn = symbol<decltype(ssh_get_server_publickey)>("ssh_get_server_publickey");
  return fn != nullptr ? fn(session, key) : SSH_ERROR;
}

const char* ssh_get_serverbanner(ssh_session session) {
  static auto* fn = symbol<decltype(ssh_get_serverbanner)>("ssh_get_serverbanner");
  return fn != nullptr ? fn(session) : nullptr;
}

int ssh_init(void) {
  static auto* fn = symbol<decltype(ssh_init)>("ssh_init");
  return fn != nullptr ? fn() : SSH_ERROR;
}

int ssh_is_connected(ssh_session session) {
  static auto* fn = symbol<decltype(ssh_is_connected)>("ssh_is_connected");
  return fn != nullptr ? fn(session) : SSH_ERROR;
}

void ssh_key_free(ssh_key key) {
  static auto* fn = symbol<decltype(ssh_key_free)>("ssh_key_free");
  if (fn != nullptr) fn(key);
}

enum ssh_keytypes_e ssh_key_type(const ssh_key key) {
  static auto* fn = symbol<decltype(ssh_key_type)>("ssh_key_type");
  return fn != nullptr ? fn(key) : SSH_KEYTYPE_UNKNOWN;
}

const char* ssh_key_type_to_char(enum ssh_keytypes_e type) {
  static auto* fn = symbol<decltype(ssh_key_type_to_char)>("ssh_key_type_to_char");
  return fn != nullptr ? fn(type) : nullptr;
}

ssh_session ssh_new(void) {
  static auto* fn = symbol<decltype(ssh_new)>("ssh_new");
  return fn != nullptr ? fn() : nullptr;
}

int ssh_options_set(ssh_session session, enum ssh_options_e type, const void* value) {
  static auto* fn = symbol<decltype(ssh_options_set)>("ssh_options_set");
  return fn != nullptr ? fn(session, type, value) : SSH_ERROR;
}

int ssh_pki_import_privkey_base64(const char* b64_key, const char* passphrase,
                                  ssh_auth_callback auth_fn, void* auth_data, ssh_key* pkey) {
  static auto* fn =
      symbol<decltype(ssh_pki_import_privkey_base64)>("ssh_pki_import_privkey_base64");
  return fn != nullptr ? fn(b64_key, passphrase, auth_fn, auth_data, pkey) : SSH_ERROR;
}

enum ssh_known_hosts_e ssh_session_is_known_server(ssh_session session) {
  static auto* fn = symbol<decltype(ssh_session_is_known_server)>("ssh_session_is_known_server");
  return fn != nullptr ? fn(session) : SSH_KNOWN_HOSTS_ERROR;
}

void ssh_set_blocking(ssh_session session, int blocking) {
  static auto* fn = symbol<decltype(ssh_set_blocking)>("ssh_set_blocking");
  if (fn != nullptr) fn(session, blocking);
}

void ssh_string_free_char(char* s) {
  static auto* fn = symbol<decltype(ssh_string_free_char)>("ssh_string_free_char");
  if (fn != nullptr) fn(s);
}

int ssh_userauth_list(ssh_session session, const char* username) {
  static auto* fn = symbol<decltype(ssh_userauth_list)>("ssh_userauth_list");
  return fn != nullptr ? fn(session, username) : SSH_ERROR;
}

int ssh_userauth_none(ssh_session session, const char* username) {
  static auto* fn = symbol<decltype(ssh_userauth_none)>("ssh_userauth_none");
  return fn != nullptr ? fn(session, username) : SSH_ERROR;
}

int ssh_userauth_password(ssh_session session, const char* username, const char* password) {
  static auto* fn = symbol<decltype(ssh_userauth_password)>("ssh_userauth_password");
  return fn != nullptr ? fn(session, username, password) : SSH_ERROR;
}

int ssh_userauth_publickey(ssh_session session, const char* username, const ssh_key privkey) {
  static auto* fn = symbol<decltype(ssh_userauth_publickey)>("ssh_userauth_publickey");
  return fn != nullptr ? fn(session, username, privkey) : SSH_ERROR;
}

}  // extern "C"
#pragma GCC diagnostic pop
