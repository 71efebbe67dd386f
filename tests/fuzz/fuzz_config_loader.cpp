// The module config (blackbox's config file plus reachprobe's kinds), from text; and what
// /config prints of a config that loaded, which must load again and print the same.
#include <cstddef>
#include <cstdint>
#include <string>

#include "exporters/config_yaml.hpp"
#include "fuzz_check.hpp"
#include "targets/config_loader.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::enter_scratch_directory();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto config = reachprobe::targets::load_config_text(text, "fuzz.yml");
  if (!config) {
    // Errors are one "FILE:LINE: what" message.
    FUZZ_CHECK(config.error().rfind("fuzz.yml:", 0) == 0);
    return 0;
  }
  FUZZ_CHECK(config->file == "fuzz.yml");
  for (const auto& [name, module] : config->modules) FUZZ_CHECK(module.timeout.count() >= 0);
  auto dump = reachprobe::exporters::config_to_yaml(*config);
  auto again = reachprobe::targets::load_config_text(dump, "dump.yml");
  if (!again)
    std::fprintf(stderr, "/config output does not load: %s\n%s", again.error().c_str(),
                 dump.c_str());
  FUZZ_CHECK(again);
  FUZZ_CHECK(again->modules.size() == config->modules.size());
  auto dump_again = reachprobe::exporters::config_to_yaml(*again);
  if (dump_again != dump)
    std::fprintf(stderr, "first dump:\n%s\nsecond dump:\n%s", dump.c_str(), dump_again.c_str());
  FUZZ_CHECK(dump_again == dump);
  return 0;
}
