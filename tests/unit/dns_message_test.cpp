#include "net/dns_message.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "targets/dns_names.hpp"

namespace reachprobe::net_io {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Writes DNS messages byte by byte, so each test states exactly what a server sent, including
// compression pointers and deliberately broken lengths.
class Wire {
 public:
  Wire& u8(unsigned v) {
    bytes.push_back(static_cast<std::uint8_t>(v));
    return *this;
  }
  Wire& u16(unsigned v) { return u8(v >> 8).u8(v & 0xff); }
  Wire& u32(std::uint32_t v) { return u16(v >> 16).u16(v & 0xffff); }
  Wire& raw(std::string_view s) {
    for (char c : s) u8(static_cast<unsigned char>(c));
    return *this;
  }
  Wire& label(std::string_view s) { return u8(static_cast<unsigned>(s.size())).raw(s); }
  Wire& root() { return u8(0); }
  Wire& pointer(unsigned offset) { return u16(0xc000 | offset); }
  Wire& header(unsigned id, unsigned flags, unsigned qd, unsigned an, unsigned ns, unsigned ar) {
    return u16(id).u16(flags).u16(qd).u16(an).u16(ns).u16(ar);
  }
  // Type, class, TTL, then an rdlength patched by end_rdata().
  Wire& rr(unsigned type, unsigned klass, std::uint32_t ttl) {
    u16(type).u16(klass).u32(ttl);
    rdlength_at_ = bytes.size();
    return u16(0);
  }
  Wire& end_rdata() {
    std::size_t len = bytes.size() - rdlength_at_ - 2;
    bytes[rdlength_at_] = static_cast<std::uint8_t>(len >> 8);
    bytes[rdlength_at_ + 1] = static_cast<std::uint8_t>(len & 0xff);
    return *this;
  }
  std::size_t size() const { return bytes.size(); }

  Bytes bytes;

