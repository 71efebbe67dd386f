#include "schedule/key_spec.hpp"

#include <unistd.h>

#include <algorithm>

#include "layers/module_plan.hpp"
#include "targets/duration.hpp"
#include "targets/printable.hpp"
#include "targets/target_parser.hpp"

namespace reachprobe::schedule {
namespace {

using targets::Expected;

// A scheduled probe without a module timeout gets check's 10 s, but never more than its interval.
constexpr std::chrono::seconds kDefaultTimeout{10};

// The prober kind of a built-in plan, which picks its blackbox metric names.
std::string prober_of_builtin(const std::string& plan_module) {
  if (plan_module == "http_2xx") return "http";
  return plan_module;  // icmp, tcp, ssh, grpc
}

struct Planned {
  targets::Target target;
  engine::LayerPlan plan;
  layers::ProbeOptions options;
  std::string module_name;
  std::string prober;
};

Expected<Planned> plan_with_module(const targets::Module& module, const std::string& text) {
  Planned p;
  p.options.trace_path = module.prober == targets::ProberKind::path;
  auto applied = layers::apply_module(module, text, p.options);
  if (!applied) return Expected<Planned>::failure(applied.error());
  p.target = std::move(applied->target);
  p.plan = std::move(applied->plan);
  p.module_name = module.name;
  p.prober = targets::to_string(module.prober);
  p.options.timeout = module.timeout;  // 0: not set, decided by the interval
  return p;
}

// No module named: the plan `check` picks for the scheme, without the path trace (a scheduled
// key runs every interval; the path is evidence for `check`). A config module of the same name
// takes its place, so the `module` label always means one thing.
Expected<Planned> plan_builtin(const targets::Config& config, const std::string& text) {
  auto target = targets::parse_target(text);
  if (!target) return Expected<Planned>::failure(target.error());
  auto plan = engine::plan_for(*target, false, false);
  if (!plan) return Expected<Planned>::failure(plan.error());
  if (auto it = config.modules.find(plan->module); it != config.modules.end())
    return plan_with_module(it->second, text);
  Planned p;
  p.options.trace_path = false;
  p.target = std::move(target).value();
  p.module_name = plan->module;
  p.prober = prober_of_builtin(plan->module);
  p.plan = std::move(plan).value();
  p.options.timeout = std::chrono::nanoseconds(0);
  return p;
}

}  // namespace

std::uint64_t key_hash(const std::string& target, const std::string& module) {
  std::uint64_t hash = 14695981039346656037ull;
  auto mix = [&hash](const std::string& text) {
    for (char ch : text) {
      auto c = static_cast<unsigned char>(ch);
      hash ^= c;
      hash *= 1099511628211ull;
    }
  };
  mix(target);
  mix(std::string(1, '\0'));
  mix(module);
  return hash;
}

bool in_shard(const KeySpec& key, const targets::SchedulerSpec& scheduler) {
  auto count = static_cast<std::uint64_t>(scheduler.shard_count);
  return key.hash % count == static_cast<std::uint64_t>(scheduler.shard_index);
}

std::string vantage_of(const targets::SchedulerSpec& scheduler) {
  if (!scheduler.vantage.empty()) return scheduler.vantage;
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "unknown";
  return name;
}

Expected<std::vector<KeySpec>> build_keys(const targets::ScheduledGroup& group,
                                          const targets::Config& config,
                                          const std::string& vantage) {
  using Result = Expected<std::vector<KeySpec>>;
  std::vector<KeySpec> keys;
  std::map<std::string, std::shared_ptr<const layers::ProbeOptions>> shared;  // by module
  for (std::size_t t = 0; t < group.targets.size(); ++t) {
    const auto& text = group.targets[t];
    std::string origin = group.origin;
    if (t < group.target_lines.size()) {
      origin = origin.substr(0, origin.rfind(':')) + ":" + std::to_string(group.target_lines[t]);
    }
    std::vector<std::string> modules = group.modules;
    if (modules.empty()) modules.push_back("");  // the built-in plan
    for (const auto& name : modules) {
      Expected<Planned> planned = Expected<Planned>::failure("");
      if (name.empty()) {
        planned = plan_builtin(config, text);
      } else if (auto it = config.modules.find(name); it == config.modules.end()) {
        return Result::failure(origin + ": unknown module " + targets::quote_printable(name));
      } else {
        if (it->second.timeout > group.interval) {
          return Result::failure(origin + ": module " + name +
                                 "'s timeout is longer than the key's interval");
        }
        planned = plan_with_module(it->second, text);
      }
      if (!planned) {
        // The target parser names the target itself; the module checks do not.
        const auto& why = planned.error();
        return Result::failure(origin + ": " +
                               (why.starts_with("target ")
                                    ? why
                                    : "target " + targets::quote_printable(text) + ": " + why));
      }
      KeySpec key;
      key.target_text = text;
      key.module_name = planned->module_name;
      key.target = std::move(planned->target);
      key.plan = std::move(planned->plan);
      key.interval = group.interval;
      auto& options = shared[key.module_name];
      if (!options) {
        if (planned->options.timeout.count() <= 0) {
          planned->options.timeout =
              std::min<std::chrono::nanoseconds>(kDefaultTimeout, group.interval);
        }
        options = std::make_shared<const layers::ProbeOptions>(std::move(planned->options));
      }
      key.options = options;
      key.hash = key_hash(text, key.module_name);
      key.origin = origin;
      key.identity.id = text + '\0' + key.module_name;
      key.identity.prober = planned->prober;
      key.identity.labels = {{"target", text}, {"module", key.module_name}, {"vantage", vantage}};
      for (const auto& [label, value] : group.labels)
        key.identity.labels.emplace_back(label, value);
      keys.push_back(std::move(key));
    }
  }
  return keys;
}

Expected<std::vector<KeySpec>> build_config_keys(const targets::Config& config,
                                                 const std::string& vantage) {
  using Result = Expected<std::vector<KeySpec>>;
  std::vector<KeySpec> all;
  std::map<std::string, std::string> seen;  // id -> origin
  for (const auto& group : config.target_groups) {
    auto keys = build_keys(group, config, vantage);
    if (!keys) return Result::failure(keys.error());
    for (auto& key : *keys) {
      if (auto [it, fresh] = seen.emplace(key.identity.id, key.origin); !fresh) {
        return Result::failure(key.origin + ": target " +
                               targets::quote_printable(key.target_text) + " with module " +
                               key.module_name + " is already listed at " + it->second);
      }
      all.push_back(std::move(key));
    }
  }
  return all;
}

Expected<targets::ScheduledGroup> sd_group(const targets::SdGroup& group,
                                           const targets::FileSdSpec& spec,
                                           const std::string& file) {
  using Result = Expected<targets::ScheduledGroup>;
  targets::ScheduledGroup out;
  out.origin = file + ":" + std::to_string(group.line);
  out.targets = group.targets;
  out.modules = spec.modules;
  out.interval = spec.interval;
  for (const auto& [name, value] : group.labels) {
    if (name == "__param_module") {
      if (value.empty()) return Result::failure(out.origin + ": __param_module is empty");
      out.modules = {value};
    } else if (name == "__param_interval") {
      auto d = targets::parse_go_duration(value);
      if (!d || d->count() <= 0) {
        return Result::failure(out.origin + ": __param_interval " +
                               targets::quote_printable(value) + " is not a duration above 0");
      }
      out.interval = *d;
    } else if (name.starts_with("__")) {
      continue;  // meta labels, as Prometheus drops them after relabelling
    } else if (targets::is_reserved_label(name)) {
      return Result::failure(out.origin + ": label " + name +
                             " is set by the scheduler; choose another name");
    } else {
      out.labels[name] = value;
    }
  }
  return out;
}

}  // namespace reachprobe::schedule
