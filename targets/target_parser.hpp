#pragma once
#include <string_view>

#include "targets/expected.hpp"
#include "targets/target.hpp"

namespace reachprobe::targets {

// Parses one target of CONTRACT §2: host, host:port, [v6]:port, tcp://, ssh://, http(s)://,
// grpc(s)://. Errors name the offending part, e.g. `port 70000 out of range 1-65535`.
Expected<Target> parse_target(std::string_view text);

// True for a syntactically valid DNS host name (RFC 1123 labels, at most 253 characters).
bool is_valid_hostname(std::string_view name);

}  // namespace reachprobe::targets