 private:
  std::size_t rdlength_at_ = 0;
};

// Offsets in every response below: the question name "web.lab." starts at 12, its "lab." at 16.
constexpr unsigned kWebLab = 12, kLab = 16;

Wire response_header(unsigned flags, unsigned an, unsigned ns = 0, unsigned ar = 0) {
  Wire w;
  w.header(0x1234, flags, 1, an, ns, ar).label("web").label("lab").root().u16(1).u16(1);
  return w;
}

// One answer of each formatted kind, all names compressed against the question.
Bytes full_response() {
  Wire w = response_header(0x8180, 10);
  w.pointer(kWebLab).rr(1, 1, 0).u8(198).u8(18).u8(3).u8(2).end_rdata();
  w.pointer(kWebLab).rr(28, 1, 300).u32(0x20010db8).u32(0).u32(0).u32(1).end_rdata();
  w.label("www").pointer(kWebLab).rr(5, 1, 60).pointer(kWebLab).end_rdata();
  w.pointer(kLab).rr(15, 1, 3600).u16(10).label("mail").pointer(kLab).end_rdata();
  w.pointer(kLab).rr(6, 1, 3600).label("ns").pointer(kLab).label("hostmaster").pointer(kLab);
  w.u32(2024010101).u32(3600).u32(900).u32(604800).u32(300).end_rdata();
  w.pointer(kWebLab).rr(16, 1, 5).label("hello world").label("say \"hi\" \\ ok");
  w.u8(3).u8(1).u8(0xff).u8('a').end_rdata();
  w.label("_sip").label("_tcp").pointer(kLab).rr(33, 1, 0).u16(10).u16(20).u16(5060);
  w.label("sip").pointer(kLab).end_rdata();
  w.pointer(kWebLab).rr(65280, 1, 0).u32(0x0a0b0c0d).end_rdata();
  w.pointer(kLab).rr(257, 1, 0).u8(0).label("issue").raw("ca.example").end_rdata();
  w.pointer(kWebLab).rr(12, 1, 0).label("ptr").root().end_rdata();
  return w.bytes;
}

const std::vector<std::string> kFullTexts = {
    "web.lab.\t0\tIN\tA\t198.18.3.2",
    "web.lab.\t300\tIN\tAAAA\t2001:db8::1",
    "www.web.lab.\t60\tIN\tCNAME\tweb.lab.",
    "lab.\t3600\tIN\tMX\t10 mail.lab.",
    "lab.\t3600\tIN\tSOA\tns.lab. hostmaster.lab. 2024010101 3600 900 604800 300",
    "web.lab.\t5\tIN\tTXT\t\"hello world\" \"say \\\"hi\\\" \\\\ ok\" \"\\001\\255a\"",
    "_sip._tcp.lab.\t0\tIN\tSRV\t10 20 5060 sip.lab.",
    "web.lab.\t0\tCLASS1\tTYPE65280\t\\# 4 0a0b0c0d",
    "lab.\t0\tIN\tCAA\t0 issue \"ca.example\"",
    "web.lab.\t0\tIN\tPTR\tptr.",
};

std::string parse_error(const Bytes& bytes) {
  auto parsed = parse_dns_message(bytes);
  return parsed ? "(parsed)" : parsed.error();
}

// One answer with the given type and rdata, for per-type formatting checks.
std::string answer_text(unsigned type, const Bytes& rdata, unsigned klass = 1) {
  Wire w = response_header(0x8180, 1);
  w.pointer(kWebLab).rr(type, klass, 0);
  w.bytes.insert(w.bytes.end(), rdata.begin(), rdata.end());
  w.end_rdata();
  auto parsed = parse_dns_message(w.bytes);
  if (!parsed) return "error: " + parsed.error();
  return parsed->answers.at(0).text;
}

// ---- dns_names ------------------------------------------------------------------------------

TEST(DnsNames, TypesBothWaysAsMiekg) {
  using namespace targets;
  EXPECT_EQ(dns_type_from_name("AAAA"), 28);
  EXPECT_EQ(dns_type_from_name("None"), 0);
  EXPECT_EQ(dns_type_from_name("NSAP-PTR"), 23);
  EXPECT_EQ(dns_type_from_name("HTTPS"), 65);
  EXPECT_EQ(dns_type_from_name("CAA"), 257);
  EXPECT_EQ(dns_type_from_name("TA"), 32768);
  EXPECT_EQ(dns_type_from_name("DLV"), 32769);
  EXPECT_EQ(dns_type_from_name("Reserved"), 65535);
  EXPECT_EQ(dns_type_from_name("ANY"), 255);
  EXPECT_EQ(dns_type_from_name("aaaa"), std::nullopt);  // Go map lookup: case-sensitive
  EXPECT_EQ(dns_type_from_name("TYPE28"), std::nullopt);
  EXPECT_EQ(dns_type_name(1), "A");
  EXPECT_EQ(dns_type_name(23), "NSAP-PTR");
  EXPECT_EQ(dns_type_name(22), "TYPE22");
  EXPECT_EQ(dns_type_name(65280), "TYPE65280");
  EXPECT_EQ(dns_type_name(65535), "Reserved");
}

TEST(DnsNames, ClassesBothWaysAsMiekg) {
  using namespace targets;
  EXPECT_EQ(dns_class_from_name("IN"), 1);
  EXPECT_EQ(dns_class_from_name("CH"), 3);
  EXPECT_EQ(dns_class_from_name("NONE"), 254);
  EXPECT_EQ(dns_class_from_name("ANY"), 255);
  EXPECT_EQ(dns_class_from_name("in"), std::nullopt);
  EXPECT_EQ(dns_class_name(1), "IN");
  EXPECT_EQ(dns_class_name(4), "HS");
  EXPECT_EQ(dns_class_name(254), "NONE");
  EXPECT_EQ(dns_class_name(255), "CLASS255");  // Class.String(): "ANY" is also a type name
  EXPECT_EQ(dns_class_name(9), "CLASS9");
  // miekg prints a class mnemonic only when it is not also a type name; ANY is the only such one.
  for (const char* name : {"IN", "CS", "CH", "HS", "NONE"}) EXPECT_FALSE(dns_type_from_name(name));
}

TEST(DnsNames, RcodesBothWaysAsMiekg) {
  using namespace targets;
  EXPECT_EQ(dns_rcode_from_name("NOERROR"), 0);
  EXPECT_EQ(dns_rcode_from_name("NXDOMAIN"), 3);
  EXPECT_EQ(dns_rcode_from_name("NOTIMP"), 4);
  EXPECT_EQ(dns_rcode_from_name("NOTIMPL"), 4);
  EXPECT_EQ(dns_rcode_from_name("BADSIG"), 16);
  EXPECT_EQ(dns_rcode_from_name("BADCOOKIE"), 23);
  EXPECT_EQ(dns_rcode_from_name("BADVERS"), std::nullopt);
  EXPECT_EQ(dns_rcode_from_name("nxdomain"), std::nullopt);
  EXPECT_EQ(dns_rcode_name(2), "SERVFAIL");
  EXPECT_EQ(dns_rcode_name(16), "BADSIG");
  EXPECT_EQ(dns_rcode_name(12), "RCODE12");
  EXPECT_EQ(dns_rcode_name(99), "RCODE99");
}

// ---- encode ---------------------------------------------------------------------------------

TEST(DnsQuery, EncodesKnownQueryByteForByte) {
  const Bytes expected = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 3,
                          'w',  'e',  'b',  3,    'l',  'a',  'b',  0,    0x00, 0x1c, 0x00, 0x01};
  auto q = encode_dns_query(0x1234, "web.lab", 28, 1, true);
  ASSERT_TRUE(q) << q.error();
  EXPECT_EQ(*q, expected);
  auto fqdn = encode_dns_query(0x1234, "web.lab.", 28, 1, true);
  ASSERT_TRUE(fqdn);
  EXPECT_EQ(*fqdn, expected);
}

