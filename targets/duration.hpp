#pragma once
#include <chrono>
#include <string_view>

#include "targets/expected.hpp"

namespace reachprobe::targets {

// Parses "10s", "500ms", "1.5s", "2m", "1h30m" (Go/Prometheus style; fractions allowed) and a
// bare number as seconds. Rejects zero, negatives and garbage with a one-line reason.
Expected<std::chrono::nanoseconds> parse_duration(std::string_view text);

}  // namespace reachprobe::targets
