// --web.config.file (exporter-toolkit format), from text; and the Basic credentials every
// request's Authorization header is checked with.
#include <cstddef>
#include <cstdint>
#include <string>

#include "exporters/web_config.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::enter_scratch_directory();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto config = reachprobe::exporters::load_web_config_text(text, "web.yml");
  if (!config) {
    FUZZ_CHECK(config.error().rfind("web.yml:", 0) == 0);
  } else {
    FUZZ_CHECK(config->cert_file.has_value() == config->key_file.has_value());
    for (const auto& [user, hash] : config->basic_auth_users) FUZZ_CHECK(hash.rfind("$2", 0) == 0);
  }
  // The same bytes as the Authorization header a client sends. The one user's hash has bcrypt
  // cost 4 ("pw"), so the inputs that reach crypt_r stay cheap.
  auto decoded = reachprobe::exporters::base64_decode(text);
  FUZZ_CHECK(decoded.size() <= text.size() * 3 / 4 + 1);
  static reachprobe::exporters::BasicAuth auth(
      {{"u", "$2b$04$qY8Q0ONXFmgOWItwhMc/KekPmR4kVxTI6rvaKN7qEaT.Qi7tMKuHu"}});
  if (auth.allows(text)) FUZZ_CHECK(text.rfind("Basic ", 0) == 0);
  reachprobe::exporters::BasicAuth open({});
  FUZZ_CHECK(open.allows(text));
  return 0;
}