TEST(DnsQuery, RecursionBitAndRootName) {
  auto q = encode_dns_query(7, ".", 2, 1, false);
  ASSERT_TRUE(q) << q.error();
  EXPECT_EQ(*q, (Bytes{0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1}));
}

TEST(DnsQuery, NamesRoundTripThroughTheParser) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"web.lab", "web.lab."},
      {"web.lab.", "web.lab."},
      {".", "."},
      {"a\\.b.lab", "a\\.b.lab."},
      {"sp ace.lab", "sp\\ ace.lab."},
      {"\\032x.lab", "\\ x.lab."},
      {"\\255\\000.lab", "\\255\\000.lab."},
      {"q\"(x);@'.lab", "q\\\"\\(x\\)\\;\\@\\'.lab."},
      {"dollar$.lab", "dollar$.lab."},
  };
  for (const auto& [input, presented] : cases) {
    auto q = encode_dns_query(1, input, 1, 1, true);
    ASSERT_TRUE(q) << input << ": " << q.error();
    auto parsed = parse_dns_message(*q);
    ASSERT_TRUE(parsed) << input << ": " << parsed.error();
    ASSERT_EQ(parsed->questions.size(), 1u);
    EXPECT_EQ(parsed->questions[0].name, presented) << input;
    EXPECT_FALSE(parsed->response);
    EXPECT_TRUE(parsed->recursion_desired);
  }
}

