// argv -> command; nothing else lives here.
#include <iostream>
#include <span>
#include <string>
#include <vector>

#include "cli/check_command.hpp"
#include "cli/file_capabilities.hpp"
#include "cli/serve_command.hpp"
#include "cli/validate_command.hpp"

namespace {

constexpr const char* kUsage =
    "usage: reachprobe check [flags] TARGET...   one-shot layered diagnosis\n"
    "       reachprobe serve [--config.file F] [--web.listen-address :9115] [--timeout-offset "
    "0.5]\n"
    "       reachprobe validate --config.file F\n"
    "       reachprobe --config.file F ...           serve, as blackbox_exporter's flags say\n"
    "       reachprobe version\n"
    "Run 'reachprobe check --help' for the check flags.\n";

}  // namespace

int main(int argc, char** argv) {
  reachprobe::cli::raise_permitted_capabilities();
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  auto rest = std::span<const std::string>(args).subspan(1);
  if (command == "check") return reachprobe::cli::run_check_command(rest);
  if (command == "version" || command == "--version") {
    std::cout << "reachprobe " << REACHPROBE_VERSION << "\n";
    return 0;
  }
  if (command == "validate") return reachprobe::cli::run_validate_command(rest);
  if (command == "serve") return reachprobe::cli::run_serve_command(rest);
  // blackbox_exporter's command line, flags only ("--config.file=/config/blackbox.yml"): that is
  // serve, so an image swapped for prom/blackbox-exporter keeps its arguments.
  if (command.starts_with("--")) return reachprobe::cli::run_serve_command(args);
  std::cerr << "reachprobe: unknown command \"" << command << "\"\n" << kUsage;
  return 2;
}
