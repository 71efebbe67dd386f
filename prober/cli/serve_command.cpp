#include "cli/serve_command.hpp"

#include <iostream>
#include <utility>

#include "cli/serve_flags.hpp"
#include "serve/daemon.hpp"
#include "serve/serve_state.hpp"

namespace reachprobe::cli {

int run_serve_command(std::span<const std::string> args) {
  auto fail = [](const std::string& message) {
    std::cerr << "reachprobe: " << message << "\n";
    return 2;
  };
  auto flags = parse_serve_flags(args);
  if (!flags) return fail(flags.error());
  auto loaded = serve::load_serve_config(flags->config_file);
  if (!loaded) return fail(loaded.error());
  if (flags->config_check) {
    std::cout << "Config file is ok\n";
    return 0;
  }
  return serve::run_daemon(std::move(flags).value(), std::move(loaded).value(), std::cerr);
}

}  // namespace reachprobe::cli
