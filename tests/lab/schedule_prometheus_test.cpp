// Issue 11, acceptance 1: `reachprobe serve` with a `targets:` list probes on its own schedule,
// and a real Prometheus, scraping its /metrics every second, computes availability from the
// scheduled counters (docs: /work/team/SCHEDULE-SPEC.md, CONTRACT.md §5 and §7).
//
// Three keys on the lab's target 198.18.3.2, every 2 s:
// - healthy: tcp to :22, the Lab's accept-and-close listener;
// - dropped: tcp to :80, silently dropped by nftables in the target namespace (the host still
//   answers ICMP, so the verdict is tcp/timeout, not a path one);
// - hung:    ssh to :2200 with working key credentials and `sleep 600` as the command, a module
//   timeout (1.5 s) below the interval, so every run ends as ssh_exec/timeout.
// Before reachprobe is judged, the lab is shown to behave so (netprobe, OpenSSH's own client).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "netns_fixture.hpp"
#include "serve_fixture.hpp"
#include "sshd_fixture.hpp"

#ifndef REACHPROBE_BINARY
#error "REACHPROBE_BINARY must name the reachprobe executable"
#endif

namespace reachprobe::lab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Labels = std::map<std::string, std::string>;

// The scheduling exporter; ServeLab's own pair (19115/19116) stays idle beside it.
constexpr int kSchedulePort = 19122;
constexpr const char* kVantage = "lab1";
constexpr const char* kJob = "reachprobe";
constexpr const char* kLabBroken = "the lab itself does not behave as this scenario needs";
constexpr int kKilled = 137;  // 128 + SIGKILL: OpenSSH killed at its deadline, still hanging

constexpr const char* kAvailability =
    "1 - sum by (target, module) (rate(probe_failures_total[1m]))"
    " / sum by (target, module) (rate(probe_runs_total[1m]))";

// A scheduled key, (target, module), with the labels of its `targets:` group.
struct Key {
  std::string name;  // for messages
  std::string target, module;
  Labels group;

  // Every label a scheduled series of this key carries (CONTRACT.md §7).
  Labels labels() const {
    Labels all = group;
    all["target"] = target;
    all["module"] = module;
    all["vantage"] = kVantage;
    return all;
  }
  // The labels Prometheus' aggregation `sum by (target, module)` keeps.
  Labels identity() const { return {{"target", target}, {"module", module}}; }
};

Key Healthy() {
  return {"healthy", "198.18.3.2:22", "tcp_icmp", {{"team", "net"}}};
}
Key Dropped() {
  return {"dropped", "198.18.3.2:80", "tcp_icmp", {{"team", "net"}}};
}
Key Hung() {
  return {"hung",
          "ssh://" + std::string(kSshHost) + ":" + std::to_string(kSshHealthy),
          "ssh_hang",
          {{"team", "db"}, {"tier", "gold"}}};
}
std::vector<Key> Keys() {
  return {Healthy(), Dropped(), Hung()};
}

// Every `@NAME@` in `text` replaced by vars[NAME].
std::string Fill(std::string text, const std::map<std::string, std::string>& vars) {
  for (const auto& [name, value] : vars) {
    const std::string mark = "@" + name + "@";
    for (auto at = text.find(mark); at != std::string::npos; at = text.find(mark, at)) {
      text.replace(at, mark.size(), value);
      at += value.size();
    }
  }
  return text;
}

