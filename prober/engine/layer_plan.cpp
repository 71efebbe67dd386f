#include "engine/layer_plan.hpp"

namespace reachprobe::engine {

targets::Expected<LayerPlan> plan_for(const targets::Target& target, bool trace_path,
                                      bool ssh_credentials) {
  using targets::Scheme;
  LayerPlan plan;
  switch (target.scheme) {
    case Scheme::host:
      // A bare host is "reachable" when it answers ICMP echo; the path explains why not.
      plan.module = "icmp";
      plan.layers = {{Layer::dns, true}, {Layer::icmp, true}};
      if (trace_path) plan.layers.push_back({Layer::path, false});
      return plan;
    case Scheme::tcp:
      // The port is what matters; ICMP and the path are evidence for attribution (rule 2).
      plan.module = "tcp";
      plan.layers = {{Layer::dns, true}, {Layer::icmp, false}};
      if (trace_path) plan.layers.push_back({Layer::path, false});
      plan.layers.push_back({Layer::tcp, true});
      return plan;
    case Scheme::ssh:
      // Without credentials: banner and handshake only, so monitoring needs no account.
      plan.module = "ssh";
      plan.layers = {{Layer::dns, true}, {Layer::icmp, false}};
      if (trace_path) plan.layers.push_back({Layer::path, false});
      plan.layers.push_back({Layer::tcp, true});
      plan.layers.push_back({Layer::ssh_banner, true});
      plan.layers.push_back({Layer::ssh_handshake, true});
      if (ssh_credentials) {
        plan.layers.push_back({Layer::ssh_auth, true});
        plan.layers.push_back({Layer::ssh_exec, true});
      }
      return plan;
    case Scheme::http:
    case Scheme::https:
    case Scheme::grpc:
    case Scheme::grpcs: {
      bool tls = target.scheme == Scheme::https || target.scheme == Scheme::grpcs;
      bool grpc = target.scheme == Scheme::grpc || target.scheme == Scheme::grpcs;
      plan.module = grpc ? "grpc" : "http_2xx";
      plan.layers = {{Layer::dns, true}, {Layer::icmp, false}};
      if (trace_path) plan.layers.push_back({Layer::path, false});
      plan.layers.push_back({Layer::tcp, true});
      if (tls) plan.layers.push_back({Layer::tls, true});
      plan.layers.push_back({grpc ? Layer::grpc : Layer::http, true});
      return plan;
    }
  }
  return targets::Expected<LayerPlan>::failure("target \"" + target.text +
                                               "\": unknown target kind");
}

}  // namespace reachprobe::engine
