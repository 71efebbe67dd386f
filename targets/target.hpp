#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace reachprobe::targets {

// What the user asked to probe, as parsed from the CONTRACT §2 grammar. Holds text only:
// resolution and address families belong to the dns layer.
enum class Scheme : std::uint8_t { host, tcp, ssh, http, https, grpc, grpcs };

struct Target {
  std::string text;  // exactly as given, for reports
  Scheme scheme = Scheme::host;
  std::string host;  // a DNS name or an IP literal, without brackets
  std::optional<std::uint16_t> port;
  std::optional<std::string> user;  // ssh://user@host
  std::string path;                 // http(s) path+query, or grpc service name
  bool host_is_ip_literal = false;
};

const char* to_string(Scheme scheme);

}  // namespace reachprobe::targets
