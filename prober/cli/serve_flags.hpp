#pragma once
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "exporters/logger.hpp"
#include "targets/expected.hpp"

namespace reachprobe::cli {

// The flags of `reachprobe serve`: blackbox_exporter's, with its defaults.
struct ServeFlags {
  std::string config_file = "reachprobe.yml";
  std::optional<std::string> web_config_file;
  std::string listen = ":9115";
  double timeout_offset = 0.5;
  bool config_check = false;
  exporters::Logger::Level log_level = exporters::Logger::Level::info;
  bool log_json = false;
  std::size_t history_limit = 100;
  // HTTP connections held at once; also bounded by half of RLIMIT_NOFILE (engine::FdBudget).
  // 512 leaves half of the common 1024 descriptors to probes.
  std::size_t max_connections = 512;
  std::optional<std::string> external_url;
  // Every endpoint lives under this path: "/" or "/a/b/" (always with the trailing slash).
  std::string route_prefix = "/";
  // The path the landing page's links start with, as the browser sees it: the external URL's
  // path when --web.external-url is given (a proxy may strip the prefix), else route_prefix.
  std::string link_prefix = "/";
};

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
