// What a server sends before the SSH key exchange, judged as the ssh_banner layer does while
// the bytes arrive.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "net/ssh_banner.hpp"

namespace {

using reachprobe::net_io::BannerVerdict;
using reachprobe::net_io::judge_banner;

bool printable(const std::string& s) {
  return s.size() <= 200 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isprint(static_cast<unsigned char>(c)) != 0;
         });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string seen(reinterpret_cast<const char*>(data), size);
  reachprobe::engine::SshBannerEvidence evidence;
  auto verdict = judge_banner(seen, evidence);
  // Evidence goes into JSON and metrics labels: printable and bounded, whatever the peer sent.
  FUZZ_CHECK(printable(evidence.first_line) && printable(evidence.banner) &&
             printable(evidence.software));
  for (const auto& line : evidence.pre_banner_lines) FUZZ_CHECK(printable(line));
  if (verdict == BannerVerdict::banner) FUZZ_CHECK(evidence.banner.rfind("SSH-", 0) == 0);
  if (verdict != BannerVerdict::banner) FUZZ_CHECK(evidence.banner.empty());
  // The layer judges each time more bytes arrive: a verdict reached on the first part of the
  // bytes stands when the rest arrives (below the 2 KiB "too much text" limit, which may end a
  // wait early by design).
  if (size > 1) {
    std::size_t cut = data[0] % size;
    reachprobe::engine::SshBannerEvidence early;
    auto first = judge_banner(seen.substr(0, cut), early);
    if (first != BannerVerdict::waiting && cut < 2048 && early.pre_banner_lines.size() <= 16)
      FUZZ_CHECK(first == verdict);
  }
  return 0;
}
