#include "net/ssh_banner.hpp"

#include <algorithm>
#include <cctype>

namespace reachprobe::net_io {

namespace {

std::string printable(std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  for (auto& c : line) {
    if (std::isprint(static_cast<unsigned char>(c)) == 0) c = '?';
  }
  return line.substr(0, 200);
}

}  // namespace

// RFC 4253 §4.2: the server may send other lines before "SSH-"; anything binary, an HTTP
// status line, or too much text without an identification is something else answering.
BannerVerdict judge_banner(const std::string& seen, engine::SshBannerEvidence& evidence) {
  evidence.pre_banner_lines.clear();
  std::size_t start = 0;
  while (true) {
    auto newline = seen.find('\n', start);
    std::string line =
        seen.substr(start, newline == std::string::npos ? std::string::npos : newline - start);
    if (evidence.first_line.empty() && !line.empty()) evidence.first_line = printable(line);
    bool binary = std::any_of(line.begin(), line.end(), [](char c) {
      auto u = static_cast<unsigned char>(c);
      return u == 0 || (u < 0x20 && c != '\r' && c != '\t');
    });
    if (binary || line.rfind("HTTP/", 0) == 0) return BannerVerdict::not_ssh;
    if (newline == std::string::npos) break;
    if (line.rfind("SSH-", 0) == 0) {
      evidence.banner = printable(line);
      auto rest = evidence.banner.substr(evidence.banner.find('-', 4) + 1);
      evidence.software = rest.substr(0, rest.find(' '));
      return BannerVerdict::banner;
    }
    evidence.pre_banner_lines.push_back(printable(line));
    start = newline + 1;
  }
  bool too_much = seen.size() >= 2048 || evidence.pre_banner_lines.size() > 16;
  return too_much ? BannerVerdict::not_ssh : BannerVerdict::waiting;
}

}  // namespace reachprobe::net_io
