#pragma once
// Internal to the DNS codec: names and records in presentation form, byte for byte as
// blackbox_exporter's DNS library (miekg/dns) prints them with RR.String(), so validate_*_rrs
// regexes written for blackbox match here. Kept apart from the wire reader in dns_message.cpp
// because the two change for different reasons: the reader when hostile input finds a gap, this
// side when miekg's printing differs from ours.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "net/dns_message.hpp"

namespace reachprobe::net_io::dns_text {

// Appends one label's bytes with miekg's escaping (\. \" ... and \DDD), without the dot after it.
void append_label(std::string& out, std::span<const std::uint8_t> label);

// The reads record text needs over one rdata. Text is formatted while the rdata is read (miekg
// unpacks, then prints), and a name in rdata may be a compression pointer into the rest of the
// message, so the wire side implements this over the whole message. A failed read returns zeros
// or nothing and the failure sticks: a formatter reads all its fields and its caller checks once.
class RdataReader {
 public:
  virtual ~RdataReader() = default;
  virtual std::span<const std::uint8_t> take(std::size_t n) = 0;  // fails when fewer are left
  virtual std::string name() = 0;                                 // presentation form: "lab."
  virtual std::size_t remaining() const = 0;
  virtual bool failed() const = 0;

  bool at_end() const { return remaining() == 0; }
  std::span<const std::uint8_t> rest() { return take(remaining()); }
  std::span<const std::uint8_t> character_string() { return take(u8()); }
  std::uint8_t u8() {
    auto b = take(1);
    return b.empty() ? 0 : b[0];
  }
  std::uint16_t u16() {
    auto b = take(2);
    return b.empty() ? 0 : static_cast<std::uint16_t>(b[0] << 8 | b[1]);
  }
  std::uint32_t u32() {
    std::uint32_t hi = u16();
    return hi << 16 | u16();
  }

 protected:
  RdataReader() = default;
  RdataReader(const RdataReader&) = default;  // the wire reader is copied to read ahead
  RdataReader& operator=(const RdataReader&) = default;
};

// The whole record as miekg's RR.String() prints it: rec's name, TTL, class and type, then the
// rdata read from rd (which must be exactly rec's rdata). OPT prints as dig's pseudo-section and
// types without a known layout in the RFC 3597 generic form. Errors are left in rd.
std::string record_text(const DnsRecord& rec, RdataReader& rd);

}  // namespace reachprobe::net_io::dns_text
