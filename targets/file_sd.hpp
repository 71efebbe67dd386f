#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "targets/expected.hpp"

namespace reachprobe::targets {

// One target group of a Prometheus file_sd file.
struct SdGroup {
  std::vector<std::string> targets;
  // As written, meta labels (`__param_module`, `__param_interval`, other `__*`) included: the
  // scheduler applies and drops them.
  std::map<std::string, std::string> labels;
  // 1-based line where the group starts, for messages: YAML, the line of the group's first key
  // (a flow mapping: of its `{`; an alias: of its anchor); JSON, the line of its `{`.
  int line = 0;
};

// Parses a file_sd file as Prometheus' discovery/file reads it: JSON when `file`'s extension is
// ".json" in any case (Prometheus lower-cases it), else YAML; a list of
// {targets: [strings], labels: {name: string}}.
// - YAML as yaml.UnmarshalStrict: an unknown key in a group or a key given twice is an error;
//   scalars are text (`port: 22` is "22"); `<<` merge keys and aliases work; an empty file,
//   only comments, `null` or `[]` is zero groups.
// - JSON as encoding/json with targetgroup's DisallowUnknownFields: an unknown key is an error,
//   field names match case-insensitively ("Targets"), a repeated key's last value wins; `null`
//   or `[]` is zero groups, an empty file is a syntax error (as in Go).
// - Both: a null group is an error, null targets/labels are empty, a null label value is "";
//   label names must match [a-zA-Z_][a-zA-Z0-9_]*; targets must be non-empty strings.
// Errors are one line, "FILE:LINE: reason". YAML errors name the line of the offending node;
// JSON syntax errors the line where nlohmann stopped, other JSON errors the line of their group
// (nlohmann keeps no positions). Hostile input costs bounded work: JSON nested deeper than 64 is
// refused before parsing, YAML by yaml-cpp's depth guard, and the strings produced are capped
// (YAML aliases copy in yaml-cpp). Never throws.
Expected<std::vector<SdGroup>> parse_file_sd(std::string_view text, const std::string& file);

}  // namespace reachprobe::targets
