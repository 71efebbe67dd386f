#pragma once
// DNS wire format (RFC 1035) for one query and its response, with no I/O, so hostile answers are
// unit-tested and fuzzed on their own. Record text is what blackbox_exporter's DNS library
// (miekg/dns) prints with RR.String(), so validate_*_rrs regexes written for blackbox match here.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "targets/expected.hpp"

namespace reachprobe::net_io {

struct DnsQuestion {
  std::string name;  // presentation form, fully qualified
  std::uint16_t type = 0;
  std::uint16_t klass = 0;
};

struct DnsRecord {
  std::string name;  // presentation form, fully qualified ("web.lab."), miekg's escaping
  std::uint16_t type = 0, klass = 0;
  std::uint32_t ttl = 0;
  std::string text;                         // the whole record as miekg/dns RR.String() prints it
  std::optional<std::uint32_t> soa_serial;  // set for SOA records that carry rdata
};

struct DnsMessage {
  std::uint16_t id = 0;
  bool response = false, authoritative = false, truncated = false, recursion_desired = false,
       recursion_available = false;
  int rcode = 0;  // header rcode, extended with the (last) OPT record's upper bits when present
  std::vector<DnsQuestion> questions;
  std::vector<DnsRecord> answers, authority, additional;  // additional includes OPT, as in miekg
};

// A standard query (QR=0, opcode QUERY, no EDNS) with one question. The name is in presentation
// form with or without the trailing dot ("." is the root; \X and \DDD escapes are honoured).
// Errors: empty name, empty label, label over 63 octets, name over 255 octets on the wire.
targets::Expected<std::vector<std::uint8_t>> encode_dns_query(std::uint16_t id,
                                                              std::string_view name,
                                                              std::uint16_t type,
                                                              std::uint16_t klass,
                                                              bool recursion_desired);

// Parses any message, never reading out of bounds or looping on hostile input. A compression
// pointer must land before the run of labels it is read in (else: "compression loop", "forward
// compression pointer" or "compression pointer out of range"); names in rdata stay inside their
// rdata. As miekg does, a section whose count exceeds the entries present keeps those read and
// stops where the message ends exactly at an entry boundary (so a bare 12-byte header, as some
// resolvers answer REFUSED, has empty sections); a message that ends inside an entry is an error
// naming the section ("truncated answer section").
targets::Expected<DnsMessage> parse_dns_message(std::span<const std::uint8_t> bytes);

}  // namespace reachprobe::net_io
