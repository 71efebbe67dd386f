#pragma once
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "exporters/logger.hpp"

namespace reachprobe::serve {

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
  // The history of scheduled runs (CONTRACT §7): a SQLite file, or ":memory:" to keep nothing.
  std::string storage_path = "data/reachprobe.db";
  std::chrono::seconds storage_retention = std::chrono::hours(24 * 30);
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

}  // namespace reachprobe::serve
