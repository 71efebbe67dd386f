#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace reachprobe::exporters {

// Text made safe inside HTML elements and attribute values.
std::string html_escape(std::string_view text);

// A query-string value, percent-encoded (for links the pages build).
std::string url_encode(std::string_view text);

// "2026-12-03 08:05:02Z" from milliseconds since the epoch; "-" for 0.
std::string utc_time(std::int64_t ms);

// "3d 4h", "12m 5s": how long since `from_ms`.
std::string elapsed(std::int64_t from_ms, std::int64_t now_ms);

// "99.95 %" with the digits an availability needs; "-" without runs.
std::string percent(const std::optional<double>& ratio);

// "12.3 ms", "1.20 s"; "-" when unknown.
std::string duration_text(const std::optional<double>& seconds);

}  // namespace reachprobe::exporters
