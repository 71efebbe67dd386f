#include <algorithm>
#include <charconv>

#include "layers/layers.hpp"
#include "layers/web_common.hpp"

namespace reachprobe::layers {
namespace {

using engine::GrpcEvidence;
using engine::Reason;
using engine::Status;

constexpr int kGrpcNotFound = 5;
constexpr int kGrpcUnimplemented = 12;

std::optional<int> grpc_status_of(const net_io::WebOutcome& web) {
  // Trailers arrive after the body; a trailers-only error arrives in the first headers.
  for (auto it = web.headers.rbegin(); it != web.headers.rend(); ++it) {
    if (it->first != "grpc-status") continue;
    int value = 0;
    auto [end, ec] =
        std::from_chars(it->second.data(), it->second.data() + it->second.size(), value);
    if (ec == std::errc()) return value;
  }
  return std::nullopt;
}

// HealthCheckResponse{status = 1}: one length-prefixed message holding a varint field 1.
std::optional<int> serving_status_of(const std::string& body) {
  if (body.size() < 5 || body[0] != 0) return std::nullopt;
  std::size_t length = (static_cast<std::size_t>(static_cast<unsigned char>(body[1])) << 24) |
                       (static_cast<std::size_t>(static_cast<unsigned char>(body[2])) << 16) |
                       (static_cast<std::size_t>(static_cast<unsigned char>(body[3])) << 8) |
                       static_cast<std::size_t>(static_cast<unsigned char>(body[4]));
  if (length == 0) return 0;  // default value: UNKNOWN
  if (body.size() < 5 + length || length < 2 || body[5] != 0x08) return std::nullopt;
  return static_cast<unsigned char>(body[6]) & 0x7f;
}

std::string serving_name(int status) {
  switch (status) {
    case 0:
      return "UNKNOWN";
    case 1:
      return "SERVING";
    case 2:
      return "NOT_SERVING";
    case 3:
      return "SERVICE_UNKNOWN";
    default:
      return "UNKNOWN";
  }
}

}  // namespace

net::awaitable<LayerResult> run_grpc_layer(ProbeSession& session, Deadline deadline) {
  LayerResult result;
  result.layer = engine::Layer::grpc;
  const auto* web = co_await ensure_web_transfer(session, deadline);
  GrpcEvidence evidence;
  const auto& path = session.target.path;
  evidence.service = !session.options.grpc_service_override.empty()
                         ? session.options.grpc_service_override
                     : path.size() > 1 ? path.substr(1)
                                       : "";
  evidence.http_version = web->http_version == CURL_HTTP_VERSION_2_0 ? "HTTP/2.0" : "";
  evidence.grpc_status = grpc_status_of(*web);
  double began = web->appconnect > 0 ? web->appconnect : web->connect;
  result.duration = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(std::max(0.0, web->total - began)));
  auto fail = [&](Reason reason, std::string detail) {
    result.status = Status::fail;
    result.reason = reason;
    result.detail = std::move(detail);
  };
  if (web->code == CURLE_OPERATION_TIMEDOUT) {
    fail(Reason::timeout, "the health check was not answered in time");
  } else if (web->code != CURLE_OK && !evidence.grpc_status) {
    fail(Reason::rpc_error, web->error.empty() ? curl_easy_strerror(web->code) : web->error);
  } else if (!evidence.grpc_status) {
    fail(Reason::rpc_error, "no grpc-status in the answer (HTTP " +
                                std::to_string(web->status_code) + "): not a gRPC server");
  } else if (*evidence.grpc_status == kGrpcNotFound) {
    evidence.serving_status = "SERVICE_UNKNOWN";
    fail(Reason::service_unknown, "the server does not know service \"" + evidence.service + "\"");
  } else if (*evidence.grpc_status == kGrpcUnimplemented) {
    fail(Reason::unimplemented, "the server has no grpc.health.v1.Health service");
  } else if (*evidence.grpc_status != 0) {
    fail(Reason::rpc_error, "grpc-status " + std::to_string(*evidence.grpc_status));
  } else if (auto serving = serving_status_of(web->body)) {
    evidence.serving_status = serving_name(*serving);
    if (*serving == 1)
      result.status = Status::ok;
    else if (*serving == 3)
      fail(Reason::service_unknown, "SERVICE_UNKNOWN");
    else
      fail(Reason::not_serving, "the health service answers " + evidence.serving_status);
  } else {
    fail(Reason::rpc_error, "malformed HealthCheckResponse");
  }
  result.evidence = std::move(evidence);
  co_return result;
}

}  // namespace reachprobe::layers
