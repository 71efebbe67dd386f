#include "layers/ssh_common.hpp"

namespace reachprobe::layers {

void configure_ssh(layers::ProbeSession& session) {
  ssh_session h = session.ssh->handle();
  socket_t fd = session.ssh->fd();
  int port = session.target.port.value_or(22);
  int verbosity = SSH_LOG_NOLOG;
  // Strict, always: with 0, libssh 0.10's ssh_session_is_known_server() treats a key absent
  // from the global file as "accept new", returns OK over a CHANGED key and appends to the
  // user's known_hosts. A prober must neither trust nor write.
  int strict = 1;
  bool process_config = false;
  std::string user = session.ssh_user();
  const auto& spec = session.options.ssh;
  ssh_options_set(h, SSH_OPTIONS_LOG_VERBOSITY, &verbosity);
  ssh_options_set(h, SSH_OPTIONS_PROCESS_CONFIG, &process_config);
  ssh_options_set(h, SSH_OPTIONS_HOST, session.target.host.c_str());
  ssh_options_set(h, SSH_OPTIONS_PORT, &port);
  ssh_options_set(h, SSH_OPTIONS_USER, user.c_str());
  ssh_options_set(h, SSH_OPTIONS_STRICTHOSTKEYCHECK, &strict);
  ssh_options_set(h, SSH_OPTIONS_KNOWNHOSTS,
                  spec.known_hosts ? spec.known_hosts->c_str() : "/dev/null");
  ssh_options_set(h, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
  ssh_options_set(h, SSH_OPTIONS_FD, &fd);
  ssh_set_blocking(h, 0);  // never block the io_context (notes §4)
}

}  // namespace reachprobe::layers
