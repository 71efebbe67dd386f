#include "targets/file_sd.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstddef>
#include <functional>
#include <map>
#include <new>
#include <nlohmann/json.hpp>
#include <optional>

#include "targets/printable.hpp"

namespace reachprobe::targets {
namespace {

// A valid group is at most 3 deep (list, group, labels); the limit only keeps hostile input
// from costing work before the shape check refuses it.
constexpr int kMaxJsonDepth = 64;
// Strings the parse may produce, in bytes (each one charged kStringCost more): YAML aliases
// copy a scalar per use in yaml-cpp, where Go shares it, so a small file could otherwise expand
// to gigabytes. Without aliases a file produces less than it holds.
constexpr std::size_t kMinBudget = std::size_t{16} << 20;
constexpr std::size_t kBudgetPerInputByte = 16;
constexpr std::size_t kStringCost = 32;
// A parser's reason is cut here: nlohmann quotes the token it last read, which can be long.
constexpr std::size_t kMaxReason = 200;

const char* const kGroupType = "targetgroup.Group";

// An error, thrown only inside this file and turned into an Expected at its edge.
struct SdError {
  std::string message;
};

// 1-based line numbers of byte offsets; the line count as an editor counts lines.
class Lines {
 public:
  explicit Lines(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') newlines_.push_back(i);
    count_ = static_cast<int>(newlines_.size()) + (!text.empty() && text.back() != '\n' ? 1 : 0);
    count_ = std::max(count_, 1);
  }
  int of_offset(std::size_t offset) const {
    auto before = std::lower_bound(newlines_.begin(), newlines_.end(), offset) - newlines_.begin();
    return clamp(static_cast<int>(before) + 1);
  }
  // A parser may mark the end of the text, one line past the last: name a line that exists.
  int clamp(int line) const { return std::clamp(line, 1, count_); }

 private:
  std::vector<std::size_t> newlines_;
  int count_ = 1;
};

// Parser text made safe for one line: UTF-8, no control bytes, bounded.
std::string one_line(std::string_view text) {
  std::string out = valid_utf8(text);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  if (out.size() > kMaxReason) {
    std::size_t cut = kMaxReason;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "...";
  }
  return out;
}

bool valid_label_name(std::string_view name) {
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (name.empty() || !letter(name[0])) return false;
  return std::all_of(name.begin() + 1, name.end(),
                     [&](char c) { return letter(c) || (c >= '0' && c <= '9'); });
}

// What both formats share: the file name, lines, the output budget, and the checks of
// targetgroup.Group and model.LabelSet.
class Context {
 public:
  Context(const std::string& file, std::string_view text)
      : file_(file),
        lines_(text),
        total_(std::max(kMinBudget, text.size() * kBudgetPerInputByte)),
        budget_(total_) {}

  [[noreturn]] void fail(int line, const std::string& reason) const {
    throw SdError{file_ + ":" + std::to_string(lines_.clamp(line)) + ": " + reason};
  }
  const Lines& lines() const { return lines_; }

  // `text`, charged against the budget.
  std::string keep(std::string text, int line) {
    std::size_t cost = text.size() + kStringCost;
    if (cost > budget_) {
      fail(line, "the file expands to more than " + std::to_string(total_) +
                     " bytes of targets and labels (YAML aliases?)");
    }
    budget_ -= cost;
    return text;
  }

  void add_target(SdGroup& group, std::string target, int line) const {
    if (target.empty())
      fail(line, "targets[" + std::to_string(group.targets.size()) + "] is empty");
    group.targets.push_back(std::move(target));
  }
  void check_label_name(const std::string& name, int line) const {
    // model.LabelName's check, in Prometheus' words.
    if (!valid_label_name(name)) fail(line, quote_printable(name) + " is not a valid label name");
  }

