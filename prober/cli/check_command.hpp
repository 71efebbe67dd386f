#pragma once
#include <span>
#include <string>

namespace reachprobe::cli {

// `reachprobe check [flags] TARGET...`: exit 0 all succeeded, 1 any failed, 2 usage error.
int run_check_command(std::span<const std::string> args);

}  // namespace reachprobe::cli
