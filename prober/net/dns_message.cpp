#include "net/dns_message.hpp"

#include <array>
#include <utility>

#include "net/dns_text.hpp"
#include "targets/dns_names.hpp"

// The wire side of the codec: a bounds-checked reader, the sections, and the query encoder. Record
// and name text (what miekg/dns prints) lives in dns_text.cpp.

namespace reachprobe::net_io {
namespace {

using targets::Expected;

constexpr std::size_t kHeaderSize = 12;
constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxNameWire = 255;
constexpr std::uint16_t kTypeSoa = 6, kTypeOpt = 41;

bool is_digit(std::uint8_t b) {
  return b >= '0' && b <= '9';
}

// ---- Wire reading ---------------------------------------------------------------------------

// Bounds-checked reads over one message. Names may point anywhere earlier, so the reader keeps the
// whole message plus an end for the part being read (message or one rdata). The first failure
// sticks and later reads return zeros: a parser reads all its fields, then checks once. It is the
// RdataReader record text is formatted from; final, so the calls here are direct.
class WireReader final : public dns_text::RdataReader {
 public:
  WireReader(std::span<const std::uint8_t> msg, std::size_t pos, std::size_t end)
      : msg_(msg), pos_(pos), end_(end) {}

  std::span<const std::uint8_t> take(std::size_t n) override {
    if (failed()) return {};
    if (end_ - pos_ < n) {
      fail("truncated", true);
      return {};
    }
    auto out = msg_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  std::string name() override;
  std::size_t remaining() const override { return end_ - pos_; }
  bool failed() const override { return !error_.empty(); }

  // A reader over the next n bytes (one rdata); this reader moves past them.
  WireReader split(std::size_t n) {
    WireReader part(msg_, pos_, pos_ + n);
    pos_ += n;
    return part;
  }

  bool truncated() const { return truncated_; }
  const std::string& error() const { return error_; }
  void fail(std::string why, bool truncation) {
    if (failed()) return;
    error_ = std::move(why);
    truncated_ = truncation;
  }

 private:
  std::string name_error(const char* why, bool truncation) {
    fail(why, truncation);
    return {};
  }
  bool follow_pointer(std::size_t& at, std::size_t& segment, std::optional<std::size_t>& resume);

  std::span<const std::uint8_t> msg_;
  std::size_t pos_, end_;
  bool truncated_ = false;
  std::string error_;
};

// Loop freedom: every jump must land before the start of the run of labels it was read in, so
// the run starts strictly decrease and decoding ends within the message size.
bool WireReader::follow_pointer(std::size_t& at, std::size_t& segment,
                                std::optional<std::size_t>& resume) {
  if (end_ - at < 2) {
    fail("truncated name", true);
    return false;
  }
  std::size_t target = static_cast<std::size_t>((msg_[at] & 0x3f) << 8 | msg_[at + 1]);
  if (!resume) resume = at + 2;
  const char* why = target >= end_      ? "compression pointer out of range"
                    : target > at       ? "forward compression pointer"
                    : target >= segment ? "compression loop"
                                        : nullptr;
  if (why) {
    fail(why, false);
    return false;
  }
  segment = at = target;
  return true;
}

std::string WireReader::name() {
  if (failed()) return {};
  std::string text;
  std::size_t at = pos_, segment = pos_, wire = 0;
  std::optional<std::size_t> resume;
  while (true) {
    if (at >= end_) return name_error("truncated name", true);
    std::uint8_t len = msg_[at];
    if (len == 0) break;
    if ((len & 0xc0) == 0xc0) {
      if (!follow_pointer(at, segment, resume)) return {};
      continue;
    }
    if ((len & 0xc0) != 0) return name_error("reserved label type", false);
    if (end_ - at - 1 < len) return name_error("truncated name", true);
    wire += len + 1u;  // as miekg: labels plus the root byte may not exceed 255 octets
    if (wire >= kMaxNameWire) return name_error("name longer than 255 octets", false);
    dns_text::append_label(text, msg_.subspan(at + 1, len));
    text += '.';
    at += 1u + len;
  }
  pos_ = resume.value_or(at + 1);
  return text.empty() ? "." : text;
}

// Reads a copy of the rdata, so the text is then formatted from its start.
std::uint32_t soa_serial(WireReader rd) {
  rd.name();  // MNAME
  rd.name();  // RNAME
  return rd.u32();
}

// ---- Sections -------------------------------------------------------------------------------

std::string section_error(const WireReader& r, const std::string& section) {
  if (r.truncated()) return "truncated " + section + " section";
  return section + " section: " + r.error();
}

// Counts are attacker controlled: never reserve from them. A count larger than the entries present
// ends the section where the message ends, keeping what was read, as miekg/dns does (its
// unpackQuestion and unpackRRslice stop when off == len(msg)): some resolvers send a bare header
// with the query's counts, and blackbox_exporter then judges the rcode and whatever records came.
// Only an exact end counts: a message that stops inside an entry is an error.
Expected<std::vector<DnsQuestion>> read_questions(WireReader& r, std::size_t count) {
  using Result = Expected<std::vector<DnsQuestion>>;
  std::vector<DnsQuestion> out;
  for (std::size_t i = 0; i < count && !r.at_end(); ++i) {
    DnsQuestion q;
    q.name = r.name();
    q.type = r.u16();
    q.klass = r.u16();
    if (r.failed()) return Result::failure(section_error(r, "question"));
    out.push_back(std::move(q));
  }
  return out;
}

Expected<DnsRecord> read_record(WireReader& r, const std::string& section) {
  using Result = Expected<DnsRecord>;
  DnsRecord rec;
  rec.name = r.name();
  rec.type = r.u16();
  rec.klass = r.u16();
  rec.ttl = r.u32();
  std::uint16_t rdlength = r.u16();
  if (r.failed()) return Result::failure(section_error(r, section));
  if (rdlength > r.remaining())
    return Result::failure("rdata length past the end of the message in " + section + " section");
  WireReader rd = r.split(rdlength);
  if (rec.type == kTypeSoa && !rd.at_end()) rec.soa_serial = soa_serial(rd);
  rec.text = dns_text::record_text(rec, rd);
  if (rd.failed() || !rd.at_end()) {
    std::string why = rd.failed() ? rd.error() : "rdata longer than its fields";
    return Result::failure("bad " + targets::dns_type_name(rec.type) + " record in " + section +
                           " section: " + why);
  }
  return rec;
}

// As read_questions: stops early only where the message ends.
Expected<std::vector<DnsRecord>> read_records(WireReader& r, std::size_t count,
                                              const std::string& section) {
  using Result = Expected<std::vector<DnsRecord>>;
  std::vector<DnsRecord> out;
  for (std::size_t i = 0; i < count && !r.at_end(); ++i) {
    auto rec = read_record(r, section);
    if (!rec) return Result::failure(rec.error());
    out.push_back(std::move(rec).value());
  }
  return out;
}

// ---- Query encoding -------------------------------------------------------------------------

// One escape of a presentation-format name: \DDD is a byte value, \X is X taken literally.
Expected<std::uint8_t> unescape(std::string_view name, std::size_t& i) {
  using Result = Expected<std::uint8_t>;
  if (i + 1 >= name.size()) return Result::failure("dangling backslash");
  auto d = [&](std::size_t k) { return static_cast<std::uint8_t>(name[k]); };
  if (i + 3 < name.size() && is_digit(d(i + 1)) && is_digit(d(i + 2)) && is_digit(d(i + 3))) {
    int value = (d(i + 1) - '0') * 100 + (d(i + 2) - '0') * 10 + (d(i + 3) - '0');
    if (value > 255)
      return Result::failure("escape \\" + std::string(name.substr(i + 1, 3)) + " above 255");
    i += 4;
    return static_cast<std::uint8_t>(value);
  }
  i += 2;
  return d(i - 1);
}

Expected<std::vector<std::uint8_t>> name_to_wire(std::string_view name) {
  using Result = Expected<std::vector<std::uint8_t>>;
  if (name.empty()) return Result::failure("empty name");
  if (name == ".") return std::vector<std::uint8_t>{0};
  std::vector<std::uint8_t> wire;
  std::vector<std::uint8_t> label;
  auto end_label = [&] {
    if (label.size() > kMaxLabel) return false;
    wire.push_back(static_cast<std::uint8_t>(label.size()));
    wire.insert(wire.end(), label.begin(), label.end());
    label.clear();
    return true;
  };
  for (std::size_t i = 0; i < name.size();) {
    if (name[i] == '.') {
      if (label.empty()) return Result::failure("empty label");
      if (!end_label()) return Result::failure("label longer than 63 octets");
      ++i;
    } else if (name[i] == '\\') {
      auto b = unescape(name, i);
      if (!b) return Result::failure(b.error());
      label.push_back(*b);
    } else {
      label.push_back(static_cast<std::uint8_t>(name[i++]));
    }
  }
  if (!label.empty() && !end_label()) return Result::failure("label longer than 63 octets");
  wire.push_back(0);
  if (wire.size() > kMaxNameWire) return Result::failure("name longer than 255 octets");
  return wire;
}

void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v & 0xff));
}

}  // namespace

