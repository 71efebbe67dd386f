// The echo sweep against run_target on loopback: for the same IP literals and options, the
// sweep's reports are run_target's, byte for byte once the measured times are taken out. The
// lab suites prove the failure verdicts (tests/lab/lab_scenarios_test.cpp, "Sweep").
#include "layers/echo_sweep.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "engine/layer_plan.hpp"
#include "exporters/json_report.hpp"
#include "layers/runner.hpp"
#include "targets/target_parser.hpp"

namespace reachprobe::layers {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::ordered_json;

// Durations, round-trip times and the numbers in the summary differ from run to run.
void drop_timings(json& j) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const auto& key = it.key();
      if (key.find("seconds") != std::string::npos && it->is_number()) *it = "T";
      if (key == "summary" && it->is_string())
        *it = std::regex_replace(it->get<std::string>(), std::regex("[0-9]+(\\.[0-9]+)?"), "N");
      drop_timings(*it);
    }
  } else if (j.is_array()) {
    for (auto& e : j) drop_timings(e);
  }
}

struct Planned {
  targets::Target target;
  LayerPlan plan;
};

std::vector<Planned> plan_all(const std::vector<std::string>& texts) {
  std::vector<Planned> out;
  for (const auto& text : texts) {
    auto target = targets::parse_target(text);
    EXPECT_TRUE(target) << text;
    auto plan = engine::plan_for(*target, /*trace_path=*/false);
    EXPECT_TRUE(plan) << text;
    out.push_back({*target, *plan});
  }
  return out;
}

// The targets' reports as run_target writes them and as the sweep does, timings dropped.
std::pair<std::vector<std::string>, std::vector<std::string>> both_ways(
    const std::vector<std::string>& texts, const ProbeOptions& options) {
  auto shared_options = std::make_shared<const ProbeOptions>(options);
  auto planned = plan_all(texts);
  std::vector<std::string> alone(texts.size()), swept(texts.size());

  net::io_context io(1);
  auto services = std::make_shared<Services>(io.get_executor());
  std::size_t left = texts.size();
  for (std::size_t i = 0; i < planned.size(); ++i) {
    net::co_spawn(
        io,
        [&, i]() -> net::awaitable<void> {
          auto report =
              co_await run_target(services, planned[i].target, planned[i].plan, shared_options);
          auto j = exporters::to_json(report);
          drop_timings(j);
          alone[i] = j.dump(2);
          if (--left == 0) services->shutdown();
        },
        net::detached);
  }
  io.run();

  net::io_context io2(1);
  auto services2 = std::make_shared<Services>(io2.get_executor());
  std::vector<SweepTarget> sweep;
  for (std::size_t i = 0; i < planned.size(); ++i) {
    auto t = as_sweep_target(i, planned[i].target, planned[i].plan, options);
    EXPECT_TRUE(t) << texts[i];
    if (t) sweep.push_back(*t);
  }
  left = sweep.size();
  auto done = [&](std::size_t index, ProbeReport report) {
    auto j = exporters::to_json(report);
    drop_timings(j);
    swept[index] = j.dump(2);
    if (--left == 0) services2->shutdown();
  };
  net::co_spawn(io2, run_echo_sweep(services2, std::move(sweep), shared_options, done),
                net::detached);
  io2.run();
  return {alone, swept};
}

class EchoSweepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    net::io_context io;
    Services services(io.get_executor());
    auto v4 = services.icmp.open(false);
    if (!v4) GTEST_SKIP() << "no ICMP socket here: " << v4.error();
    v6_ = static_cast<bool>(services.icmp.open(true));
  }
  std::vector<std::string> Targets() const {
    std::vector<std::string> t = {"127.0.0.1", "127.0.0.2", "127.0.0.3"};
    if (v6_) t.push_back("::1");
    return t;
  }
  bool v6_ = false;
};

