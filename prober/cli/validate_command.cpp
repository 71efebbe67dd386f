#include "cli/validate_command.hpp"

#include <iostream>

#include "schedule/key_spec.hpp"
#include "targets/config_loader.hpp"

namespace reachprobe::cli {

int run_validate_command(std::span<const std::string> args) {
  std::string file = "reachprobe.yml";
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i].rfind("--config.file=", 0) == 0) {
      file = args[i].substr(14);
    } else if (args[i] == "--config.file" && i + 1 < args.size()) {
      file = args[++i];
    } else {
      std::cerr << "reachprobe: validate: unknown argument \"" << args[i] << "\"\n";
      return 2;
    }
  }
  auto config = targets::load_config_file(file);
  if (!config) {
    std::cerr << "reachprobe: " << config.error() << "\n";
    return 2;
  }
  auto keys = schedule::build_config_keys(*config, "validate");
  if (!keys) {
    std::cerr << "reachprobe: " << keys.error() << "\n";
    return 2;
  }
  std::cout << file << ": " << config->modules.size() << " modules OK";
  if (!keys->empty() || !config->file_sd.empty()) {
    std::cout << ", " << keys->size() << " scheduled keys, " << config->file_sd.size()
              << " file_sd entries";
  }
  std::cout << "\n";
  return 0;
}

}  // namespace reachprobe::cli
