// A DNS response as it comes off the wire (hostile peer), the record text validate_*_rrs
// regexps see, and the query encoder against the parser.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "net/dns_message.hpp"

namespace {

using reachprobe::net_io::encode_dns_query;
using reachprobe::net_io::parse_dns_message;

// A name the parser printed, encoded again, must read back as the same name: the encoder's
// escapes (\X, \DDD) and the printer's are one language.
void check_round_trip(const reachprobe::net_io::DnsQuestion& q) {
  auto query = encode_dns_query(7, q.name, q.type, q.klass, true);
  if (!query) return;
  auto back = parse_dns_message(*query);
  FUZZ_CHECK(back);
  FUZZ_CHECK(back->questions.size() == 1);
  FUZZ_CHECK(back->questions[0].name == q.name);
  FUZZ_CHECK(back->questions[0].type == q.type && back->questions[0].klass == q.klass);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> bytes(data, size);
  auto message = parse_dns_message(bytes);
  if (message) {
    for (const auto& q : message->questions) check_round_trip(q);
    for (const auto* section : {&message->answers, &message->authority, &message->additional}) {
      for (const auto& rr : *section) {
        FUZZ_CHECK(!rr.name.empty() && rr.name.back() == '.');
        FUZZ_CHECK(rr.text.find('\n') == std::string::npos || rr.type == 41);
      }
    }
  } else {
    FUZZ_CHECK(!message.error().empty());
  }
  // The same bytes as a query name from a config (query_name:).
  if (size <= 300) {
    std::string_view name(reinterpret_cast<const char*>(data), size);
    auto query = encode_dns_query(0x1234, name, 1, 1, false);
    if (query) {
      auto back = parse_dns_message(*query);
      FUZZ_CHECK(back);
      FUZZ_CHECK(back->questions.size() == 1);
      check_round_trip(back->questions[0]);
    }
  }
  return 0;
}
