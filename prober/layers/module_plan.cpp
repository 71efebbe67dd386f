#include "layers/module_plan.hpp"

#include <algorithm>

#include "targets/target_parser.hpp"

namespace reachprobe::layers {

using engine::plan_for;
using engine::PlannedLayer;
namespace {

using Result = targets::Expected<ModuleTarget>;
using targets::ProberKind;

IpProtocol protocol_of(const targets::AddressSpec& address) {
  // blackbox prefers a family and falls back to the other; without fallback, only that one.
  if (address.ip_protocol_fallback) {
    return address.preferred_ip_protocol == "ip4" ? IpProtocol::ip4_first : IpProtocol::any;
  }
  return address.preferred_ip_protocol == "ip4" ? IpProtocol::ip4 : IpProtocol::ip6;
}

// Layers run and are reported in path order (engine::Layer's order).
void sort_in_path_order(std::vector<PlannedLayer>& layers) {
  std::sort(layers.begin(), layers.end(),
            [](const PlannedLayer& a, const PlannedLayer& b) { return a.layer < b.layer; });
}

std::string with_scheme(const std::string& text, const std::string& scheme) {
  return text.find("://") == std::string::npos ? scheme + "://" + text : text;
}

// `layers:` narrows (or widens, for icmp and path) the kind's own plan. Without it a module
// does what its blackbox prober does: no ICMP or path evidence beside an http/tcp/grpc/ssh
// probe, so a scrape costs what blackbox's would.
void apply_layers(const std::vector<std::string>& wanted, ProberKind kind, LayerPlan& plan) {
  if (wanted.empty()) {
    if (kind == ProberKind::icmp || kind == ProberKind::path) return;
    std::erase_if(plan.layers, [](const PlannedLayer& p) {
      return p.layer == Layer::icmp || p.layer == Layer::path;
    });
    return;
  }
  auto listed = [&wanted](Layer layer) {
    return std::find(wanted.begin(), wanted.end(), to_string(layer)) != wanted.end();
  };
  std::vector<PlannedLayer> kept;
  for (const auto& p : plan.layers) {
    if (p.layer == Layer::dns || listed(p.layer)) kept.push_back(p);
  }
  if (listed(Layer::icmp) && !plan.find(Layer::icmp)) kept.push_back({Layer::icmp, false});
  if (listed(Layer::path) && !plan.find(Layer::path)) kept.push_back({Layer::path, false});
  sort_in_path_order(kept);
  plan.layers = kept;
}

// A tcp module's conversation reports its TLS handshake at the tls layer and an SSH banner
// check at the ssh_banner layer, so the verdict names them.
void add_conversation_layers(const targets::TcpModuleSpec& spec, LayerPlan& plan) {
  if (spec.uses_tls() && !plan.find(Layer::tls)) plan.layers.push_back({Layer::tls, true});
  if (spec.expects_ssh_banner() && !plan.find(Layer::ssh_banner))
    plan.layers.push_back({Layer::ssh_banner, true});
  sort_in_path_order(plan.layers);
}

// Through `proxy_url` the TCP connection and any TLS tunnel are curl's, to the proxy and
// through it, so the http layer holds them; the dns layer stays (blackbox resolves the target
// itself) unless skip_resolve_phase_with_proxy leaves resolving to the proxy.
void route_through_proxy(const targets::HttpSpec& http, LayerPlan& plan) {
  std::erase_if(plan.layers, [&](const PlannedLayer& p) {
    return p.layer == Layer::tcp || p.layer == Layer::tls ||
           (p.layer == Layer::dns && http.skip_resolve_phase_with_proxy);
  });
}

}  // namespace

void add_host_layer(const ProbeOptions& options, const targets::Target& target, LayerPlan& plan) {
  const auto& ssh = options.ssh;
  bool wanted = ssh.triage.enabled || ssh.triage.via || options.triage_subject;
  if (!wanted || target.scheme != targets::Scheme::ssh || !plan.find(Layer::ssh_auth) ||
      plan.find(Layer::host)) {
    return;
  }
  plan.layers.push_back({Layer::host, !ssh.triage.fail_on.empty()});
  sort_in_path_order(plan.layers);
}

void apply_module_options(const targets::Module& module, ProbeOptions& options) {
  if (module.timeout.count() > 0) options.timeout = module.timeout;
  options.echoes_until_reply = true;
  switch (module.prober) {
    case ProberKind::http:
      options.http = module.http;
      options.tls = module.http.tls;
      options.ip_protocol = protocol_of(module.http_address);
      break;
    case ProberKind::tcp:
      if (module.tcp.has_conversation()) options.tcp_conversation = module.tcp;
      options.ip_protocol = protocol_of(module.tcp.address);
      break;
    case ProberKind::icmp:
      options.ip_protocol = protocol_of(module.icmp.address);
      if (module.icmp.ttl > 0) options.icmp_ttl = module.icmp.ttl;  // 0: the kernel's default
      break;
    case ProberKind::grpc:
      options.tls = module.grpc.tls_config;
      options.grpc_service_override = module.grpc.service;
      options.ip_protocol = protocol_of(module.grpc_address);
      break;
    case ProberKind::ssh:
      options.ssh = module.ssh;
      break;
    case ProberKind::path:
      options.trace_path = true;
      break;
    case ProberKind::dns:
      options.dns_query = module.dns;
      options.ip_protocol = protocol_of(module.dns.address);
      break;
  }
}

targets::Expected<ModuleTarget> module_target(const targets::Module& module,
                                              const std::string& target_text,
                                              const ProbeOptions& options) {
  std::string text = target_text;
  switch (module.prober) {
    case ProberKind::http:
      text = with_scheme(text, "http");
      break;
    case ProberKind::grpc:
      text = with_scheme(text, module.grpc.tls ? "grpcs" : "grpc");
      break;
    case ProberKind::ssh:
      text = with_scheme(text, "ssh");
      break;
    default:
      break;
  }
  auto target = targets::parse_target(text);
  if (!target) return Result::failure(target.error());
  if (module.prober == ProberKind::icmp && target->port) {
    return Result::failure("module \"" + module.name + "\": an icmp target has no port");
  }
  if (module.prober == ProberKind::tcp && !target->port) {
    return Result::failure("module \"" + module.name + "\": a tcp target needs host:port");
  }
  if (module.prober == ProberKind::dns) {
    // The target is the DNS server: port 53, or 853 for DNS over TLS, as blackbox.
    if (!target->port) target->port = module.dns.dns_over_tls ? 853 : 53;
    LayerPlan plan{module.name, {{Layer::dns, true}}};
    apply_layers(module.layers, module.prober, plan);
    return ModuleTarget{std::move(target).value(), std::move(plan)};
  }
  auto plan = plan_for(*target, options.trace_path, options.ssh.has_credentials());
  if (!plan) return Result::failure(plan.error());
  plan->module = module.name;
  if (module.prober == ProberKind::http && !module.http.proxy_url.empty())
    route_through_proxy(module.http, *plan);
  apply_layers(module.layers, module.prober, *plan);
  // After `layers:`, which cannot drop them: the conversation's outcome must be reported.
  if (module.prober == ProberKind::tcp) add_conversation_layers(module.tcp, *plan);
  add_host_layer(options, *target, *plan);
  return ModuleTarget{std::move(target).value(), std::move(plan).value()};
}

targets::Expected<ModuleTarget> apply_module(const targets::Module& module,
                                             const std::string& target_text,
                                             ProbeOptions& options) {
  apply_module_options(module, options);
  return module_target(module, target_text, options);
}

}  // namespace reachprobe::layers
