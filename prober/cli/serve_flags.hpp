#pragma once
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "serve/serve_settings.hpp"
#include "targets/expected.hpp"

namespace reachprobe::cli {

using serve::ServeFlags;

// Parses `--flag value`, `--flag=value` and `--config.check`. Errors are one line naming the
// flag and the value.
targets::Expected<ServeFlags> parse_serve_flags(std::span<const std::string> args);

// blackbox's rule: "/" + the prefix without leading or trailing slashes, plus a trailing "/"
// unless that is the root ("bb", "/bb", "/bb/" -> "/bb/"; "", "/" -> "/").
std::string normalize_route_prefix(std::string_view prefix);

// The path of an external URL ("http://host:9115/bb/" -> "/bb"; "http://host" -> ""), as
// blackbox's computeExternalURL takes it. Refuses quoted values, spaces and control bytes.
targets::Expected<std::string> external_url_path(std::string_view url);

}  // namespace reachprobe::cli
