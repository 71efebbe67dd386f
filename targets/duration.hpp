#pragma once
#include <chrono>
#include <string_view>

#include "targets/expected.hpp"

namespace reachprobe::targets {

// Parses "10s", "500ms", "1.5s", "2m", "1h30m" (Go/Prometheus style; fractions allowed) and a
// bare number as seconds. Rejects zero, negatives and garbage with a one-line reason.
Expected<std::chrono::nanoseconds> parse_duration(std::string_view text);

// Go's time.ParseDuration, as blackbox_exporter reads a module's `timeout` (yaml.v3 into a
// time.Duration): a sign, then number-unit pairs ("1m30s", "1.5s", ".5h", "500ms", "2us",
// "3µs"), or a bare "0". A unit is required otherwise; zero and negative values are valid
// (a module timeout <= 0 means "not set"). Over about 292 years is an error, as in Go.
Expected<std::chrono::nanoseconds> parse_go_duration(std::string_view text);

}  // namespace reachprobe::targets
