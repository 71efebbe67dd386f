#include <openssl/x509_vfy.h>

#include <algorithm>

#include "layers/layers.hpp"
#include "layers/tls_common.hpp"
#include "layers/web_common.hpp"

namespace reachprobe::layers {

using engine::Reason;
using engine::Status;

// The tls layer of https:// and grpcs:// targets: curl's handshake, read from the transfer
// the http or grpc layer shares. tcp modules with tls/starttls report through the tcp layer's
// conversation instead (tcp_conversation.cpp), which leaves this layer's result in
// session.finished for the runner.
net::awaitable<LayerResult> run_tls_layer(ProbeSession& session, Deadline deadline) {
  LayerResult result;
  result.layer = engine::Layer::tls;
  const auto* web = co_await ensure_web_transfer(session, deadline);
  bool handshake_done = web->appconnect > 0;
  bool insecure = session.options.tls.insecure_skip_verify;
  auto evidence = tls_evidence(web->tls, handshake_done, insecure);
  double start = web->connect;
  result.duration =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(
          std::max(0.0, (handshake_done ? web->appconnect : web->total) - start)));
  if (handshake_done) {
    result.status = Status::ok;
    if (insecure) result.detail = "certificate not verified (--tls.insecure)";
  } else {
    result.status = Status::fail;
    std::string detail = web->error;
    switch (web->code) {
      case CURLE_PEER_FAILED_VERIFICATION:
        result.reason = certificate_reason(web->tls, detail);
        // The chain verified: what curl refused is the name (notes §3: verify result 1).
        if (result.reason == Reason::none) result.reason = Reason::hostname_mismatch;
        break;
      case CURLE_OPERATION_TIMEDOUT:
        result.reason = Reason::timeout;
        break;
      default:
        result.reason = looks_plain_text(web->error) ? Reason::not_tls : Reason::handshake_failed;
        break;
    }
    result.detail = detail;
  }
  result.evidence = std::move(evidence);
  co_return result;
}

}  // namespace reachprobe::layers