TEST(DnsQuery, RejectsBadNames) {
  const std::string label63(63, 'a'), label64(64, 'a');
  EXPECT_EQ(encode_dns_query(1, "", 1, 1, true).error(), "empty name");
  EXPECT_EQ(encode_dns_query(1, "a..lab", 1, 1, true).error(), "empty label");
  EXPECT_EQ(encode_dns_query(1, ".lab", 1, 1, true).error(), "empty label");
  EXPECT_EQ(encode_dns_query(1, "lab\\", 1, 1, true).error(), "dangling backslash");
  EXPECT_FALSE(encode_dns_query(1, "\\256.lab", 1, 1, true));
  EXPECT_TRUE(encode_dns_query(1, label63 + ".lab", 1, 1, true));
  EXPECT_EQ(encode_dns_query(1, label64 + ".lab", 1, 1, true).error(),
            "label longer than 63 octets");
  EXPECT_EQ(encode_dns_query(1, "lab." + label64, 1, 1, true).error(),
            "label longer than 63 octets");
  // 3 x 64 + 62 + 1 = 255 octets on the wire is the limit.
  const std::string at_limit = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');
  EXPECT_TRUE(encode_dns_query(1, at_limit, 1, 1, true));
  EXPECT_EQ(encode_dns_query(1, at_limit + "b", 1, 1, true).error(), "name longer than 255 octets");
}

// ---- parse ----------------------------------------------------------------------------------

TEST(DnsParse, CompressedAnswersPrintAsMiekg) {
  auto parsed = parse_dns_message(full_response());
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->id, 0x1234);
  EXPECT_TRUE(parsed->response);
  EXPECT_TRUE(parsed->recursion_desired);
  EXPECT_TRUE(parsed->recursion_available);
  EXPECT_FALSE(parsed->authoritative);
  EXPECT_FALSE(parsed->truncated);
  EXPECT_EQ(parsed->rcode, 0);
  ASSERT_EQ(parsed->questions.size(), 1u);
  EXPECT_EQ(parsed->questions[0].name, "web.lab.");
  EXPECT_EQ(parsed->questions[0].type, 1);
  EXPECT_EQ(parsed->questions[0].klass, 1);
  ASSERT_EQ(parsed->answers.size(), kFullTexts.size());
  for (std::size_t i = 0; i < kFullTexts.size(); ++i)
    EXPECT_EQ(parsed->answers[i].text, kFullTexts[i]);
  EXPECT_EQ(parsed->answers[4].soa_serial, 2024010101u);
  EXPECT_EQ(parsed->answers[0].soa_serial, std::nullopt);
  EXPECT_EQ(parsed->answers[2].name, "www.web.lab.");
  EXPECT_EQ(parsed->answers[3].type, 15);
  EXPECT_EQ(parsed->answers[1].ttl, 300u);
}

TEST(DnsParse, AddressesPrintAsGo) {
  auto aaaa = [](Bytes b) {
    return answer_text(28, b).substr(std::string("web.lab.\t0\tIN\tAAAA\t").size());
  };
  Bytes v6(16, 0);
  EXPECT_EQ(aaaa(v6), "::");
  v6[15] = 1;
  EXPECT_EQ(aaaa(v6), "::1");
  v6[12] = 1, v6[13] = 2, v6[14] = 3, v6[15] = 4;
  EXPECT_EQ(aaaa(v6), "::102:304");  // Go, unlike inet_ntop, has no "::1.2.3.4"
  v6[10] = 0xff, v6[11] = 0xff;
  EXPECT_EQ(aaaa(v6), "::ffff:1.2.3.4");
  EXPECT_EQ(aaaa({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1}),
            "2001:db8::1:0:0:1");
  EXPECT_EQ(aaaa({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}),
            "2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(aaaa({0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0xab, 0xcd, 0, 0, 0, 0, 0, 0}), "fe80::abcd:0:0:0");
  EXPECT_EQ(answer_text(1, {}), "web.lab.\t0\tIN\tA\t");  // empty rdata: header only, as miekg
}

TEST(DnsParse, NamesEscapeSpecialAndNonPrintableBytes) {
  Wire w = response_header(0x8180, 1);
  w.label(std::string("a.b c\"d(e)f;g@h'i\\j$k") + '\x00' + '\x7f' + '\xff').pointer(kLab);
  w.rr(5, 1, 0).pointer(kWebLab).end_rdata();
  auto parsed = parse_dns_message(w.bytes);
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->answers[0].name,
            "a\\.b\\ c\\\"d\\(e\\)f\\;g\\@h\\'i\\\\j$k\\000\\127\\255.lab.");
}

