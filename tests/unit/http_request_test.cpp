// The exporter's request path from raw bytes: the same parser, limits and conversion the
// server uses, answered with the status the server would send.
#include "exporters/http_request.hpp"

#include <gtest/gtest.h>

#include <string>

namespace reachprobe::exporters {
namespace {

TEST(ParseHttpRequest, ProbeRequestWithQueryAndScrapeTimeout) {
  auto parsed = parse_http_request(
      "GET /probe?target=198.18.3.2%3A22&module=tcp_connect&module=other HTTP/1.1\r\n"
      "Host: x\r\nX-Prometheus-Scrape-Timeout-Seconds: 4.5\r\n"
      "Authorization: Basic dTpw\r\n\r\n");
  ASSERT_TRUE(parsed.request);
  EXPECT_EQ(parsed.status, 0u);
  EXPECT_EQ(parsed.request->method, "GET");
  EXPECT_EQ(parsed.request->path, "/probe");
  EXPECT_EQ(parsed.request->query.at("target"), "198.18.3.2:22");
  EXPECT_EQ(parsed.request->query.at("module"), "tcp_connect");  // the first wins
  EXPECT_EQ(parsed.request->scrape_timeout, "4.5");
  EXPECT_EQ(parsed.request->authorization, "Basic dTpw");
}

TEST(ParseHttpRequest, PostWithBodyWithinTheLimit) {
  auto parsed = parse_http_request("POST /-/reload HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
  ASSERT_TRUE(parsed.request);
  EXPECT_EQ(parsed.request->path, "/-/reload");
}

TEST(ParseHttpRequest, HeaderOverTheLimitIs431) {
  std::string raw = "GET / HTTP/1.1\r\nX-Big: " + std::string(20 * 1024, 'a') + "\r\n\r\n";
  EXPECT_EQ(parse_http_request(raw).status, 431u);
  // Also when the block never ends: the limit is reached before the end is seen.
  EXPECT_EQ(parse_http_request("GET / HTTP/1.1\r\nX-Big: " + std::string(20 * 1024, 'a')).status,
            431u);
}

TEST(ParseHttpRequest, BodyOverTheLimitIs413) {
  std::string body(100 * 1024, 'b');
  std::string raw = "POST /-/reload HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) +
                    "\r\n\r\n" + body;
  EXPECT_EQ(parse_http_request(raw).status, 413u);
  // A chunked body is judged as it grows.
  std::string chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 100; ++i) chunked += "400\r\n" + std::string(1024, 'c') + "\r\n";
  chunked += "0\r\n\r\n";
  EXPECT_EQ(parse_http_request(chunked).status, 413u);
}

TEST(ParseHttpRequest, GarbageAndTruncationAre400) {
  for (std::string raw : {std::string("garbage\r\n\r\n"), std::string("GET\r\n\r\n"),
                          std::string("GET / HTTP/9.9\r\n\r\n"), std::string("\x16\x03\x01", 3),
                          std::string("GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n"),
                          std::string("GET / HTTP/1.1\r\nHost: x\r\n"), std::string(),
                          std::string("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")}) {
    auto parsed = parse_http_request(raw);
    EXPECT_FALSE(parsed.request) << raw;
    EXPECT_EQ(parsed.status, 400u) << raw;
  }
}

TEST(ParseHttpRequest, EveryPrefixOfAGoodRequestIsAnAnswerNotACrash) {
  const std::string raw =
      "GET /probe?target=a%2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\n\r\n";
  for (std::size_t n = 0; n <= raw.size(); ++n) {
    auto parsed = parse_http_request(raw.substr(0, n));
    EXPECT_EQ(parsed.request.has_value(), parsed.status == 0) << n;
  }
  EXPECT_TRUE(parse_http_request(raw).request);
}

TEST(StatusForReadError, ClientGoneIsAnsweredWithNothing) {
  namespace http = boost::beast::http;
  EXPECT_EQ(status_for_read_error(http::error::end_of_stream), 0u);
  EXPECT_EQ(status_for_read_error(http::error::partial_message), 0u);
  EXPECT_EQ(status_for_read_error(boost::beast::error::timeout), 0u);
  EXPECT_EQ(status_for_read_error(http::error::header_limit), 431u);
  EXPECT_EQ(status_for_read_error(http::error::body_limit), 413u);
  EXPECT_EQ(status_for_read_error(http::error::bad_method), 400u);
}

}  // namespace
}  // namespace reachprobe::exporters
