#pragma once
#include "layers/layers.hpp"

namespace reachprobe::layers {

// The dns layer of an ordinary target: the target's name resolved to an address by the
// system resolver (or --dns.server), hosts file first.
net::awaitable<LayerResult> resolve_target_name(ProbeSession& session, Deadline deadline);
// Its IP-literal case, which asks nobody and so needs no coroutine (the echo sweep's).
LayerResult resolve_ip_literal(ProbeSession& session);

// The dns layer of a dns module (blackbox's dns prober): the target is a DNS server; its
// name is resolved first, then the module's query is sent to it and the answer judged by
// valid_rcodes and validate_{answer,authority,additional}_rrs.
net::awaitable<LayerResult> run_dns_server_query(ProbeSession& session, Deadline deadline);

}  // namespace reachprobe::layers
