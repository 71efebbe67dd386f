#pragma once
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "engine/asio.hpp"
#include "engine/deadline.hpp"
#include "engine/layer_plan.hpp"
#include "engine/layer_result.hpp"
#include "engine/probe_report.hpp"
#include "net/cares_resolver.hpp"
#include "net/curl_multi.hpp"
#include "net/icmp_service.hpp"
#include "net/ssh_session.hpp"
#include "net/web_transfer.hpp"
#include "targets/allow_list.hpp"
#include "targets/module.hpp"
#include "targets/ssh_spec.hpp"
#include "targets/target.hpp"
#include "targets/web_spec.hpp"

namespace reachprobe::layers {

// The engine's vocabulary, as every layer names it.
using engine::Deadline;
using engine::kAllLayers;
using engine::Layer;
using engine::LayerPlan;
using engine::LayerResult;
using engine::PlannedLayer;
using engine::ProbeReport;

// any: IPv6 preferred, IPv4 as fallback (blackbox's default); ip4_first: the reverse;
// ip4/ip6: that family only.
enum class IpProtocol : std::uint8_t { any, ip4_first, ip4, ip6 };

// How to probe, as the check flags (or, later, a module) say.
struct ProbeOptions {
  std::chrono::nanoseconds timeout = std::chrono::seconds(10);
  int count = 3;  // ICMP echoes, and path probes per hop
  // A module's icmp layer (/probe, scheduled keys): the echoes stop at the first reply, so a
  // healthy host costs one echo and one round trip, as blackbox's one echo does, while a lost
  // echo is still retried up to `count` times. `check` sends all of them for its loss figures.
  bool echoes_until_reply = false;
  bool trace_path = true;
  IpProtocol ip_protocol = IpProtocol::any;  // any: prefer IPv6, fall back to IPv4 (blackbox)
  targets::SshSpec ssh;
  targets::HttpSpec http;
  targets::TlsSpec tls;  // for https:// and grpcs:// targets
  std::string grpc_service_override;
  // A tcp module's tls and query_response: the tcp layer holds the conversation.
  std::optional<targets::TcpModuleSpec> tcp_conversation;
  // An icmp module's `ttl`: echoes leave with it (a router where it runs out answers
  // time-exceeded, reported with its address); unset, the kernel's default.
  std::optional<int> icmp_ttl;
  // A dns module: the dns layer queries the target, which is a DNS server.
  std::optional<targets::DnsModuleSpec> dns_query;
  // Dual-stack divergence: probe the name's other family when the one in use fails (off for
  // the side door's and the other family's own probes).
  bool compare_families = true;
  // Set only on a side door's own probe (--ssh.triage-via): its host layer asks about this
  // client/server pair, the failing address, instead of its own login's SSH_CONNECTION.
  struct TriageSubject {
    std::string client, server, via;
  };
  std::optional<TriageSubject> triage_subject;
  // /probe's allowed_targets: the dns layer admits only addresses it allows for the target's
  // name, and every redirect hop is judged by it (null: no list, as `check`).
  std::shared_ptr<const targets::AllowList> allow_list;
};

// Pacing shared by the icmp and path layers: echoes fit in half the budget, at most 100 ms
// apart, so a healthy check ends in a few hundred milliseconds.
std::chrono::nanoseconds probe_interval(const ProbeOptions& options);
// How long one echo or path probe is waited for before it counts as lost.
std::chrono::nanoseconds probe_wait(const ProbeOptions& options);

// Process-wide machinery shared by every probe; it outlives every probe coroutine.
struct Services {
  explicit Services(net::any_io_executor ex) : executor(ex), icmp(ex), curl(ex) {}
  net::any_io_executor executor;
  net_io::IcmpService icmp;
  net_io::CurlMulti curl;
  std::unique_ptr<net_io::DnsResolver> resolver;  // null when it could not be created
  std::string resolver_error;

  void shutdown() {
    icmp.shutdown();
    curl.shutdown();
    if (resolver) resolver->shutdown();
  }
};

// One target's probe in progress. The runner owns it; layers get it by reference and are
// awaited directly (never co_spawned), so it outlives them.
struct ProbeSession {
  Services& services;
  targets::Target target;
  const ProbeOptions& options;  // the run's, which outlives the session
  LayerPlan plan;
  Deadline deadline;
  std::optional<net::ip::address> address = {};  // set by the dns layer
  // Why the allow-list refused the resolved addresses; the probe then contacts nothing.
  std::optional<std::string> allow_list_refusal = {};
  // The tcp layer's connection, kept when a layer above it (ssh, tls) continues on it.
  std::optional<net::ip::tcp::socket> connection = {};
  std::unique_ptr<net_io::SshSession> ssh = {};  // from ssh_banner on; freed with the session
  // The one HTTP(S)/gRPC transfer the tls, http and grpc layers each read their part of.
  std::optional<net_io::WebOutcome> web = {};
  // Results a layer produced for a layer above it (the tcp conversation's tls and
  // ssh_banner); the runner reports them instead of running those layers.
  std::map<Layer, LayerResult> finished = {};
  std::chrono::nanoseconds dns_duration{0};
  std::chrono::nanoseconds tcp_duration{0};
  std::optional<bool> tcp_connected = {};  // set by the tcp layer when it ends
  std::optional<bool> icmp_answered = {};  // set by the icmp layer when it ends
  // The first address of the other family, when the name has both A and AAAA records (the
  // dual-stack divergence probe's address); set by the dns layer.
  std::optional<net::ip::address> other_family_address = {};
  std::chrono::nanoseconds ssh_auth_duration{0};  // the host layer's slow_nss evidence
  std::string ssh_user() const;

  std::chrono::nanoseconds probe_interval() const { return layers::probe_interval(options); }
  std::chrono::nanoseconds probe_wait() const { return layers::probe_wait(options); }
};

}  // namespace reachprobe::layers
