// Scheduled probing's config (CONTRACT §7): each invalid entry with its exact FILE:LINE message,
// the keys a valid one makes, the shard partition and the file_sd label overrides.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "schedule/key_spec.hpp"
#include "targets/config_loader.hpp"

namespace reachprobe::schedule {
namespace {

using namespace std::chrono_literals;

constexpr const char* kModules = R"(modules:
  tcp_connect: {prober: tcp, timeout: 5s}
  icmp: {prober: icmp}
)";

// The load's error, else the key building's, else "".
std::string error_of(const std::string& body) {
  auto config = targets::load_config_text(std::string(kModules) + body, "s.yml");
  if (!config) return config.error();
  auto keys = build_config_keys(*config, "v");
  return keys ? "" : keys.error();
}

struct InvalidCase {
  const char* body;
  const char* message;
};

TEST(ScheduleConfig, EachInvalidEntryIsRefusedWithItsLine) {
  const InvalidCase cases[] = {
      {"targets:\n  - targets: [\"198.18.0.2:22\"]\n    module: nope\n",
       "s.yml:6: unknown module \"nope\""},
      {"targets:\n  - targets: [\"198.18.0.2:22\"]\n    module: tcp_connect\n    interval: 5\n",
       "s.yml:7: interval: time: missing unit in duration \"5\""},
      {"targets:\n  - targets: [\"198.18.0.2:22\"]\n    module: tcp_connect\n    interval: 0s\n",
       "s.yml:7: interval must be above 0"},
      {"targets:\n  - targets: [\"198.18.0.2:22\"]\n    module: tcp_connect\n    interval: 2s\n",
       "s.yml:7: module tcp_connect's timeout is longer than the interval 2s"},
      {"targets:\n  - targets: [\"198.18.0.2:99999\"]\n    module: tcp_connect\n",
       "s.yml:5: target \"198.18.0.2:99999\": port 99999 out of range 1-65535"},
      {"targets:\n  - targets: [\"198.18.0.2\"]\n    module: tcp_connect\n",
       "s.yml:5: target \"198.18.0.2\": module \"tcp_connect\": a tcp target needs host:port"},
      {"scheduler:\n  shard: 3/3\n",
       "s.yml:5: shard \"3/3\" is not i/n with 0 <= i < n (e.g. 0/3)"},
      {"scheduler:\n  max_concurrency: 0\n", "s.yml:5: max_concurrency must be at least 1"},
      {"scheduler:\n  shards: 0/3\n", "s.yml:5: field shards not found in type config.Scheduler"},
      {"targets:\n  - targets: [\"198.18.0.2:22\"]\n    labels: {module: x}\n",
       "s.yml:6: label module is set by the scheduler; choose another name"},
      {"targets:\n  - targets: [\"198.18.0.2:22\"]\n    labels: {1x: y}\n",
       "s.yml:6: label name \"1x\" is not valid"},
      {"targets:\n  - targets: [\"198.18.0.2:22\", \"198.18.0.2:22\"]\n    module: tcp_connect\n",
       "s.yml:5: target \"198.18.0.2:22\" with module tcp_connect is already listed at s.yml:5"},
      {"targets:\n  - module: tcp_connect\n", "s.yml:5: a target group needs targets"},
      {"targets:\n  - targets: [a:1]\n    module: tcp_connect\n    modules: [icmp]\n",
       "s.yml:7: give module or modules, not both"},
      {"file_sd_configs:\n  - files: [\"/etc/*/t.json\"]\n",
       "s.yml:5: file \"/etc/*/t.json\": a glob is allowed in the last path segment only"},
      {"file_sd_configs:\n  - files: [\"/t/*.json\"]\n    module: nope\n",
       "s.yml:6: unknown module \"nope\""},
  };
  for (const auto& c : cases) EXPECT_EQ(error_of(c.body), c.message) << c.body;
}

TEST(ScheduleConfig, AGroupMakesOneKeyPerTargetAndModuleWithItsLabels) {
  auto config = targets::load_config_text(std::string(kModules) + R"(scheduler: {vantage: lab}
targets:
  - targets: ["198.18.0.2:22", "198.18.0.3:22"]
    modules: [tcp_connect]
    interval: 30s
    labels: {team: db}
  - targets: ["ssh://198.18.0.2", "198.18.0.4"]
)",
                                          "s.yml");
  ASSERT_TRUE(config) << config.error();
  auto keys = build_config_keys(*config, vantage_of(config->scheduler));
  ASSERT_TRUE(keys) << keys.error();
  ASSERT_EQ(keys->size(), 4u);
  const auto& first = (*keys)[0];
  EXPECT_EQ(first.interval, 30s);
  EXPECT_EQ(first.options->timeout, 5s);
  EXPECT_EQ(first.origin, "s.yml:6");
  std::vector<std::pair<std::string, std::string>> labels = {
      {"target", "198.18.0.2:22"}, {"module", "tcp_connect"}, {"vantage", "lab"}, {"team", "db"}};
  EXPECT_EQ(first.identity.labels, labels);
  EXPECT_EQ(first.identity.prober, "tcp");
  // No module: the plan check picks, named as check names it; the config's icmp module is
  // used for a bare host because it has that name. Without a module timeout: min(10 s, interval).
  EXPECT_EQ((*keys)[2].module_name, "ssh");
  EXPECT_EQ((*keys)[2].identity.prober, "ssh");
  EXPECT_EQ((*keys)[2].interval, 60s);
  EXPECT_EQ((*keys)[2].options->timeout, 10s);
  EXPECT_EQ((*keys)[3].module_name, "icmp");
}