TEST(DnsParse, OtherLayoutsPrintAsMiekg) {
  EXPECT_EQ(answer_text(2, {2, 'n', 's', 0}), "web.lab.\t0\tIN\tNS\tns.");
  EXPECT_EQ(answer_text(39, {0xc0, kLab}), "web.lab.\t0\tIN\tDNAME\tlab.");
  EXPECT_EQ(answer_text(13, {3, 'C', 'P', 'U', 2, 'O', 'S'}),
            "web.lab.\t0\tIN\tHINFO\t\"CPU\" \"OS\"");
  EXPECT_EQ(answer_text(16, {}), "web.lab.\t0\tIN\tTXT\t");
  EXPECT_EQ(answer_text(16, {0}), "web.lab.\t0\tIN\tTXT\t\"\"");
  // miekg leaves fields missing at an exact field boundary zero; CAA values are re-read as escapes.
  EXPECT_EQ(answer_text(15, {0, 10}), "web.lab.\t0\tIN\tMX\t10 ");
  EXPECT_EQ(answer_text(257, {128, 3, 't', 'a', 'g', 'a', '\\', '0', '6', '5', '"'}),
            "web.lab.\t0\tIN\tCAA\t128 tag \"aA\\\"\"");
  EXPECT_EQ(answer_text(256, {0, 1, 0, 2, 'h', 't', 't', 'p'}),
            "web.lab.\t0\tIN\tURI\t1 2 \"http\"");
  EXPECT_EQ(answer_text(65280, {}), "web.lab.\t0\tCLASS1\tTYPE65280\t\\# 0 ");
  EXPECT_EQ(answer_text(43, {0x30, 0x39, 8, 2, 0xab, 0xcd}), "web.lab.\t0\tIN\tDS\t12345 8 2 ABCD");
  EXPECT_EQ(answer_text(48, {1, 1, 3, 8, 'M', 'a', 'n'}), "web.lab.\t0\tIN\tDNSKEY\t257 3 8 TWFu");
  EXPECT_EQ(answer_text(48, {1, 0, 3, 13, 'M', 'a'}), "web.lab.\t0\tIN\tDNSKEY\t256 3 13 TWE=");
  EXPECT_EQ(answer_text(52, {3, 1, 1, 0xab, 0x01}), "web.lab.\t0\tIN\tTLSA\t3 1 1 ab01");
  EXPECT_EQ(answer_text(44, {4, 2, 0xde, 0xad}), "web.lab.\t0\tIN\tSSHFP\t4 2 DEAD");
  // Types without a layout here print in the RFC 3597 form miekg uses for types it does not know.
  EXPECT_EQ(answer_text(10, {1, 2}), "web.lab.\t0\tCLASS1\tTYPE10\t\\# 2 0102");
  EXPECT_EQ(answer_text(1, {10, 0, 0, 1}, 3), "web.lab.\t0\tCH\tA\t10.0.0.1");
}

TEST(DnsParse, NxdomainRcodeWithSoaInAuthority) {
  Wire w = response_header(0x8583, 0, 1);
  w.pointer(kLab).rr(6, 1, 300).label("ns").pointer(kLab).label("hostmaster").pointer(kLab);
  w.u32(7).u32(1).u32(2).u32(3).u32(4).end_rdata();
  auto parsed = parse_dns_message(w.bytes);
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->rcode, 3);
  EXPECT_TRUE(parsed->authoritative);
  EXPECT_TRUE(parsed->answers.empty());
  ASSERT_EQ(parsed->authority.size(), 1u);
  EXPECT_EQ(parsed->authority[0].text, "lab.\t300\tIN\tSOA\tns.lab. hostmaster.lab. 7 1 2 3 4");
  EXPECT_EQ(parsed->authority[0].soa_serial, 7u);
}

