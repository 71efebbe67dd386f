#pragma once
#include <string_view>

namespace reachprobe::targets {

// Whether an http module's `compression` is among the encodings its own `Accept-Encoding`
// header accepts, as blackbox_exporter checks at load: the header's entries ("gzip",
// "br;q=0.5", "*;q=0") are ranked by quality, highest first (ties keep their order), and the
// first that names the compression or "*" decides: accepted when its quality is above 0. No
// compression or no header is always acceptable. An unreadable quality counts as 0.
bool compression_acceptable(std::string_view compression, std::string_view accept_encoding);

}  // namespace reachprobe::targets
