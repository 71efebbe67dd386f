#pragma once
#include <string>
#include <string_view>

namespace reachprobe::exporters {

// Pieces of the Prometheus text exposition format 0.0.4, appended to a string: /probe and the
// scheduled families of /metrics write their lines with these instead of building a
// prometheus-cpp registry per answer (that registry and its serializer were a tenth of a
// tcp_connect /probe's CPU).

// A sample value: the shortest text that reads back as the same double (as Go's client
// writes it), NaN, +Inf or -Inf.
void append_number(std::string& out, double value);

// Label value escaping of the text format: backslash, double quote and newline.
void append_label_value(std::string& out, std::string_view value);
std::string escape_label_value(std::string_view value);

// name="value" pairs joined by commas, without the braces: any range of (name, value) pairs
// (prometheus::Labels, a key's label vector).
template <typename Labels>
void append_labels(std::string& out, const Labels& labels) {
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    append_label_value(out, value);
    out += '"';
  }
}

// The "# HELP" and "# TYPE" lines of a family; the help text escapes backslash and newline.
void append_header(std::string& out, std::string_view name, std::string_view help,
                   std::string_view type);

}  // namespace reachprobe::exporters