// Two groups: `modules:` and `module:`, one label and two. The tcp module adds ICMP evidence
// (rule 2: the host answers, so a silent port is tcp/timeout); both timeouts are below the
// interval, so no tick is skipped and every run of a failing key is one failure.
std::string ScheduledConfig(const SshLab& ssh) {
  return Fill(R"(modules:
  tcp_icmp:
    prober: tcp
    timeout: 1s
    layers: [icmp, tcp]
  ssh_hang:
    prober: ssh
    timeout: 1500ms
    ssh:
      user: @USER@
      key_file: @KEY_FILE@
      known_hosts: @KNOWN_HOSTS@
      command: "sleep 600"
scheduler:
  vantage: @VANTAGE@
targets:
  - targets: ["@HEALTHY@", "@DROPPED@"]
    modules: [tcp_icmp]
    interval: 2s
    labels: {team: net}
  - targets: ["@HUNG@"]
    module: ssh_hang
    interval: 2s
    labels: {team: db, tier: gold}
)",
              {{"USER", kSshUser},
               {"KEY_FILE", ssh.key_file()},
               {"KNOWN_HOSTS", ssh.known_hosts()},
               {"VANTAGE", kVantage},
               {"HEALTHY", Healthy().target},
               {"DROPPED", Dropped().target},
               {"HUNG", Hung().target}});
}

// Prometheus scrapes the scheduling exporter's /metrics every second.
std::string PrometheusConfig() {
  return Fill(R"(global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: @JOB@
    metrics_path: /metrics
    static_configs:
      - targets: ['127.0.0.1:@PORT@']
)",
              {{"JOB", kJob}, {"PORT", std::to_string(kSchedulePort)}});
}

// The exposition's series key for these labels (ParseExposition sorts labels by name).
std::string SeriesOf(const std::string& name, const Labels& labels) {
  std::string text;
  for (const auto& [label, value] : labels) {
    text += (text.empty() ? "" : ",") + label + "=\"" + value + "\"";
  }
  return SeriesKey(name, text);
}

Labels With(Labels labels, const Labels& more) {
  labels.insert(more.begin(), more.end());
  return labels;
}

// A series' labels from a Prometheus query result, without __name__.
Labels MetricLabels(const json& series) {
  Labels out;
  if (!series.is_object() || !series.contains("metric")) return out;
  for (const auto& [name, value] : series["metric"].items()) {
    if (name != "__name__" && value.is_string()) out[name] = value.get<std::string>();
  }
  return out;
}