TEST(DnsParse, TruncatedBitIsReported) {
  auto parsed = parse_dns_message(response_header(0x8380, 0).bytes);
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_TRUE(parsed->truncated);
}

TEST(DnsParse, OptExtendsRcodeAndPrintsPseudoSection) {
  Wire w = response_header(0x8180, 0, 0, 1);
  w.root().rr(41, 1232, 0x01008000).u16(10).u16(4).u32(0xdeadbeef).end_rdata();
  auto parsed = parse_dns_message(w.bytes);
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->rcode, 16);  // BADVERS: extended rcode 1 << 4
  ASSERT_EQ(parsed->additional.size(), 1u);
  EXPECT_EQ(parsed->additional[0].text,
            "\n;; OPT PSEUDOSECTION:\n; EDNS: version 0; flags: do; udp: 1232\n; COOKIE: deadbeef");
}

TEST(DnsParse, HeaderOnlyAnswerIsAcceptedAsMiekgDoes) {
  Wire w;
  w.header(9, 0x8185, 1, 0, 0, 0);
  auto parsed = parse_dns_message(w.bytes);
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->rcode, 5);
  EXPECT_TRUE(parsed->questions.empty());
}

// miekg's unpackQuestion and unpackRRslice stop when the message ends (off == len(msg)) and keep
// what they read, so a count larger than the entries present is not an error there either.
TEST(DnsParse, CountsBeyondTheMessageEndKeepWhatWasRead) {
  Bytes full = full_response();  // 10 answers claimed; the first ends at 41, the second at 69
  auto one = parse_dns_message(Bytes(full.begin(), full.begin() + 41));
  ASSERT_TRUE(one) << one.error();
  ASSERT_EQ(one->answers.size(), 1u);
  EXPECT_EQ(one->answers[0].text, kFullTexts[0]);
  auto two = parse_dns_message(Bytes(full.begin(), full.begin() + 69));
  ASSERT_TRUE(two) << two.error();
  ASSERT_EQ(two->answers.size(), 2u);
  EXPECT_EQ(two->answers[1].text, kFullTexts[1]);

  // The sections after the one that ran out are empty, whatever their counts.
  Wire a = response_header(0x8180, 1, 3, 2);
  a.pointer(kWebLab).rr(1, 1, 0).u32(0x0a000001).end_rdata();
  auto answers_only = parse_dns_message(a.bytes);
  ASSERT_TRUE(answers_only) << answers_only.error();
  EXPECT_EQ(answers_only->answers.size(), 1u);
  EXPECT_TRUE(answers_only->authority.empty());
  EXPECT_TRUE(answers_only->additional.empty());

  // A short additional section still yields its OPT, and the OPT still extends the rcode.
  Wire w = response_header(0x8180, 0, 0, 2);
  w.root().rr(41, 512, 0x01000000).end_rdata();
  auto opt = parse_dns_message(w.bytes);
  ASSERT_TRUE(opt) << opt.error();
  EXPECT_EQ(opt->additional.size(), 1u);
  EXPECT_EQ(opt->rcode, 16);

  Wire q;
  q.header(1, 0x8180, 3, 1, 0, 0).label("a").root().u16(1).u16(1);
  auto questions = parse_dns_message(q.bytes);
  ASSERT_TRUE(questions) << questions.error();
  ASSERT_EQ(questions->questions.size(), 1u);
  EXPECT_EQ(questions->questions[0].name, "a.");
  EXPECT_TRUE(questions->answers.empty());
}

// ---- malformed ------------------------------------------------------------------------------

TEST(DnsMalformed, TruncatedHeader) {
  EXPECT_EQ(parse_error({0x12, 0x34, 0x81}), "truncated header: 3 of 12 bytes");
  EXPECT_EQ(parse_error({}), "truncated header: 0 of 12 bytes");
}

