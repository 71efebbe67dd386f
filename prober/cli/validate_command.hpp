#pragma once
#include <span>
#include <string>

namespace reachprobe::cli {

// `reachprobe validate --config.file F`: exit 0 when the file loads and every scheduled target
// parses against its module, 2 with the FILE:LINE reason otherwise.
int run_validate_command(std::span<const std::string> args);

}  // namespace reachprobe::cli
