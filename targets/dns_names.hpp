#pragma once
// DNS mnemonic tables as blackbox_exporter's DNS library (miekg/dns) spells them, so a
// blackbox.yml's query_type, query_class and valid_rcodes mean the same here.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace reachprobe::targets {

std::optional<std::uint16_t> dns_type_from_name(std::string_view name);  // "AAAA" -> 28
std::string dns_type_name(std::uint16_t type);  // 28 -> "AAAA", 999 -> "TYPE999"
std::optional<std::uint16_t> dns_class_from_name(std::string_view name);  // "IN" -> 1
std::string dns_class_name(std::uint16_t klass);                // 1 -> "IN", 9 -> "CLASS9"
std::optional<int> dns_rcode_from_name(std::string_view name);  // "NXDOMAIN" -> 3
std::string dns_rcode_name(int rcode);                          // 3 -> "NXDOMAIN", 99 -> "RCODE99"

}  // namespace reachprobe::targets
