#include "exporters/http_request.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

namespace reachprobe::exporters {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void apply_request_limits(RequestParser& parser) {
  parser.header_limit(static_cast<std::uint32_t>(kRequestHeaderLimit));
  parser.body_limit(kRequestBodyLimit);
}

unsigned status_for_read_error(boost::system::error_code error) {
  if (!error) return 0;
  if (error == http::error::header_limit) return 431;
  if (error == http::error::body_limit) return 413;
  // Nobody is left to read an answer, or the client was too slow to deserve one.
  if (error == http::error::end_of_stream || error == http::error::partial_message ||
      error == beast::error::timeout ||
      error.category() != boost::system::error_code(http::error::end_of_stream).category()) {
    return 0;
  }
  return 400;
}

HttpRequest to_request(const RawRequest& raw) {
  HttpRequest out;
  out.method = std::string(raw.method_string());
  std::string_view target = raw.target();
  auto question = target.find('?');
  out.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) {
    std::string_view query = target.substr(question + 1);
    while (!query.empty()) {
      auto amp = query.find('&');
      std::string_view pair = query.substr(0, amp);
      auto eq = pair.find('=');
      std::string key = percent_decode(pair.substr(0, eq));
      std::string value = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
      if (!key.empty() && !out.query.contains(key)) out.query[key] = value;  // first wins
      if (amp == std::string_view::npos) break;
      query = query.substr(amp + 1);
    }
  }
  if (auto it = raw.find("X-Prometheus-Scrape-Timeout-Seconds"); it != raw.end()) {
    out.scrape_timeout = std::string(it->value());
  }
  if (auto it = raw.find(http::field::authorization); it != raw.end()) {
    out.authorization = std::string(it->value());
  }
  return out;
}

RequestParse parse_http_request(std::string_view raw_bytes) {
  RequestParser parser;
  apply_request_limits(parser);
  parser.eager(true);
  boost::system::error_code error;
  std::size_t used = 0;
  // Beast's parser takes the header only whole and the body as far as it goes: feed it what
  // is left until the message is done, it fails, or it can make no progress.
  while (!parser.is_done()) {
    std::size_t n =
        parser.put(boost::asio::buffer(raw_bytes.data() + used, raw_bytes.size() - used), error);
    used += n;
    if (error == http::error::need_more) error = {};
    if (error) {
      unsigned status = status_for_read_error(error);
      return RequestParse{std::nullopt, status == 0 ? 400u : status};
    }
    if (n == 0) break;
  }
  if (!parser.is_done()) return RequestParse{std::nullopt, 400};
  return RequestParse{to_request(parser.get()), 0};
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace reachprobe::exporters
