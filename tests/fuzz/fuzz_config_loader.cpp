// The module config (blackbox's config file plus reachprobe's kinds), from text.
#include <cstddef>
#include <cstdint>
#include <string>

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
  return 0;
}
