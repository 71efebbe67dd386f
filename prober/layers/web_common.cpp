#include "layers/web_common.hpp"

namespace reachprobe::layers {
namespace {

using targets::Scheme;

std::string bracketed(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// The gRPC health request: a 5-byte frame header and HealthCheckRequest{service = 1}.
std::string grpc_health_request(const std::string& service) {
  std::string message;
  if (!service.empty() && service.size() < 128) {
    message.push_back('\x0a');
    message.push_back(static_cast<char>(service.size()));
    message += service;
  }
  std::string frame(5, '\0');
  frame[4] = static_cast<char>(message.size());
  return frame + message;
}

net_io::WebRequest build_request(const layers::ProbeSession& session) {
  const auto& target = session.target;
  const auto& http = session.options.http;
  bool grpc = target.scheme == Scheme::grpc || target.scheme == Scheme::grpcs;
  bool tls = target.scheme == Scheme::https || target.scheme == Scheme::grpcs;
  std::uint16_t port = target.port.value_or(tls ? 443 : 80);
  net_io::WebRequest r;
  r.tls = session.options.tls;
  // SNI and certificate name: tls.server_name when set, else the target host; the request
  // still carries the target's Host.
  std::string url_host = r.tls.server_name.value_or(target.host);
  std::string path = target.path.empty() ? "/" : target.path;
  if (grpc) {
    r.grpc = true;
    r.method = "POST";
    std::string service = session.options.grpc_service_override;
    if (service.empty() && path.size() > 1) service = path.substr(1);
    r.body = grpc_health_request(service);
    path = "/grpc.health.v1.Health/Check";
    r.follow_redirects = false;
  } else {
    r.method = http.method;
    r.body = http.body;
    r.compression = http.compression;
    r.follow_redirects = http.follow_redirects;
    r.max_redirects = http.max_redirects;
    r.allow_list = session.options.allow_list;
    r.body_size_limit = http.body_size_limit;
    for (const auto& [name, value] : http.headers) r.headers.emplace_back(name, value);
    if (http.basic_auth_username) {
      r.basic_user = http.basic_auth_username;
      r.basic_password = http.basic_auth_password ? http.basic_auth_password->reveal() : "";
    }
    if (http.bearer_token) r.bearer_token = http.bearer_token->reveal();
    if (http.authorization_type) {
      r.authorization = *http.authorization_type + " " +
                        (http.authorization_credentials ? http.authorization_credentials->reveal()
                                                        : std::string());
    }
    r.proxy = http.proxy_url;
    for (const auto& [name, value] : http.proxy_connect_headers)
      r.proxy_headers.push_back(name + ": " + value.reveal());
    r.http1_only = !http.enable_http2;
  }
  if (url_host != target.host) r.headers.emplace_back("Host", bracketed(target.host));
  r.url = std::string(tls ? "https://" : "http://") + bracketed(url_host) + ":" +
          std::to_string(port) + path;
  // The dns layer already resolved the name: curl must not resolve again (in a thread).
  // Through a proxy the proxy resolves: curl sends it the name, and pins nothing.
  if (session.address && r.proxy.empty() &&
      !(target.host_is_ip_literal && url_host == target.host)) {
    r.resolve =
        url_host + ":" + std::to_string(port) + ":" + bracketed(session.address->to_string());
  }
  return r;
}

}  // namespace

net::awaitable<const net_io::WebOutcome*> ensure_web_transfer(layers::ProbeSession& session,
                                                              engine::Deadline deadline) {
  if (!session.web) {
    auto request = build_request(session);
    session.web = co_await net_io::run_web_transfer(session.services.curl, std::move(request),
                                                    std::move(session.connection), deadline);
    session.connection.reset();
  }
  co_return &*session.web;
}

}  // namespace reachprobe::layers