TEST(DnsMalformed, CompressionLoops) {
  Wire self;
  self.header(1, 0x8180, 1, 0, 0, 0).pointer(12).u16(1).u16(1);
  EXPECT_EQ(parse_error(self.bytes), "question section: compression loop");
  Wire two_hop;  // "a" then a pointer back to the "a": a loop through a label
  two_hop.header(1, 0x8180, 1, 0, 0, 0).label("a").pointer(12).u16(1).u16(1);
  EXPECT_EQ(parse_error(two_hop.bytes), "question section: compression loop");
  // A pointer backwards into a name that points back at the same place.
  Wire w = response_header(0x8180, 1);
  std::size_t at = w.size();
  w.label("x").pointer(static_cast<unsigned>(at)).rr(1, 1, 0).u32(0).end_rdata();
  EXPECT_EQ(parse_error(w.bytes), "answer section: compression loop");
}

TEST(DnsMalformed, ForwardAndOutOfRangePointers) {
  Wire fwd;
  fwd.header(1, 0x8180, 1, 0, 0, 0).pointer(18).u16(1).u16(1).label("a").root();
  EXPECT_EQ(parse_error(fwd.bytes), "question section: forward compression pointer");
  Wire out;
  out.header(1, 0x8180, 1, 0, 0, 0).pointer(0x3fff).u16(1).u16(1);
  EXPECT_EQ(parse_error(out.bytes), "question section: compression pointer out of range");
  // Inside rdata a name may not reach past the rdata, even if the message continues.
  Wire rd = response_header(0x8180, 1);
  rd.pointer(kWebLab).rr(5, 1, 0).u8(0xc0).end_rdata().u8(kWebLab);
  EXPECT_EQ(parse_error(rd.bytes), "bad CNAME record in answer section: truncated name");
}

TEST(DnsMalformed, ReservedLabelTypeAndLongName) {
  Wire reserved;
  reserved.header(1, 0x8180, 1, 0, 0, 0).u8(0x40).u8(0).u16(1).u16(1);
  EXPECT_EQ(parse_error(reserved.bytes), "question section: reserved label type");
  Wire longname;
  longname.header(1, 0x8180, 1, 0, 0, 0);
  for (int i = 0; i < 4; ++i) longname.label(std::string(63, 'a'));
  longname.root().u16(1).u16(1);
  EXPECT_EQ(parse_error(longname.bytes), "question section: name longer than 255 octets");
  // Compression cannot be used to build a long name either.
  Wire chained;
  chained.header(1, 0x8180, 2, 0, 0, 0).label(std::string(63, 'a')).label(std::string(63, 'b'));
  chained.root().u16(1).u16(1);
  chained.label(std::string(63, 'c')).label(std::string(63, 'd')).pointer(12).u16(1).u16(1);
  EXPECT_EQ(parse_error(chained.bytes), "question section: name longer than 255 octets");
}

TEST(DnsMalformed, MessagesThatEndInsideAnEntry) {
  Bytes full = full_response();  // question ends at 25, answers at 41 (A) and 69 (AAAA)
  auto cut = [&](std::ptrdiff_t n) { return parse_error(Bytes(full.begin(), full.begin() + n)); };
  EXPECT_EQ(cut(17), "truncated question section");
  EXPECT_EQ(cut(23), "truncated question section");
  EXPECT_EQ(cut(25 + 5), "truncated answer section");
  // Leniency for large counts is only at an entry boundary: within the second record's header
  // or rdata the count still makes the message an error.
  EXPECT_EQ(cut(41 + 5), "truncated answer section");
  EXPECT_EQ(cut(41 + 12 + 2), "rdata length past the end of the message in answer section");
  Wire w = response_header(0x8180, 0, 0, 2);
  w.root().rr(41, 512, 0).end_rdata().root().u16(41);
  EXPECT_EQ(parse_error(w.bytes), "truncated additional section");
  Wire q;
  q.header(1, 0x8180, 3, 0, 0, 0).label("a").root().u16(1).u16(1).u8(1).u8('b');
  EXPECT_EQ(parse_error(q.bytes), "truncated question section");
}