TEST_F(EchoSweepTest, ReportsAreRunTargetsForCheck) {
  for (int count : {1, 3}) {
    ProbeOptions options;
    options.timeout = 2s;
    options.count = count;
    options.trace_path = false;
    auto [alone, swept] = both_ways(Targets(), options);
    for (std::size_t i = 0; i < alone.size(); ++i) {
      EXPECT_EQ(swept[i], alone[i]) << "count " << count;
      EXPECT_NE(alone[i].find("\"status\": \"ok\""), std::string::npos) << alone[i];
    }
  }
}

TEST_F(EchoSweepTest, ReportsAreRunTargetsForAModuleStoppingAtTheFirstReply) {
  ProbeOptions options;
  options.timeout = 2s;
  options.count = 3;
  options.echoes_until_reply = true;
  options.trace_path = false;
  auto [alone, swept] = both_ways(Targets(), options);
  for (std::size_t i = 0; i < alone.size(); ++i) {
    EXPECT_EQ(swept[i], alone[i]);
    EXPECT_NE(swept[i].find("\"sent\": 1"), std::string::npos) << swept[i];
  }
}

// More targets than the sweep keeps in flight, and more echoes than the 16-bit sequence space:
// slots are reused, numbers wrap, and every target still gets its one report, answered.
TEST_F(EchoSweepTest, SeventyThousandTargetsReuseSlotsAndSequenceNumbers) {
  for (bool module : {false, true}) {
    ProbeOptions options;
    options.timeout = 5s;
    options.count = module ? 20 : 1;  // a module's 20 echoes stop at the first reply
    options.echoes_until_reply = module;
    options.trace_path = false;
    const std::size_t n = module ? 5000 : 70000;
    std::vector<SweepTarget> sweep;
    for (std::size_t i = 0; i < n; ++i) {
      auto host = net::ip::address_v4(0x7f010001U + static_cast<std::uint32_t>(i)).to_string();
      sweep.push_back({i, host, host, "icmp", true, true});
    }
    net::io_context io(1);
    auto services = std::make_shared<Services>(io.get_executor());
    ASSERT_TRUE(services->icmp.open(false));
    std::vector<int> reports(n, 0);
    std::size_t answered = 0, left = n;
    auto done = [&](std::size_t index, ProbeReport report) {
      ++reports[index];
      const auto* icmp = report.find(Layer::icmp);
      const auto* e = icmp ? engine::evidence_of<engine::IcmpEvidence>(*icmp) : nullptr;
      if (report.success && e && e->stats.received == 1 && e->stats.sent == 1) ++answered;
      if (--left == 0) services->shutdown();
    };
    net::co_spawn(io,
                  run_echo_sweep(services, std::move(sweep),
                                 std::make_shared<const ProbeOptions>(options), done),
                  net::detached);
    io.run();
    EXPECT_EQ(left, 0U);
    EXPECT_EQ(answered, n) << (module ? "module" : "check");
    EXPECT_EQ(std::count(reports.begin(), reports.end(), 1), static_cast<long>(n));
  }
}

// Only what run_target would reduce to the echo is swept.
TEST(EchoSweepEligibility, OnlyAnEchoToAnIpLiteral) {
  ProbeOptions no_path;
  no_path.trace_path = false;
  auto eligible = [&](const std::string& text, const ProbeOptions& options) {
    auto target = targets::parse_target(text);
    auto plan = engine::plan_for(*target, options.trace_path);
    return as_sweep_target(0, *target, *plan, options).has_value();
  };
  EXPECT_TRUE(eligible("198.18.3.2", no_path));
  EXPECT_TRUE(eligible("2001:2::1", no_path));
  EXPECT_FALSE(eligible("198.18.3.2:22", no_path));
  EXPECT_FALSE(eligible("host.lab", no_path));
  ProbeOptions traced;
  EXPECT_FALSE(eligible("198.18.3.2", traced));
  ProbeOptions via = no_path;
  via.ssh.triage.via = "ssh://198.18.4.2";
  EXPECT_FALSE(eligible("198.18.3.2", via));
}

}  // namespace
}  // namespace reachprobe::layers
