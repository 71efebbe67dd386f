#pragma once
#include <string>

#include "targets/expected.hpp"
#include "targets/module.hpp"

namespace reachprobe::targets {

// Loads blackbox_exporter's module file unchanged (strict: an unknown key is an error, as
// blackbox's KnownFields), plus reachprobe's `ssh` and `path` kinds and `layers:`. Defaults
// apply per section as blackbox's UnmarshalYAML does. Errors are one line: "FILE:LINE: what".
// Unlike blackbox 0.23, a misspelled `prober:` fails at load, not at the first probe.
Expected<Config> load_config_file(const std::string& path);
Expected<Config> load_config_text(const std::string& text, const std::string& name);

}  // namespace reachprobe::targets
