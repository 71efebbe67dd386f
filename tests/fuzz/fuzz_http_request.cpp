// The exporter's request path: the bytes a client sends, through the server's own parser and
// limits (parse_http_request), as /probe, /metrics and the rest see them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "exporters/http_request.hpp"
#include "fuzz_check.hpp"

namespace {

using reachprobe::exporters::kRequestHeaderLimit;
using reachprobe::exporters::parse_http_request;

void check(std::string_view raw) {
  auto parsed = parse_http_request(raw);
  if (!parsed.request) {
    FUZZ_CHECK(parsed.status == 400 || parsed.status == 413 || parsed.status == 431);
    return;
  }
  FUZZ_CHECK(parsed.status == 0);
  // The header the server accepted is within its limit. Beast applies header_limit to the
  // request line and to the fields each (both parts are bounded, the sum up to twice the
  // limit): the first run of this target found a 16,385-byte header block accepted.
  auto line_end = raw.find("\r\n");
  auto end = raw.find("\r\n\r\n");
  FUZZ_CHECK(line_end != std::string_view::npos && end != std::string_view::npos);
  FUZZ_CHECK(line_end + 2 <= kRequestHeaderLimit &&
             end + 4 - (line_end + 2) <= kRequestHeaderLimit);
  FUZZ_CHECK(!parsed.request->method.empty());
  for (const auto& [key, value] : parsed.request->query) FUZZ_CHECK(!key.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  check(raw);
  FUZZ_CHECK(reachprobe::exporters::percent_decode(raw).size() <= size);
  // The same request with a header that brings the block to within a few bytes either side of
  // the 16 KiB limit, so the 431 edge is reached without 16 KiB inputs.
  auto line_end = raw.find("\r\n");
  if (size > 0 && line_end != std::string_view::npos && size < kRequestHeaderLimit - 64) {
    std::size_t want = kRequestHeaderLimit - size - 28 + static_cast<std::size_t>(data[0] % 32);
    std::string padded(raw.substr(0, line_end + 2));
    padded += "X-Pad: " + std::string(want, 'a') + "\r\n";
    padded += raw.substr(line_end + 2);
    check(padded);
  }
  return 0;
}