bool Includes(const Labels& labels, const Labels& want) {
  for (const auto& [name, value] : want) {
    const auto it = labels.find(name);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

// The largest value among the exposition's `name` series whose labels include `want`.
std::optional<double> Largest(const Exposition& e, const std::string& name, const Labels& want) {
  std::optional<double> out;
  for (const auto& [series, value] : e) {
    if (NameOf(series) != name) continue;
    bool match = true;
    for (const auto& [label, wanted] : want) {
      const std::string text = label + "=\"" + wanted + "\"";
      match = match && (series.find("{" + text) != std::string::npos ||
                        series.find("," + text) != std::string::npos);
    }
    if (match && (!out || value > *out)) out = value;
  }
  return out;
}

// The sample value of the series in `result` whose labels include `want`; nullopt if none.
std::optional<double> ValueOf(const json& result, const Labels& want) {
  for (const json& series : result) {
    if (!Includes(MetricLabels(series), want)) continue;
    if (!series.contains("value") || series["value"].size() != 2 ||
        !series["value"][1].is_string()) {
      continue;
    }
    return std::strtod(series["value"][1].get<std::string>().c_str(), nullptr);
  }
  return std::nullopt;
}

class SchedulePrometheusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string& why :
         {MissingPrerequisite(), MissingServePrerequisite(), MissingSshPrerequisite()}) {
      if (!why.empty()) GTEST_SKIP() << why;
    }
    lab_ = std::make_unique<Lab>();
    ssh_ = std::make_unique<SshLab>(*lab_);
    // ServeLab gives the Prometheus harness; its exporters read a file blackbox 0.23 accepts.
    serve_ = std::make_unique<ServeLab>(*lab_, "modules:\n  tcp_connect:\n    prober: tcp\n");
    dir_ = lab_->scratch_dir() + "/schedule";
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (HasFailure() && serve_) {
      std::cerr << "--- scheduling reachprobe serve log:\n"
                << lab_->log_tail("schedule/serve") << serve_->Logs() << "\n"
                << ssh_->SshdLogs() << "\n";
    }
    serve_.reset();
    ssh_.reset();
    lab_.reset();
  }

  // Starts `reachprobe serve` with the scheduled config in the prober namespace, its working
  // directory the scratch dir (anything it writes by a relative path stays there).
  void StartScheduledServe() {
    const std::string config = dir_ + "/scheduled.yml";
    WriteFile(config, ScheduledConfig(*ssh_));
    lab_->spawn(Node::kProber,
                "env -C " + dir_ + " " + REACHPROBE_BINARY + " serve --config.file " + config +
                    " --web.listen-address 127.0.0.1:" + std::to_string(kSchedulePort),
                "schedule/serve");
    const bool healthy =
        WaitFor(15s, [this] { return serve_->Request(kSchedulePort, "/-/healthy").status == 200; });
    ASSERT_TRUE(healthy) << "serve with targets: never answered /-/healthy\n"
                         << lab_->log_tail("schedule/serve");
  }

  // The scheduling exporter's /metrics, parsed; empty (and a failure) when it is not.
  Exposition ScrapeOwn(std::string* text = nullptr) {
    const HttpAnswer answer = serve_->Request(kSchedulePort, "/metrics");
    if (text != nullptr) *text = answer.body;
    if (answer.status != 200) {
      ADD_FAILURE() << "/metrics answered " << answer.status << ": " << answer.error;
      return {};
    }
    try {
      return ParseExposition(answer.body);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "/metrics is not a text exposition: " << e.what() << "\n" << answer.body;
      return {};
    }
  }

  // Prometheus' instant query result vector; [] until it has data or on an error.
  json Query(const std::string& promql) {
    const HttpAnswer answer = serve_->Request(kPrometheusPort, "/api/v1/query",
                                              {"-G", "--data-urlencode", "query=" + promql});
    const json parsed = json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded() || parsed.value("status", "") != "success") return json::array();
    return parsed["data"].value("result", json::array());
  }

  // Polls `done` every 250 ms until it holds; false after `timeout`.
  static bool WaitFor(std::chrono::milliseconds timeout, const std::function<bool()>& done) {
    const auto deadline = Clock::now() + timeout;
    while (!done()) {
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(250ms);
    }
    return true;
  }

  // Every key has finished a run (a probe_runs_total of it is at least 1). Waited for before
  // Prometheus starts, so a failing key's failure series already exists at the first scrape and
  // its samples track probe_runs_total's from the start. Matched by target and module only: the
  // exact label sets are checked below, where a mismatch does not stop the rest of the test.
  void WaitUntilEveryKeyRan() {
    std::string text;
    const bool ran = WaitFor(15s, [&] {
      const Exposition e = ScrapeOwn(&text);
      for (const Key& key : Keys()) {
        if (Largest(e, "probe_runs_total", key.identity()).value_or(0) < 1) return false;
      }
      return true;
    });
    ASSERT_TRUE(ran) << "not every key has a probe_runs_total >= 1 on /metrics:\n" << text;
  }

  // Each key has series of `family` in Prometheus, carrying exactly the key's labels (plus
  // Prometheus' job and instance and the family's own `extra` labels); no other key has any.
  void ExpectKeyLabels(const std::string& family, const std::set<std::string>& extra = {}) {
    const json result = Query(family + "{job=\"" + kJob + "\"}");
    std::map<std::string, int> seen;
    for (const json& series : result) {
      Labels labels = MetricLabels(series);
      EXPECT_EQ(labels["instance"], "127.0.0.1:" + std::to_string(kSchedulePort)) << family;
      for (const std::string& name : extra) labels.erase(name);
      labels.erase("job");
      labels.erase("instance");
      bool known = false;
      for (const Key& key : Keys()) {
        if (!Includes(labels, key.identity())) continue;
        known = true;
        ++seen[key.name];
        EXPECT_EQ(labels, key.labels()) << family << " of the " << key.name << " key";
      }
      EXPECT_TRUE(known) << family << " of no configured key: " << series.dump();
    }
    for (const Key& key : Keys()) {
      EXPECT_GE(seen[key.name], 1)
          << "no " << family << " for the " << key.name << " key in " << result.dump();
    }
  }

  // probe_failures_total{layer, reason} of `key` as Prometheus has it now.
  std::optional<double> Failures(const Key& key, const std::string& layer,
                                 const std::string& reason) {
    return ValueOf(Query("probe_failures_total{layer=\"" + layer + "\",reason=\"" + reason +
                         "\",job=\"" + kJob + "\"}"),
                   key.identity());
  }

  // The availability of every key, once Prometheus has a number (not NaN) for each.
  std::map<std::string, double> Availability(json& last) {
    std::map<std::string, double> out;
    last = Query(kAvailability);
    for (const Key& key : Keys()) {
      const std::optional<double> v = ValueOf(last, key.identity());
      if (v && !std::isnan(*v)) out[key.name] = *v;
    }
    return out;
  }

  // Availability 1 for the healthy key and 0 for the two failing ones, exactly: every run of
  // the healthy key succeeds, every run of a failing key is one failure. Polled for at most
  // `timeout` (until Prometheus has the samples); the last answer in the failure message.
  void ExpectAvailability(const std::string& when, std::chrono::milliseconds timeout) {
    json last;
    std::map<std::string, double> got;
    const std::map<std::string, double> want = {{"healthy", 1.0}, {"dropped", 0.0}, {"hung", 0.0}};
    WaitFor(timeout, [&] { return (got = Availability(last)) == want; });
    EXPECT_EQ(got, want) << when << ": " << kAvailability << " =\n" << last.dump();
  }

  std::unique_ptr<Lab> lab_;
  std::unique_ptr<SshLab> ssh_;
  std::unique_ptr<ServeLab> serve_;
  std::string dir_;
};

