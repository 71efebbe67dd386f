#include "exporters/yaml_writer.hpp"

#include <cctype>

#include "targets/printable.hpp"

namespace reachprobe::exporters {
namespace {

// Length of the well-formed UTF-8 sequence at text[i], or 0: the one definition, shared with
// the error quoting and the logs.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  return targets::utf8_sequence_length(text, i);
}

bool reserved_word(std::string_view text) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* word : {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", ".inf",
                           "+.inf", "-.inf", ".nan"}) {
    if (lower == word) return true;
  }
  return false;
}

// Whether a YAML reader could take `text` for a number (int, float, hex, octal, 1.1's
// sexagesimal) or a date: it starts like one and holds nothing but such characters. "5s" and
// "1m30s" stay plain, as Go writes them.
bool number_like(std::string_view text) {
  std::size_t first = text.front() == '+' || text.front() == '-' || text.front() == '.' ? 1 : 0;
  if (first >= text.size() || std::isdigit(static_cast<unsigned char>(text[first])) == 0) {
    return false;
  }
  return text.find_first_not_of("0123456789+-._:eExXoOabcdfABCDF") == std::string_view::npos;
}

// U+0085 (NEL), U+2028 and U+2029 are line breaks to a YAML reader, and C1 controls are not
// printable: written raw they would fold into a space on reading back (found by the fuzzer).
bool yaml_breaks_or_c1(std::string_view text, std::size_t i, std::size_t length) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  if (length == 2 && b0 == 0xc2) return static_cast<unsigned char>(text[i + 1]) < 0xa0;
  return length == 3 && b0 == 0xe2 && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
         (static_cast<unsigned char>(text[i + 2]) == 0xa8 ||
          static_cast<unsigned char>(text[i + 2]) == 0xa9);
}

// Whether `text` can be written as a plain YAML scalar and read back as the same string.
bool plain_ok(std::string_view text) {
  if (text.empty() || reserved_word(text)) return false;
  if (std::string_view(" -?:,[]{}#&*!|>'\"%@`").find(text.front()) != std::string_view::npos) {
    return false;
  }
  if (number_like(text)) return false;
  if (text.back() == ' ' || text.back() == ':') return false;
  if (text.find(": ") != std::string_view::npos || text.find(" #") != std::string_view::npos) {
    return false;
  }
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) return false;
    std::size_t length = utf8_length(text, i);
    if (length == 0 || yaml_breaks_or_c1(text, i, length)) return false;
    i += length;
  }
  return true;
}

}  // namespace

std::string yaml_scalar(std::string_view text) {
  if (plain_ok(text)) return std::string(text);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t length = utf8_length(text, i);
    if (length > 1 && yaml_breaks_or_c1(text, i, length)) {
      // As \uXXXX: the code point, which reads back as the same UTF-8.
      unsigned cp = length == 2 ? static_cast<unsigned char>(text[i + 1]) & 0x3fu
                                : 0x2000u | (static_cast<unsigned char>(text[i + 2]) & 0x3fu);
      if (length == 2) cp |= 0x80u;
      out += "\\u";
      for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(cp >> shift) & 0xf];
      i += length;
      continue;
    }
    if (length > 1 || (length == 1 && c >= 0x20 && c != 0x7f && c != '"' && c != '\\')) {
      out.append(text.substr(i, length));
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
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        // A control byte, or a byte that is not UTF-8: \xNN (which reads back as U+00NN).
        out += "\\x";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
    }
    ++i;
  }
  return out + "\"";
}

void YamlWriter::raw(std::string_view key, std::string_view rendered) {
  line().append(yaml_scalar(key)).append(": ").append(rendered).append("\n");
}

void YamlWriter::begin(std::string_view key) {
  line().append(yaml_scalar(key)).append(":\n");
  ++depth_;
}

void YamlWriter::strings(std::string_view key, const std::vector<std::string>& items, bool always) {
  std::vector<std::string> rendered;
  for (const auto& item : items) rendered.push_back(yaml_scalar(item));
  list(key, rendered, always);
}

void YamlWriter::numbers(std::string_view key, const std::vector<int>& items) {
  std::vector<std::string> rendered;
  for (int item : items) rendered.push_back(std::to_string(item));
  list(key, rendered, false);
}

void YamlWriter::mappings(std::string_view key, const std::vector<Fields>& items) {
  if (items.empty()) return;
  begin(key);
  for (const auto& fields : items) {
    if (fields.empty()) {
      line() += "- {}\n";
      continue;
    }
    bool first = true;
    for (const auto& [name, value] : fields) {
      line()
          .append(first ? "- " : "  ")
          .append(yaml_scalar(name))
          .append(": ")
          .append(value)
          .append("\n");
      first = false;
    }
  }
  end();
}

void YamlWriter::list(std::string_view key, const std::vector<std::string>& rendered, bool always) {
  if (rendered.empty()) {
    if (always) raw(key, "[]");
    return;
  }
  begin(key);
  for (const auto& item : rendered) line().append("- ").append(item).append("\n");
  end();
}

std::string& YamlWriter::line() {
  out_.append(static_cast<std::size_t>(depth_) * 4, ' ');
  return out_;
}

}  // namespace reachprobe::exporters