TEST(DnsMalformed, RdataLengthsThatLie) {
  Bytes full = full_response();
  full[25 + 11] = 8;  // first answer's rdlength low byte: 8 bytes of A rdata
  EXPECT_EQ(parse_error(full), "bad A record in answer section: rdata longer than its fields");
  Wire past = response_header(0x8180, 1);
  past.pointer(kWebLab).rr(1, 1, 0).u32(0).end_rdata();
  past.bytes[past.size() - 5] = 100;
  EXPECT_EQ(parse_error(past.bytes), "rdata length past the end of the message in answer section");
  EXPECT_EQ(answer_text(1, {1, 2, 3}), "error: bad A record in answer section: truncated");
  EXPECT_EQ(answer_text(16, {5, 'a'}), "error: bad TXT record in answer section: truncated");
  // Zero-filling applies only between fields: a length byte or half a number at the end is an
  // error.
  EXPECT_EQ(answer_text(16, {1, 'a', 5}), "error: bad TXT record in answer section: truncated");
  EXPECT_EQ(answer_text(6, {0, 0, 0, 1}), "error: bad SOA record in answer section: truncated");
  EXPECT_EQ(answer_text(6, {0, 0}), "web.lab.\t0\tIN\tSOA\t. . 0 0 0 0 0");
  EXPECT_EQ(answer_text(15, {0, 10, 4, 'm'}),
            "error: bad MX record in answer section: truncated name");
  EXPECT_EQ(answer_text(41, {0, 10, 0}), "error: bad OPT record in answer section: truncated");
}

// ---- fuzz -----------------------------------------------------------------------------------

// 200,000 mutations take about half a second optimised; sanitised debug builds are some 40 times
// slower, and there 10,000 still reach every error path while the sanitizer checks each read.
#if defined(__SANITIZE_ADDRESS__) || !defined(__OPTIMIZE__)
constexpr int kMutations = 10'000;
#else
constexpr int kMutations = 200'000;
#endif

// One to four random edits: overwrite, bit flip, compression-pointer byte, truncation, insertion.
void mutate(Bytes& m, std::mt19937& rng) {
  for (unsigned edits = 1 + rng() % 4; edits > 0 && !m.empty(); --edits) {
    std::size_t at = rng() % m.size();
    switch (rng() % 5) {
      case 0:
        m[at] = static_cast<std::uint8_t>(rng());
        break;
      case 1:
        m[at] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        break;
      case 2:
        m[at] = static_cast<std::uint8_t>(0xc0 | (rng() % 2));
        break;
      case 3:
        m.resize(at + 1);
        break;
      default:
        m.insert(m.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::uint8_t>(rng()));
    }
  }
}

// Mutations and truncations of a valid, heavily compressed response: parsing must never crash,
// hang or read out of bounds (the sanitizer build checks the last), and must say why it failed.
TEST(DnsFuzz, MutatedResponsesNeverCrash) {
  const Bytes base = full_response();
  std::mt19937 rng(20240101);
  std::set<std::string> reasons;
  std::size_t parsed_ok = 0;
  for (int i = 0; i < kMutations; ++i) {
    Bytes m = base;
    mutate(m, rng);
    auto parsed = parse_dns_message(m);
    if (!parsed) {
      ASSERT_FALSE(parsed.error().empty());
      reasons.insert(parsed.error().substr(parsed.error().find(':') + 1));
      continue;
    }
    ++parsed_ok;
    for (const auto& rr : parsed->answers) {
      if (rr.type == 41) continue;  // OPT prints as dig's pseudo-section, without its name
      ASSERT_EQ(rr.text.rfind(rr.name + '\t', 0), 0u) << rr.text;
    }
  }
  EXPECT_GT(parsed_ok, 0u);
  for (const char* reason : {" compression loop", " forward compression pointer", " truncated name",
                             " rdata longer than its fields"})
    EXPECT_TRUE(reasons.count(reason)) << "never produced:" << reason;
}

}  // namespace
}  // namespace reachprobe::net_io