 private:
  std::string file_;
  Lines lines_;
  std::size_t total_;
  std::size_t budget_;
};

// --- YAML: yaml.UnmarshalStrict into []*targetgroup.Group -------------------------------------

// The first byte of `text` that is not well-formed UTF-8 (Go's YAML refuses the file). UTF-16
// and UTF-32 files, which start with a BOM, are left to yaml-cpp (as config_loader does).
std::optional<std::size_t> first_non_utf8(std::string_view text) {
  if (text.starts_with("\xfe\xff") || text.starts_with("\xff\xfe") ||
      text.starts_with(std::string_view("\0\0\xfe\xff", 4))) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = utf8_sequence_length(text, i);
    if (n == 0) return i;
    i += n;
  }
  return std::nullopt;
}

class YamlReader {
 public:
  explicit YamlReader(Context& context) : context_(context) {}

  std::vector<SdGroup> groups(const YAML::Node& root) {
    // Nothing, only comments, or `null`: no groups, as yaml.v2 leaves the slice empty.
    if (!root.IsDefined() || root.IsNull()) return {};
    if (!root.IsSequence()) fail(root, "a file_sd file must be a list of target groups");
    std::vector<SdGroup> out;
    for (const auto& item : root) out.push_back(group(item));
    return out;
  }

 private:
  using Handler = std::function<void(const std::string&, const YAML::Node&, const YAML::Node&)>;

  static int line(const YAML::Node& node) { return node.Mark().line + 1; }
  [[noreturn]] void fail(const YAML::Node& node, const std::string& reason) const {
    context_.fail(line(node), reason);
  }
  // A quoted scalar ('<<') has yaml-cpp's non-specific tag "!"; a plain one has "?".
  static bool quoted(const YAML::Node& node) { return node.Tag() == "!"; }

  // A scalar as Go's YAML decodes it into a string: its text as written (1234, true), null as "".
  std::string text(const YAML::Node& node, const std::string& what) {
    if (node.IsNull()) return "";
    if (!node.IsScalar()) fail(node, what + " must be a string");
    const std::string& value = node.Scalar();
    // yaml-cpp decodes the escape \N to the lone byte 0x85: refuse it, as Go does invalid UTF-8.
    if (valid_utf8(value) != value) fail(node, what + ": invalid UTF-8");
    // An alias's mark is its anchor's: name the group that expands it.
    return context_.keep(value, group_line_ > 0 ? group_line_ : line(node));
  }

  // Each entry of mapping `node`: its own keys, each once (UnmarshalStrict refuses a repeated
  // key), then the keys of `<<: *anchor` merges that it does not give itself, an earlier merge
  // winning (config_loader's rule).
  void entries(const YAML::Node& node, const Handler& handle) {
    std::map<std::string, int> seen;
    std::vector<YAML::Node> merged;
    for (const auto& entry : node) {
      if (entry.first.IsScalar() && entry.first.Scalar() == "<<" && !quoted(entry.first)) {
        merge_sources(entry.second, merged);
        continue;
      }
      std::string key = text(entry.first, "a mapping key");
      if (auto [it, fresh] = seen.emplace(key, line(entry.first)); !fresh) {
        fail(entry.first, "mapping key " + quote_printable(key) + " already defined at line " +
                              std::to_string(it->second));
      }
      handle(key, entry.first, entry.second);
    }
    for (const auto& m : merged) {
      for (const auto& entry : m) {
        std::string key = text(entry.first, "a mapping key");
        if (seen.emplace(key, line(entry.first)).second) handle(key, entry.first, entry.second);
      }
    }
  }
  void merge_sources(const YAML::Node& value, std::vector<YAML::Node>& merged) const {
    const char* const kBadMerge = "map merge requires map or sequence of maps as the value";
    if (value.IsMap()) {
      merged.push_back(value);
    } else if (value.IsSequence()) {
      for (const auto& m : value) {
        if (!m.IsMap()) fail(m, kBadMerge);
        merged.push_back(m);
      }
    } else {
      fail(value, kBadMerge);
    }
  }

