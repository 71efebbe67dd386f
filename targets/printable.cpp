#include "targets/printable.hpp"

namespace reachprobe::targets {
namespace {

unsigned char byte(std::string_view text, std::size_t i) {
  return static_cast<unsigned char>(text[i]);
}

// Code points that break a line or a terminal although they are valid UTF-8: C1 controls
// (U+0080-U+009F, NEL among them) and the Unicode line and paragraph separators.
bool unprintable_sequence(std::string_view text, std::size_t i, std::size_t length) {
  if (length == 2) return byte(text, i) == 0xc2 && byte(text, i + 1) < 0xa0;
  if (length == 3) {
    return byte(text, i) == 0xe2 && byte(text, i + 1) == 0x80 &&
           (byte(text, i + 2) == 0xa8 || byte(text, i + 2) == 0xa9);
  }
  return false;
}

void append_hex(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 0xf];
}

}  // namespace

std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const unsigned char lead = byte(text, i);
  if (lead < 0x80) return 1;
  std::size_t length = lead >= 0xc2 && lead < 0xe0   ? 2
                       : lead >= 0xe0 && lead < 0xf0 ? 3
                       : lead >= 0xf0 && lead < 0xf5 ? 4
                                                     : 0;
  if (length == 0 || i + length > text.size()) return 0;
  // The second byte's range is narrower after E0 (overlong), ED (surrogates), F0 (overlong)
  // and F4 (past U+10FFFF): RFC 3629 section 4.
  const unsigned char second = byte(text, i + 1);
  unsigned char low = 0x80;
  unsigned char high = 0xbf;
  if (lead == 0xe0) low = 0xa0;
  if (lead == 0xed) high = 0x9f;
  if (lead == 0xf0) low = 0x90;
  if (lead == 0xf4) high = 0x8f;
  if (second < low || second > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if ((byte(text, i + k) & 0xc0) != 0x80) return 0;
  }
  return length;
}

std::string quote_printable(std::string_view text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char c = byte(text, i);
    const std::size_t length = utf8_sequence_length(text, i);
    if (length > 1 && !unprintable_sequence(text, i, length)) {
      out.append(text.substr(i, length));
      i += length;
      continue;
    }
    if (length > 1) {  // valid but unprintable: every byte as \xNN
      for (std::size_t k = 0; k < length; ++k) append_hex(out, byte(text, i + k));
      i += length;
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (length == 1 && c >= 0x20 && c != 0x7f)
          out += static_cast<char>(c);
        else
          append_hex(out, c);
    }
    ++i;
  }
  return out + "\"";
}

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) {
      out += "\xef\xbf\xbd";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
      continue;
    }
    out.append(text.substr(i, length));
    i += length;
  }
  return out;
}

}  // namespace reachprobe::targets
