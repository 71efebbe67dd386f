#pragma once
// The uniform layer signature (STYLE R3): each layer is a coroutine that takes the session by
// reference and a deadline by value, and returns its outcome as a value.
#include "engine/asio.hpp"
#include "engine/deadline.hpp"
#include "engine/layer_result.hpp"
#include "layers/probe_session.hpp"

namespace reachprobe::layers {

using engine::Deadline;
using engine::LayerResult;
using layers::ProbeSession;

net::awaitable<LayerResult> run_dns_layer(ProbeSession& session, Deadline deadline);
net::awaitable<LayerResult> run_icmp_layer(ProbeSession& session, Deadline deadline);
net::awaitable<LayerResult> run_path_layer(ProbeSession& session, Deadline deadline);
net::awaitable<LayerResult> run_tcp_layer(ProbeSession& session, Deadline deadline);
net::awaitable<LayerResult> run_ssh_banner_layer(ProbeSession& session, Deadline deadline);
net::awaitable<LayerResult> run_ssh_handshake_layer(ProbeSession& session, Deadline deadline);
net::awaitable<LayerResult> run_ssh_auth_layer(ProbeSession& session, Deadline deadline);
net::awaitable<LayerResult> run_ssh_exec_layer(ProbeSession& session, Deadline deadline);
net::awaitable<LayerResult> run_host_layer(ProbeSession& session, Deadline deadline);
net::awaitable<LayerResult> run_tls_layer(ProbeSession& session, Deadline deadline);
net::awaitable<LayerResult> run_http_layer(ProbeSession& session, Deadline deadline);
net::awaitable<LayerResult> run_grpc_layer(ProbeSession& session, Deadline deadline);

}  // namespace reachprobe::layers