Expected<std::vector<std::uint8_t>> encode_dns_query(std::uint16_t id, std::string_view name,
                                                     std::uint16_t type, std::uint16_t klass,
                                                     bool recursion_desired) {
  auto wire_name = name_to_wire(name);
  if (!wire_name) return wire_name;
  std::vector<std::uint8_t> out;
  put16(out, id);
  put16(out, recursion_desired ? 0x0100 : 0);
  put16(out, 1);  // QDCOUNT; the other three sections are empty
  for (int section = 0; section < 3; ++section) put16(out, 0);
  out.insert(out.end(), wire_name->begin(), wire_name->end());
  put16(out, type);
  put16(out, klass);
  return out;
}

Expected<DnsMessage> parse_dns_message(std::span<const std::uint8_t> bytes) {
  using Result = Expected<DnsMessage>;
  if (bytes.size() < kHeaderSize)
    return Result::failure("truncated header: " + std::to_string(bytes.size()) + " of 12 bytes");
  WireReader r(bytes, 0, bytes.size());
  DnsMessage msg;
  msg.id = r.u16();
  std::uint16_t flags = r.u16();
  std::array<std::uint16_t, 4> counts = {r.u16(), r.u16(), r.u16(), r.u16()};
  msg.response = flags & 0x8000;
  msg.authoritative = flags & 0x0400;
  msg.truncated = flags & 0x0200;
  msg.recursion_desired = flags & 0x0100;
  msg.recursion_available = flags & 0x0080;
  msg.rcode = flags & 0x000f;

  // A bare header needs no case of its own: every section then stops at the message end.
  auto questions = read_questions(r, counts[0]);
  if (!questions) return Result::failure(questions.error());
  msg.questions = std::move(questions).value();
  std::array<std::vector<DnsRecord>*, 3> sections = {&msg.answers, &msg.authority, &msg.additional};
  std::array<const char*, 3> names = {"answer", "authority", "additional"};
  for (std::size_t s = 0; s < 3; ++s) {
    auto records = read_records(r, counts[s + 1], names[s]);
    if (!records) return Result::failure(records.error());
    *sections[s] = std::move(records).value();
  }
  // As miekg's IsEdns0: the last OPT in the additional section carries the upper rcode bits.
  for (auto it = msg.additional.rbegin(); it != msg.additional.rend(); ++it) {
    if (it->type != kTypeOpt) continue;
    msg.rcode |= static_cast<int>(it->ttl >> 24) << 4;
    break;
  }
  return msg;
}

}  // namespace reachprobe::net_io
