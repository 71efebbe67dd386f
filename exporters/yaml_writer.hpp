#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace reachprobe::exporters {

// A string as a YAML scalar that reads back as the same string: plain when that is safe (as
// Go's yaml.v3 writes "^SSH-2.0-" or "5s"), else double-quoted with escapes ("true", "123",
// "*.example.com", "a: b", control bytes).
std::string yaml_scalar(std::string_view text);

// Block-style YAML with Go yaml.v3's layout: four-space indentation, sequences indented under
// their key. Keys and text values go through yaml_scalar.
class YamlWriter {
 public:
  using Fields = std::vector<std::pair<std::string, std::string>>;  // key, rendered value

  // `key: rendered`, the value written as given (a number, true, [], <secret>).
  void raw(std::string_view key, std::string_view rendered);
  void text(std::string_view key, std::string_view value) { raw(key, yaml_scalar(value)); }
  void text_if(std::string_view key, std::string_view value) {
    if (!value.empty()) text(key, value);
  }
  void text_set(std::string_view key, const std::optional<std::string>& value) {
    if (value) text(key, *value);
  }
  void boolean(std::string_view key, bool value) { raw(key, value ? "true" : "false"); }
  void true_if(std::string_view key, bool value) {
    if (value) boolean(key, true);
  }
  void number(std::string_view key, std::int64_t value) { raw(key, std::to_string(value)); }

  // A nested mapping: `key:` and everything up to end() one level deeper.
  void begin(std::string_view key);
  void end() { --depth_; }

  // A list of scalars; an empty list is written as [] only when `always`.
  void strings(std::string_view key, const std::vector<std::string>& items, bool always = false);
  void numbers(std::string_view key, const std::vector<int>& items);
  // A list of mappings whose values are already rendered; nothing when empty.
  void mappings(std::string_view key, const std::vector<Fields>& items);

  std::string take() { return std::move(out_); }

 private:
  void list(std::string_view key, const std::vector<std::string>& rendered, bool always);
  std::string& line();

  std::string out_;
  int depth_ = 0;
};

}  // namespace reachprobe::exporters
