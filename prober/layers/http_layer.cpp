#include <algorithm>

#include "layers/layers.hpp"
#include "layers/web_common.hpp"
#include "targets/pattern.hpp"

namespace reachprobe::layers {
namespace {

using engine::HttpEvidence;
using engine::Reason;
using engine::Status;

double secs(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

std::string version_name(long curl_version) {
  switch (curl_version) {
    case CURL_HTTP_VERSION_1_0:
      return "HTTP/1.0";
    case CURL_HTTP_VERSION_1_1:
      return "HTTP/1.1";
    case CURL_HTTP_VERSION_2_0:
      return "HTTP/2.0";
    case CURL_HTTP_VERSION_3:
      return "HTTP/3.0";
    default:
      return "";
  }
}

struct Judgement {
  Reason reason = Reason::none;
  std::string detail;
};

// blackbox's checks on a complete response, in its order.
Judgement judge_response(const targets::HttpSpec& spec, const net_io::WebOutcome& web,
                         HttpEvidence& evidence) {
  const auto& codes = spec.valid_status_codes;
  bool status_ok = codes.empty()
                       ? (web.status_code >= 200 && web.status_code < 300)
                       : std::find(codes.begin(), codes.end(), web.status_code) != codes.end();
  if (!status_ok) return {Reason::status, "HTTP status " + std::to_string(web.status_code)};
  const auto& versions = spec.valid_http_versions;
  if (!versions.empty() &&
      std::find(versions.begin(), versions.end(), evidence.http_version) == versions.end()) {
    return {Reason::status, evidence.http_version + " is not an accepted HTTP version"};
  }
  if (spec.fail_if_ssl && web.final_ssl)
    return {Reason::status, "the final response came over TLS"};
  if (spec.fail_if_not_ssl && !web.final_ssl)
    return {Reason::status, "the final response was not over TLS"};
  // blackbox decodes the body with `compression` whatever the response says, so a body the
  // server did not compress that way fails the probe (its gzip reader refuses plain text).
  if (!spec.compression.empty() && spec.compression != "identity") {
    std::string encoding = "none";
    for (const auto& [n, v] : web.headers) {
      if (n == "content-encoding") encoding = v;
    }
    if (encoding.find(spec.compression) == std::string::npos) {
      return {Reason::body_mismatch, "the body is not " + spec.compression +
                                         "-compressed (Content-Encoding: " + encoding +
                                         "), as compression: " + spec.compression + " requires"};
    }
  }
  // Compiled by the config loader, once per load; Go's regexp.Match on the body.
  for (const auto& re : spec.fail_if_body_matches_regexp) {
    if (re.search(web.body)) {
      evidence.failed_due_to_regex = true;
      return {Reason::body_mismatch, "the body matches " + re.text()};
    }
  }
  for (const auto& re : spec.fail_if_body_not_matches_regexp) {
    if (!re.search(web.body)) {
      evidence.failed_due_to_regex = true;
      return {Reason::body_mismatch, "the body (" + std::to_string(web.body_bytes) +
                                         " bytes) does not match " + re.text()};
    }
  }
  auto header_values = [&web](const std::string& name) {
    std::vector<std::string> values;
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (const auto& [n, v] : web.headers) {
      if (n == lower) values.push_back(v);
    }
    return values;
  };
  for (const auto& m : spec.fail_if_header_matches) {
    auto values = header_values(m.header);
    if (values.empty() && !m.allow_missing)
      return {Reason::header_mismatch, "no " + m.header + " header"};
    for (const auto& v : values) {
      if (m.regexp.search(v)) {
        evidence.failed_due_to_regex = true;
        return {Reason::header_mismatch, m.header + " matches " + m.regexp.text()};
      }
    }
  }
  for (const auto& m : spec.fail_if_header_not_matches) {
    auto values = header_values(m.header);
    if (values.empty()) {
      if (m.allow_missing) continue;
      return {Reason::header_mismatch, "no " + m.header + " header"};
    }
    const auto& re = m.regexp;
    bool any = std::any_of(values.begin(), values.end(),
                           [&re](const std::string& v) { return re.search(v); });
    if (!any) {
      evidence.failed_due_to_regex = true;
      return {Reason::header_mismatch, m.header + " does not match " + m.regexp.text()};
    }
  }
  return {};
}

Judgement judge_error(const net_io::WebOutcome& web) {
  std::string received = " (" + std::to_string(web.body_bytes) + " body bytes received)";
  if (web.redirect_refusal) return {Reason::redirects, *web.redirect_refusal};
  switch (web.code) {
    case CURLE_OPERATION_TIMEDOUT:
      return {Reason::timeout, web.status_code > 0 ? "the response did not end in time" + received
                                                   : "no response in time"};
    case CURLE_TOO_MANY_REDIRECTS:
      return {Reason::redirects, web.error};
    case CURLE_WRITE_ERROR:
      if (web.body_limit_exceeded)
        return {Reason::body_mismatch, "the body exceeds body_size_limit"};
      return {Reason::closed, web.error};
    default:
      return {Reason::closed, web.error.empty() ? curl_easy_strerror(web.code) : web.error};
  }
}

}  // namespace

net::awaitable<LayerResult> run_http_layer(ProbeSession& session, Deadline deadline) {
  LayerResult result;
  result.layer = engine::Layer::http;
  const auto* web = co_await ensure_web_transfer(session, deadline);
  HttpEvidence evidence;
  evidence.url = web->effective_url;
  evidence.status_code = web->status_code;
  evidence.http_version = version_name(web->http_version);
  evidence.body_bytes = web->body_bytes;
  evidence.content_length = web->content_length;
  evidence.redirects = web->redirects;
  evidence.redirect_refused = web->redirect_refusal.has_value();
  evidence.ssl = web->final_ssl;
  evidence.last_modified = web->last_modified;
  // blackbox's phases: resolve and connect are reachprobe's own dns and tcp layers.
  auto& p = evidence.phases;
  p.resolve = secs(session.dns_duration);
  p.connect = secs(session.tcp_duration);
  p.tls = web->appconnect > 0 ? std::max(0.0, web->appconnect - web->connect) : 0.0;
  if (web->starttransfer > 0) {
    p.processing = std::max(0.0, web->starttransfer - web->pretransfer);
    if (web->code == CURLE_OK) p.transfer = std::max(0.0, web->total - web->starttransfer);
  }
  double began = web->appconnect > 0 ? web->appconnect : web->connect;
  result.duration = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(std::max(0.0, web->total - began)));
  Judgement j;
  if (web->code != CURLE_OK) {
    j = judge_error(*web);
  } else if (!web->headers_complete) {
    j = {Reason::closed, "the connection closed inside the response headers"};
  } else {
    j = judge_response(session.options.http, *web, evidence);
  }
  result.status = j.reason == Reason::none ? Status::ok : Status::fail;
  result.reason = j.reason;
  result.detail = j.detail;
  result.evidence = std::move(evidence);
  co_return result;
}

}  // namespace reachprobe::layers
