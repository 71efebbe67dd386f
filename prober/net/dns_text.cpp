#include "net/dns_text.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>
#include <utility>

#include "targets/dns_names.hpp"

namespace reachprobe::net_io::dns_text {
namespace {

constexpr std::uint16_t kTypeOpt = 41;
constexpr char kHexDigits[] = "0123456789abcdef";

// ---- Escaping -------------------------------------------------------------------------------

// A byte of a name or character-string: backslash before a special byte, \DDD for one that is
// not printable ASCII, else the byte itself.
void append_escaped(std::string& out, std::uint8_t b, bool special) {
  if (special) {
    out += '\\';
    out += static_cast<char>(b);
  } else if (b < ' ' || b > '~') {
    out += '\\';
    out += static_cast<char>('0' + b / 100);
    out += static_cast<char>('0' + b / 10 % 10);
    out += static_cast<char>('0' + b % 10);
  } else {
    out += static_cast<char>(b);
  }
}

// Inside a quoted character-string miekg escapes only the quote, the backslash and non-printables.
void append_txt_byte(std::string& out, std::uint8_t b) {
  append_escaped(out, b, b == '"' || b == '\\');
}

std::string quoted(std::span<const std::uint8_t> bytes) {
  std::string out = "\"";
  for (auto b : bytes) append_txt_byte(out, b);
  return out + '"';
}

bool is_digit(std::uint8_t b) {
  return b >= '0' && b <= '9';
}

// miekg's sprintTxtOctet (CAA value, URI target): these fields are kept raw, and printing re-reads
// backslash escapes already in the data as zone-file escapes, keeps "\." and drops a final "\".
std::string quoted_octets(std::span<const std::uint8_t> s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    std::size_t left = s.size() - i;
    if (s[i] != '\\') {
      append_txt_byte(out, s[i++]);
    } else if (left == 1) {
      break;
    } else if (s[i + 1] == '.') {
      out += "\\.";
      i += 2;
    } else if (left >= 4 && is_digit(s[i + 1]) && is_digit(s[i + 2]) && is_digit(s[i + 3])) {
      int value = (s[i + 1] - '0') * 100 + (s[i + 2] - '0') * 10 + (s[i + 3] - '0');
      append_txt_byte(out, static_cast<std::uint8_t>(value & 0xff));  // Go's byte arithmetic wraps
      i += 4;
    } else {
      append_txt_byte(out, s[i + 1]);
      i += 2;
    }
  }
  return out + '"';
}

// ---- Numbers and addresses -----------------------------------------------------------------

std::string hex(std::span<const std::uint8_t> bytes, bool upper = false) {
  std::string out;
  for (auto b : bytes) {
    out += kHexDigits[b >> 4];
    out += kHexDigits[b & 0xf];
  }
  if (upper) {
    for (auto& c : out) c = (c >= 'a') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return out;
}

// Go's base64.StdEncoding, as miekg prints DNSKEY keys.
std::string base64(std::span<const std::uint8_t> in) {
  constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    std::size_t left = in.size() - i;
    std::uint32_t n = static_cast<std::uint32_t>(in[i]) << 16;
    if (left > 1) n |= static_cast<std::uint32_t>(in[i + 1]) << 8;
    if (left > 2) n |= in[i + 2];
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += left > 1 ? kAlphabet[n >> 6 & 63] : '=';
    out += left > 2 ? kAlphabet[n & 63] : '=';
  }
  return out;
}

std::string ipv4_text(std::span<const std::uint8_t> b) {
  if (b.size() != 4) return {};  // empty rdata: miekg prints nothing after the header
  return std::to_string(b[0]) + '.' + std::to_string(b[1]) + '.' + std::to_string(b[2]) + '.' +
         std::to_string(b[3]);
}

// Go's net.IP String() (RFC 5952: first longest run of two or more zero groups becomes "::").
// Unlike glibc's inet_ntop it never prints "::a.b.c.d"; v4-mapped addresses print dotted and
// miekg prefixes them with "::ffff:".
std::string ipv6_text(std::span<const std::uint8_t> b) {
  if (b.size() != 16) return {};
  std::array<unsigned, 8> g{};
  for (std::size_t i = 0; i < 8; ++i) g[i] = static_cast<unsigned>(b[2 * i] << 8 | b[2 * i + 1]);
  if (g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xffff)
    return "::ffff:" + ipv4_text(b.subspan(12));
  std::size_t zero_start = 8, zero_len = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    std::size_t j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i >= 2 && j - i > zero_len) {
      zero_start = i;
      zero_len = j - i;
    }
  }
  std::string out;
  for (std::size_t i = 0; i < 8; ++i) {
    if (i == zero_start) {
      out += "::";
      i += zero_len - 1;
      continue;
    }
    if (i > 0 && i != zero_start + zero_len) out += ':';
    char buf[5];
    int n = 0;
    for (int shift = 12; shift >= 0; shift -= 4) {
      unsigned nibble = g[i] >> shift & 0xf;
      if (n > 0 || nibble != 0 || shift == 0) buf[n++] = kHexDigits[nibble];
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

// ---- Record text ----------------------------------------------------------------------------

// miekg's rdata layouts for the types probes meet, one character per field: '1' '2' '4' an
// unsigned of that many octets, 'N' a domain name, 'S' a quoted <character-string>, 'T' one
// printed unquoted (CAA tag), 'O' the rest as quoted octets, '*' strings to the end (TXT), 'h'
// 'H' 'B' the rest as hex, upper-case hex, base64, 'a' and '6' an IPv4 and IPv6 address. Other
// types print in the RFC 3597 generic form.
constexpr auto kLayouts = std::to_array<std::pair<std::uint16_t, std::string_view>>({
    {1, "a"},     {28, "6"},      {2, "N"},        {3, "N"},        {4, "N"},       {5, "N"},
    {7, "N"},     {8, "N"},       {9, "N"},        {12, "N"},       {23, "N"},      {39, "N"},
    {15, "2N"},   {18, "2N"},     {21, "2N"},      {36, "2N"},      {14, "NN"},     {17, "NN"},
    {26, "2NN"},  {6, "NN44444"}, {13, "SS"},      {33, "222N"},    {35, "22SSSN"}, {101, "4"},
    {102, "4"},   {256, "22O"},   {257, "1TO"},    {16, "*"},       {99, "*"},      {258, "*"},
    {43, "211H"}, {59, "211H"},   {32768, "211H"}, {32769, "211H"}, {44, "11H"},    {52, "111h"},
    {25, "211B"}, {48, "211B"},   {60, "211B"},    {49, "B"},       {61, "B"},
});

// TXT, SPF, AVC: every <character-string> to the end of the rdata.
std::string all_strings(RdataReader& rd) {
  std::string out;
  while (!rd.at_end() && !rd.failed()) {
    if (!out.empty()) out += ' ';
    out += quoted(rd.character_string());
  }
  return out;
}

// miekg stops unpacking rdata that ends exactly between two fields and leaves the remaining
// fields zero (so "MX 10" with no exchange prints "10 "); a field cut in half stays an error.
std::string zero_field(char kind) {
  if (kind == '1' || kind == '2' || kind == '4') return "0";
  return kind == 'S' || kind == 'O' ? "\"\"" : "";
}

std::string read_field(RdataReader& rd, char kind) {
  if (rd.at_end()) return zero_field(kind);
  switch (kind) {
    case '1':
      return std::to_string(rd.u8());
    case '2':
      return std::to_string(rd.u16());
    case '4':
      return std::to_string(rd.u32());
    case 'N':
      return rd.name();
    case 'S':
      return quoted(rd.character_string());
    case 'T': {
      std::string s = quoted(rd.character_string());
      return s.substr(1, s.size() - 2);
    }
    case 'O':
      return quoted_octets(rd.rest());
    case 'h':
      return hex(rd.rest());
    case 'H':
      return hex(rd.rest(), true);
    case 'B':
      return base64(rd.rest());
    case 'a':
      return ipv4_text(rd.take(4));
    case '6':
      return ipv6_text(rd.take(16));
    default:
      return all_strings(rd);
  }
}

// Fields in wire order, space separated; nullopt for types without a layout.
std::optional<std::string> rdata_text(std::uint16_t type, RdataReader& rd) {
  auto it = std::find_if(kLayouts.begin(), kLayouts.end(),
                         [&](const auto& layout) { return layout.first == type; });
  if (it == kLayouts.end()) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < it->second.size(); ++i) {
    if (i > 0) out += ' ';
    out += read_field(rd, it->second[i]);
  }
  return out;
}

// miekg's RR_Header.String(). The RFC 3597 (generic) form prints class and type as numbers even
// when a mnemonic exists.
std::string header_text(const DnsRecord& rec, bool generic) {
  std::string out = rec.name;
  out += '\t';
  out += std::to_string(rec.ttl);
  out += '\t';
  out += generic ? "CLASS" + std::to_string(rec.klass) : targets::dns_class_name(rec.klass);
  out += '\t';
  out += generic ? "TYPE" + std::to_string(rec.type) : targets::dns_type_name(rec.type);
  out += '\t';
  return out;
}

std::string option_text(std::uint16_t code, std::span<const std::uint8_t> data) {
  switch (code) {
    case 3: {  // NSID: hex, then each byte as Go's string(rune(b)) in parentheses
      std::string s = "\n; NSID: " + hex(data) + "  ";
      for (auto b : data) {
        s += '(';
        if (b < 0x80)
          s += static_cast<char>(b);
        else
          s += {static_cast<char>(0xc0 | b >> 6), static_cast<char>(0x80 | (b & 0x3f))};
        s += ')';
      }
      return s;
    }
    case 10:
      return "\n; COOKIE: " + hex(data);
    case 12:
      return "\n; PADDING: " + hex(data, true);
    default:
      return "\n; LOCAL OPT: " + std::to_string(code) + ":0x" + hex(data);
  }
}

// OPT prints as dig's pseudo-section (miekg's OPT.String), not as a record line.
std::string opt_text(const DnsRecord& rec, RdataReader& rd) {
  std::string s =
      "\n;; OPT PSEUDOSECTION:\n; EDNS: version " + std::to_string(rec.ttl >> 16 & 0xff) +
      "; flags:" + ((rec.ttl & 0x8000) ? " do" : "") + ((rec.ttl & 0x4000) ? " co" : "") + "; ";
  if (std::uint32_t z = rec.ttl & 0x3fff) {
    std::array<std::uint8_t, 2> be = {static_cast<std::uint8_t>(z >> 8),
                                      static_cast<std::uint8_t>(z)};
    s += "MBZ: 0x" + hex(be) + ", ";
  }
  s += "udp: " + std::to_string(rec.klass);
  while (!rd.at_end() && !rd.failed()) {
    std::uint16_t code = rd.u16();
    auto data = rd.take(rd.u16());
    s += option_text(code, data);
  }
  return s;
}

}  // namespace

// miekg's isDomainNameLabelSpecial: these would end or change a label in a zone file.
void append_label(std::string& out, std::span<const std::uint8_t> label) {
  constexpr std::string_view kSpecial = ". '@;()\"\\";
  for (auto b : label)
    append_escaped(out, b, kSpecial.find(static_cast<char>(b)) != std::string_view::npos);
}

std::string record_text(const DnsRecord& rec, RdataReader& rd) {
  if (rec.type == kTypeOpt) return opt_text(rec, rd);
  if (auto text = rdata_text(rec.type, rd)) return header_text(rec, false) + *text;
  auto data = rd.rest();
  return header_text(rec, true) + "\\# " + std::to_string(data.size()) + ' ' + hex(data);
}

}  // namespace reachprobe::net_io::dns_text
