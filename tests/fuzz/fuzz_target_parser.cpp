// The target grammar of CONTRACT §2, as `check` and `/probe` read it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "targets/target_parser.hpp"

namespace {

using reachprobe::targets::Scheme;
using reachprobe::targets::Target;

// The parsed value written back in the grammar; parsing it again must give the same value,
// or two readers of one target (the allow-list and the prober) could disagree (STYLE R19).
std::string canonical(const Target& t) {
  std::string out;
  if (t.scheme != Scheme::host) out = std::string(reachprobe::targets::to_string(t.scheme)) + "://";
  if (t.user) out += *t.user + "@";
  bool v6 = t.host.find(':') != std::string::npos;
  out += v6 ? "[" + t.host + "]" : t.host;
  if (t.port) out += ":" + std::to_string(*t.port);
  return out + t.path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)reachprobe::targets::is_valid_hostname(text);
  auto parsed = reachprobe::targets::parse_target(text);
  if (!parsed) {
    FUZZ_CHECK(!parsed.error().empty());
    return 0;
  }
  const Target& t = *parsed;
  FUZZ_CHECK(t.text == text);
  FUZZ_CHECK(!t.host.empty());
  FUZZ_CHECK(!t.port || *t.port != 0);
  FUZZ_CHECK(t.scheme != Scheme::tcp || t.port);
  FUZZ_CHECK(t.host_is_ip_literal || reachprobe::targets::is_valid_hostname(t.host));
  auto again = reachprobe::targets::parse_target(canonical(t));
  FUZZ_CHECK(again);
  FUZZ_CHECK(again->scheme == t.scheme && again->host == t.host && again->port == t.port &&
             again->user == t.user && again->path == t.path &&
             again->host_is_ip_literal == t.host_is_ip_literal);
  return 0;
}