  SdGroup group(const YAML::Node& node) {
    if (node.IsNull()) fail(node, "nil target group item found");  // Prometheus' words
    if (!node.IsMap()) fail(node, "a target group must be a mapping");
    SdGroup group;
    group.line = context_.lines().clamp(line(node));
    group_line_ = group.line;
    entries(node, [&](const std::string& key, const YAML::Node& k, const YAML::Node& value) {
      if (key == "targets")
        targets(value, group);
      else if (key == "labels")
        labels(value, group);
      else
        fail(k, "field " + quote_printable(key) + " not found in type " + kGroupType);
    });
    return group;
  }
  void targets(const YAML::Node& node, SdGroup& group) {
    if (node.IsNull()) return;
    if (!node.IsSequence()) fail(node, "targets must be a list of strings");
    for (const auto& item : node) {
      std::string what = "targets[" + std::to_string(group.targets.size()) + "]";
      context_.add_target(group, text(item, what), line(item));
    }
  }
  void labels(const YAML::Node& node, SdGroup& group) {
    if (node.IsNull()) return;
    if (!node.IsMap()) fail(node, "labels must be a mapping of strings");
    entries(node, [&](const std::string& name, const YAML::Node& k, const YAML::Node& value) {
      context_.check_label_name(name, line(k));
      group.labels[name] = text(value, "label " + quote_printable(name));
    });
  }

  Context& context_;
  int group_line_ = 0;  // of the group being read
};

std::vector<SdGroup> parse_yaml(Context& context, std::string_view text) {
  if (auto at = first_non_utf8(text)) context.fail(context.lines().of_offset(*at), "invalid UTF-8");
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's DepthGuard stops its recursive parser (its message is only "bad file").
    context.fail(e.mark.line + 1, "nested too deeply");
  } catch (const YAML::Exception& e) {
    context.fail(e.mark.line + 1, one_line(e.msg));
  }
  return YamlReader(context).groups(root);
}

// --- JSON: json.Unmarshal into []*targetgroup.Group -------------------------------------------

// What one pass over the text tells before nlohmann parses it: where each element of the
// top-level array starts (nlohmann keeps no positions), and the first bracket nested deeper than
// kMaxJsonDepth. Only meaningful for text nlohmann then accepts.
struct JsonLayout {
  std::vector<std::size_t> element_starts;
  std::optional<std::size_t> too_deep;
};

JsonLayout scan_json(std::string_view text) {
  JsonLayout layout;
  int depth = 0;
  bool in_string = false;
  bool element_next = false;  // the next token starts an element of the top-level array
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (element_next && !(depth == 1 && c == ']')) layout.element_starts.push_back(i);
    element_next = false;
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) {
        layout.too_deep = i;
        return layout;
      }
      element_next = depth == 1 && c == '[';
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',') {
      element_next = depth == 1;
    }
  }
  return layout;
}

// nlohmann's reason without its "[json.exception.parse_error.101] parse error at line 3,
// column 2: " prefix: the line is given our way.
std::string json_reason(std::string_view what) {
  auto at = what.find("column ");
  if (at != std::string_view::npos) at = what.find(": ", at);
  if (at != std::string_view::npos) {
    what.remove_prefix(at + 2);
  } else if (auto bracket = what.find("] "); bracket != std::string_view::npos) {
    what.remove_prefix(bracket + 2);
  }
  return one_line(what);
}

// encoding/json matches a key to a field name case-insensitively ("Targets" is targets); ASCII
// folding only (Go also folds the Kelvin sign and long s, which no real file uses).
std::string ascii_lower(std::string text) {
  for (char& c : text)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return text;
}

using Json = nlohmann::ordered_json;  // keys in file order: a repeated key's last value wins

class JsonReader {
 public:
  JsonReader(Context& context, std::vector<int> element_lines)
      : context_(context), element_lines_(std::move(element_lines)) {}

  std::vector<SdGroup> groups(const Json& root, int root_line) {
    if (root.is_null()) return {};  // `null`: Go leaves the slice empty
    if (!root.is_array())
      context_.fail(root_line, "a file_sd file must be an array of target groups");
    std::vector<SdGroup> out;
    for (std::size_t i = 0; i < root.size(); ++i) {
      // The scan and nlohmann agree on valid JSON; should they not, say line 1.
      int line = element_lines_.size() == root.size() ? element_lines_[i] : 1;
      out.push_back(group(root[i], line));
    }
    return out;
  }

