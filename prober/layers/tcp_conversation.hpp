#pragma once
#include "layers/layers.hpp"

namespace reachprobe::layers {

// blackbox's tcp prober conversation on the tcp layer's fresh connection: TLS from the start
// (`tls: true`), then each query_response step in order (expect a line, send a line,
// starttls). The tls layer's result (and ssh_banner's for an SSH banner check) goes to
// session.finished; a failed step fails `tcp_result`: `timeout` when the deadline passed
// waiting, `refused` when the server ended the conversation without the expected line.
net::awaitable<void> run_tcp_conversation(ProbeSession& session, net::ip::tcp::socket socket,
                                          Deadline deadline, LayerResult& tcp_result);

}  // namespace reachprobe::layers
