#include "cli/serve_flags.hpp"

#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <utility>

#include "targets/duration.hpp"

namespace reachprobe::cli {
namespace {

using Result = targets::Expected<ServeFlags>;

Result bad_value(const std::string& flag, const std::string& value, const std::string& what) {
  return Result::failure("flag " + flag + ": \"" + value + "\" " + what);
}

bool scheme_char(char c, bool first) {
  if (std::isalpha(static_cast<unsigned char>(c)) != 0) return true;
  return !first &&
         (std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' || c == '.');
}

// Prometheus' --storage.tsdb.retention.time style: "30d", "2w", "1y", or a Go duration ("720h").
std::optional<std::chrono::seconds> retention_duration(const std::string& value) {
  static constexpr std::pair<char, std::int64_t> kUnits[] = {
      {'d', 86400}, {'w', 7 * 86400}, {'y', 365 * 86400}};
  for (auto [unit, seconds] : kUnits) {
    if (value.size() < 2 || value.back() != unit) continue;
    std::int64_t count = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size() - 1, count);
    if (ec != std::errc() || end != value.data() + value.size() - 1 || count <= 0 ||
        count > 100 * 365)
      return std::nullopt;
    return std::chrono::seconds(count * seconds);
  }
  auto parsed = targets::parse_duration(value);
  if (!parsed) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::seconds>(*parsed);
}

// Reads one flag's value into `flags`; an error names the flag.
std::optional<Result> apply(ServeFlags& flags, const std::string& name, const std::string& value) {
  if (name == "--config.file") {
    flags.config_file = value;
  } else if (name == "--web.listen-address") {
    flags.listen = value;
  } else if (name == "--web.config.file") {
    flags.web_config_file = value;
  } else if (name == "--timeout-offset") {
    auto [end, ec] =
        std::from_chars(value.data(), value.data() + value.size(), flags.timeout_offset);
    if (ec != std::errc() || end != value.data() + value.size()) {
      return bad_value(name, value, "is not a number");
    }
  } else if (name == "--log.level") {
    if (!exporters::Logger::parse_level(value, flags.log_level)) {
      return bad_value(name, value, "must be debug, info, warn or error");
    }
  } else if (name == "--log.format") {
    if (value != "logfmt" && value != "json")
      return bad_value(name, value, "must be logfmt or json");
    flags.log_json = value == "json";
  } else if (name == "--history.limit") {
    auto [end, ec] =
        std::from_chars(value.data(), value.data() + value.size(), flags.history_limit);
    if (ec != std::errc() || end != value.data() + value.size()) {
      return bad_value(name, value, "is not a non-negative integer");
    }
  } else if (name == "--web.max-connections") {
    auto [end, ec] =
        std::from_chars(value.data(), value.data() + value.size(), flags.max_connections);
    if (ec != std::errc() || end != value.data() + value.size() || flags.max_connections == 0) {
      return bad_value(name, value, "is not a positive integer");
    }
  } else if (name == "--web.external-url") {
    flags.external_url = value;
  } else if (name == "--storage.path") {
    if (value.empty()) return bad_value(name, value, "is empty (\":memory:\" keeps no history)");
    flags.storage_path = value;
  } else if (name == "--storage.retention") {
    auto retention = retention_duration(value);
    if (!retention || *retention < std::chrono::hours(1)) {
      return bad_value(name, value, "is not a duration of at least 1h (such as 30d)");
    }
    flags.storage_retention = *retention;
  } else {
    return Result::failure("unknown flag " + name);
  }
  return std::nullopt;
}

}  // namespace

std::string normalize_route_prefix(std::string_view prefix) {
  auto first = prefix.find_first_not_of('/');
  if (first == std::string_view::npos) return "/";
  auto last = prefix.find_last_not_of('/');
  return "/" + std::string(prefix.substr(first, last - first + 1)) + "/";
}

targets::Expected<std::string> external_url_path(std::string_view url) {
  using PathResult = targets::Expected<std::string>;
  const std::string shown(url);
  if (!url.empty() &&
      (url.front() == '"' || url.front() == '\'' || url.back() == '"' || url.back() == '\'')) {
    return PathResult::failure("flag --web.external-url: \"" + shown +
                               "\" must not begin or end with quotes");
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '\x7f') {
      return PathResult::failure("flag --web.external-url: \"" + shown +
                                 "\" contains a space or control character");
    }
  }
  std::string_view rest = url.substr(0, url.find_first_of("?#"));
  if (auto sep = rest.find("://"); sep != std::string_view::npos) {
    bool scheme_ok = sep > 0;
    for (std::size_t i = 0; i < sep; ++i) scheme_ok = scheme_ok && scheme_char(rest[i], i == 0);
    if (!scheme_ok) {
      return PathResult::failure("flag --web.external-url: \"" + shown + "\" has a bad scheme");
    }
    auto slash = rest.find('/', sep + 3);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  std::string path(rest);
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (!path.empty() && path.front() != '/') path.insert(path.begin(), '/');
  return path;
}

targets::Expected<ServeFlags> parse_serve_flags(std::span<const std::string> args) {
  ServeFlags flags;
  std::optional<std::string> route_prefix;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (name == "--config.check") {
      flags.config_check = true;
      continue;
    }
    if (!value) {
      if (i + 1 >= args.size()) return Result::failure("flag " + name + " needs a value");
      value = args[++i];
    }
    if (name == "--web.route-prefix") {
      route_prefix = *value;
      continue;
    }
    if (auto error = apply(flags, name, *value)) return *error;
  }
  // As blackbox: the route prefix defaults to the external URL's path.
  std::string external_path;
  if (flags.external_url) {
    auto path = external_url_path(*flags.external_url);
    if (!path) return Result::failure(path.error());
    external_path = *path;
  }
  flags.route_prefix = normalize_route_prefix(route_prefix ? *route_prefix : external_path);
  flags.link_prefix =
      flags.external_url ? normalize_route_prefix(external_path) : flags.route_prefix;
  return flags;
}

}  // namespace reachprobe::cli
