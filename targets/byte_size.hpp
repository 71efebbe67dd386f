#pragma once
#include <cstdint>
#include <string_view>

#include "targets/expected.hpp"

namespace reachprobe::targets {

// A size as blackbox_exporter reads `body_size_limit` (Go's units.Base2Bytes): a number with a
// unit, powers of 1024 whichever spelling ("1MB" and "1MiB" are both 1,048,576; "512KiB",
// "1.5KB", "1GB512MB", "100B"), "0", or, as YAML writes an integer, plain bytes ("4096").
// Units: B, KB/KiB, MB/MiB, GB/GiB, TB/TiB, PB/PiB, EB/EiB (case as written). Errors are one
// line naming the text.
Expected<std::int64_t> parse_byte_size(std::string_view text);

}  // namespace reachprobe::targets