TEST(ScheduleConfig, ShardsPartitionTheKeys) {
  std::string body = "targets:\n  - module: tcp_connect\n    targets:\n";
  for (int i = 0; i < 300; ++i)
    body += "      - 198.18.1." + std::to_string(i % 250) + ":" + std::to_string(1000 + i) + "\n";
  auto config = targets::load_config_text(std::string(kModules) + body, "s.yml");
  ASSERT_TRUE(config) << config.error();
  auto keys = build_config_keys(*config, "v");
  ASSERT_TRUE(keys) << keys.error();
  std::set<std::string> seen;
  for (int shard = 0; shard < 3; ++shard) {
    targets::SchedulerSpec spec;
    spec.shard_index = shard;
    spec.shard_count = 3;
    std::size_t mine = 0;
    for (const auto& key : *keys) {
      if (!in_shard(key, spec)) continue;
      ++mine;
      EXPECT_TRUE(seen.insert(key.identity.id).second) << "in two shards: " << key.target_text;
    }
    EXPECT_GT(mine, 50u) << "shard " << shard << " got too few of 300 keys";
  }
  EXPECT_EQ(seen.size(), 300u);
  // The hash is the same on every instance and every run.
  EXPECT_EQ(key_hash("198.18.0.2:22", "tcp_connect"), key_hash("198.18.0.2:22", "tcp_connect"));
  EXPECT_NE(key_hash("198.18.0.2:22", "tcp_connect"), key_hash("198.18.0.2:22", "icmp"));
}

TEST(ScheduleConfig, FileSdParamLabelsOverrideTheEntryDefaults) {
  targets::FileSdSpec spec;
  spec.modules = {"icmp"};
  spec.interval = 60s;
  targets::SdGroup group;
  group.targets = {"198.18.0.2:22"};
  group.line = 3;
  group.labels = {{"__param_module", "tcp_connect"},
                  {"__param_interval", "15s"},
                  {"__meta_x", "dropped"},
                  {"env", "prod"}};
  auto out = sd_group(group, spec, "t.json");
  ASSERT_TRUE(out) << out.error();
  EXPECT_EQ(out->modules, std::vector<std::string>{"tcp_connect"});
  EXPECT_EQ(out->interval, 15s);
  EXPECT_EQ(out->labels, (std::map<std::string, std::string>{{"env", "prod"}}));
  EXPECT_EQ(out->origin, "t.json:3");

  group.labels = {{"__param_interval", "soon"}};
  EXPECT_EQ(sd_group(group, spec, "t.json").error(),
            "t.json:3: __param_interval \"soon\" is not a duration above 0");
  group.labels = {{"vantage", "x"}};
  EXPECT_EQ(sd_group(group, spec, "t.json").error(),
            "t.json:3: label vantage is set by the scheduler; choose another name");
}

}  // namespace
}  // namespace reachprobe::schedule