TEST_F(SchedulePrometheusTest, AvailabilityIsOneForHealthyAndZeroForDroppedPortAndHungCommand) {
  // The lab first: a failure below is reachprobe's, not a lab that misbehaves.
  lab_->nft(Node::kTarget,
            "chain input { type filter hook input priority 0; policy accept; tcp dport 80 drop; }");
  ASSERT_EQ(lab_->netprobe("tcp 198.18.3.2 22"), "connected") << kLabBroken;
  ASSERT_EQ(lab_->netprobe("tcp 198.18.3.2 80 --timeout 0.5"), "timeout") << kLabBroken;
  const CmdResult login = ssh_->OpenSshWithKey(kSshHealthy, "true");
  ASSERT_EQ(login.exit_code, 0) << kLabBroken << ": " << login.stderr_text;
  const CmdResult hang = ssh_->OpenSshWithKey(kSshHealthy, "sleep 600", 1500ms);
  ASSERT_EQ(hang.exit_code, kKilled) << kLabBroken << ": " << hang.stderr_text;

  StartScheduledServe();
  if (HasFatalFailure()) return;
  WaitUntilEveryKeyRan();
  if (HasFatalFailure()) return;
  serve_->StartPrometheus(PrometheusConfig());
  const auto scraping_since = Clock::now();

  const bool up = WaitFor(20s, [this] { return ValueOf(Query("up"), {{"job", kJob}}) == 1.0; });
  ASSERT_TRUE(up) << "Prometheus never scraped reachprobe's /metrics: " << Query("up").dump();
  const bool keys = WaitFor(10s, [this] {
    return ValueOf(Query("reachprobe_scheduled_keys"), {{"job", kJob}}) == 3.0;
  });
  EXPECT_TRUE(keys) << "reachprobe_scheduled_keys: " << Query("reachprobe_scheduled_keys").dump();

  // Every scheduled family Prometheus stores carries vantage and the group's labels.
  ExpectKeyLabels("probe_runs_total");
  ExpectKeyLabels("probe_failures_total", {"layer", "reason"});
  ExpectKeyLabels("probe_success");
  ExpectKeyLabels("probe_duration_seconds_count");

  // As soon as Prometheus has two samples of each key, and again after a whole minute.
  ExpectAvailability("first values", 20s);

  std::optional<double> tcp_before, ssh_before;
  WaitFor(10s, [&] {
    tcp_before = Failures(Dropped(), "tcp", "timeout");
    ssh_before = Failures(Hung(), "ssh_exec", "timeout");
    return tcp_before && ssh_before;
  });
  ASSERT_TRUE(tcp_before) << "no probe_failures_total{layer=\"tcp\",reason=\"timeout\"} for "
                          << Dropped().target << ": "
                          << Query("probe_failures_total{job=\"reachprobe\"}").dump();
  ASSERT_TRUE(ssh_before) << "no probe_failures_total{layer=\"ssh_exec\",reason=\"timeout\"} for "
                          << Hung().target << ": "
                          << Query("probe_failures_total{job=\"reachprobe\"}").dump();

  std::this_thread::sleep_until(scraping_since + 62s);  // the [1m] window holds a whole minute

  ExpectAvailability("after a minute of scrapes", 10s);
  const std::optional<double> tcp_after = Failures(Dropped(), "tcp", "timeout");
  const std::optional<double> ssh_after = Failures(Hung(), "ssh_exec", "timeout");
  EXPECT_GT(tcp_after.value_or(0), *tcp_before) << "tcp/timeout failures did not grow";
  EXPECT_GT(ssh_after.value_or(0), *ssh_before) << "ssh_exec/timeout failures did not grow";
  const json success = Query("probe_success{job=\"reachprobe\"}");
  EXPECT_EQ(ValueOf(success, Healthy().identity()), 1.0) << success.dump();
  EXPECT_EQ(ValueOf(success, Dropped().identity()), 0.0) << success.dump();
  EXPECT_EQ(ValueOf(success, Hung().identity()), 0.0) << success.dump();

  // The exposition itself: lint-clean, the key count, the healthy key's zero failure series
  // (what makes its `sum by` 0 rather than empty), the failing keys' latest verdicts.
  std::string text;
  const Exposition own = ScrapeOwn(&text);
  const CmdResult lint = serve_->PromtoolCheckMetrics(text);
  EXPECT_EQ(lint.exit_code, 0) << lint.stdout_text << lint.stderr_text << text;
  EXPECT_EQ(lint.stdout_text + lint.stderr_text, "") << text;
  EXPECT_EQ(Find(own, "reachprobe_scheduled_keys"), 3.0) << text;
  EXPECT_EQ(Find(own, SeriesOf("probe_failures_total", Healthy().labels())), 0.0) << text;
  EXPECT_EQ(
      Find(own, SeriesOf("probe_failure_info",
                         With(Dropped().labels(), {{"layer", "tcp"}, {"reason", "timeout"}}))),
      1.0)
      << text;
  EXPECT_EQ(
      Find(own, SeriesOf("probe_failure_info",
                         With(Hung().labels(), {{"layer", "ssh_exec"}, {"reason", "timeout"}}))),
      1.0)
      << text;
  // The target answered ICMP all along: the evidence that keeps the dropped port at tcp.
  EXPECT_EQ(
      Find(own, SeriesOf("probe_layer_success", With(Dropped().labels(), {{"layer", "icmp"}}))),
      1.0)
      << text;

  std::cout << "[ numbers ]";
  for (const Key& key : Keys()) {
    std::cout << " " << key.name << ": runs "
              << Show(Largest(own, "probe_runs_total", key.identity())) << ", skipped "
              << Show(Largest(own, "probe_runs_skipped_total", key.identity())) << ";";
  }
  std::cout << " tcp/timeout " << Show(tcp_before) << " -> " << Show(tcp_after)
            << ", ssh_exec/timeout " << Show(ssh_before) << " -> " << Show(ssh_after) << "\n";
}

}  // namespace
}  // namespace reachprobe::lab
