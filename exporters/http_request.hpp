#pragma once
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "engine/abort_signal.hpp"

namespace reachprobe::exporters {

// What the exporter accepts from one request: a header block (request line included) of at
// most 16 KiB and a body of at most 64 KiB. Nothing it serves needs more; a larger request is
// answered 431 or 413 and the connection closed.
inline constexpr std::size_t kRequestHeaderLimit = 16 * 1024;
inline constexpr std::size_t kRequestBodyLimit = 64 * 1024;

struct HttpRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;   // percent-decoded
  std::optional<std::string> scrape_timeout;  // X-Prometheus-Scrape-Timeout-Seconds
  std::optional<std::string> authorization;
  // Fired by the server when the client closes its connection while the handler runs (null
  // outside the server): /probe cancels its probe on it, so the probe's sockets go with it.
  std::shared_ptr<engine::AbortSignal> client_gone;
};

using RawRequest = boost::beast::http::request<boost::beast::http::string_body>;
using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Sets the limits above on a fresh parser; the server and parse_http_request both use it.
void apply_request_limits(RequestParser& parser);

// The status a failed read of a request is answered with: 431 (header block too large),
// 413 (body too large), 400 (anything malformed). 0 means answer nothing and just close: the
// client went away (end of stream, reset) or was too slow (timeout).
unsigned status_for_read_error(boost::system::error_code error);

// The parsed request as the handlers see it: path, decoded query, the headers they read.
HttpRequest to_request(const RawRequest& raw);

// The outcome of parsing one request from raw bytes: the request, or the status to answer.
struct RequestParse {
  std::optional<HttpRequest> request;
  unsigned status = 0;  // 0 when `request` is set, else 400, 413 or 431
};

// Parses the first request in `raw_bytes` exactly as the server does (same parser, same
// limits, same conversion), without any I/O, so that a fuzzer can drive the server's request
// path. Bytes that end before the request does are malformed (400): the server would wait for
// more, but here nothing more will come.
RequestParse parse_http_request(std::string_view raw_bytes);

// "%3A" -> ":" and "+" -> " ", as a query string is decoded.
std::string percent_decode(std::string_view text);

}  // namespace reachprobe::exporters