 private:
  std::string text(const Json& value, const std::string& what, int line) {
    if (value.is_null()) return "";  // Go: null into a string leaves it ""
    if (!value.is_string()) context_.fail(line, what + " must be a string");
    return context_.keep(value.get<std::string>(), line);
  }

  SdGroup group(const Json& node, int line) {
    if (node.is_null()) context_.fail(line, "nil target group item found");  // Prometheus' words
    if (!node.is_object()) context_.fail(line, "a target group must be an object");
    SdGroup group;
    group.line = line;
    for (const auto& [key, value] : node.items()) {
      std::string field = ascii_lower(key);
      if (field == "targets") {
        targets(value, group, line);
      } else if (field == "labels") {
        labels(value, group, line);
      } else {
        // targetgroup.Group.UnmarshalJSON decodes with DisallowUnknownFields.
        context_.fail(line, "field " + quote_printable(key) + " not found in type " + kGroupType);
      }
    }
    return group;
  }
  void targets(const Json& node, SdGroup& group, int line) {
    group.targets.clear();  // a repeated key: the last one wins, as in Go
    if (node.is_null()) return;
    if (!node.is_array()) context_.fail(line, "targets must be an array of strings");
    for (const auto& item : node) {
      std::string what = "targets[" + std::to_string(group.targets.size()) + "]";
      context_.add_target(group, text(item, what, line), line);
    }
  }
  void labels(const Json& node, SdGroup& group, int line) {
    group.labels.clear();
    if (node.is_null()) return;
    if (!node.is_object()) context_.fail(line, "labels must be an object of strings");
    for (const auto& [name, value] : node.items()) {
      context_.check_label_name(name, line);
      group.labels[name] = text(value, "label " + quote_printable(name), line);
    }
  }

  Context& context_;
  std::vector<int> element_lines_;
};

std::vector<SdGroup> parse_json(Context& context, std::string_view text) {
  JsonLayout layout = scan_json(text);
  if (layout.too_deep) {
    context.fail(context.lines().of_offset(*layout.too_deep),
                 "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  Json root;
  try {
    root = Json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is 1-based: the byte where the parser stopped.
    context.fail(context.lines().of_offset(e.byte > 0 ? e.byte - 1 : 0), json_reason(e.what()));
  } catch (const nlohmann::json::exception& e) {
    context.fail(1, json_reason(e.what()));
  }
  std::vector<int> element_lines;
  element_lines.reserve(layout.element_starts.size());
  for (auto start : layout.element_starts)
    element_lines.push_back(context.lines().of_offset(start));
  auto first = text.find_first_not_of(" \t\r\n");
  int root_line = context.lines().of_offset(first == std::string_view::npos ? 0 : first);
  return JsonReader(context, std::move(element_lines)).groups(root, root_line);
}

// Prometheus picks the format by filepath.Ext, lower-cased: ".json" or ".JSON" is JSON.
bool is_json_file(const std::string& file) {
  auto dot = file.rfind('.');
  auto slash = file.rfind('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return false;
  return ascii_lower(file.substr(dot)) == ".json";
}

}  // namespace

Expected<std::vector<SdGroup>> parse_file_sd(std::string_view text, const std::string& file) {
  using Result = Expected<std::vector<SdGroup>>;
  try {
    Context context(file, text);
    return is_json_file(file) ? parse_json(context, text) : parse_yaml(context, text);
  } catch (const SdError& e) {
    return Result::failure(e.message);
  } catch (const YAML::Exception& e) {  // reading a node; not expected once Load succeeded
    return Result::failure(file + ":" + std::to_string(std::max(e.mark.line + 1, 1)) + ": " +
                           one_line(e.msg));
  } catch (const std::bad_alloc&) {
    return Result::failure(file + ":1: out of memory reading the file");
  } catch (const std::exception& e) {
    return Result::failure(file + ":1: " + one_line(e.what()));
  }
}

}  // namespace reachprobe::targets
