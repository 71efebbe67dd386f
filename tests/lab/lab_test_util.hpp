// Reading `reachprobe check --json` output in lab tests, and printing a run once when a test
// fails. Shared by lab_scenarios_test and ssh_scenarios_test.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdlib>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "netns_fixture.hpp"

namespace reachprobe::lab {

// obj[key], or null when obj is not an object or lacks the key (never throws, never asserts).
inline nlohmann::json Field(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  const auto it = obj.find(key);
  return it == obj.end() ? nlohmann::json(nullptr) : *it;
}

// A JSON string's text; anything else as JSON text ("null", "3").
inline std::string Str(const nlohmann::json& j) {
  return j.is_string() ? j.get<std::string>() : j.dump();
}

inline nlohmann::json Result(const CheckRun& run, std::size_t index) {
  const nlohmann::json results = Field(run.json, "results");
  return results.is_array() && index < results.size() ? results[index] : nlohmann::json(nullptr);
}

inline nlohmann::json Layer(const nlohmann::json& result, const std::string& name) {
  for (const nlohmann::json& layer : Field(result, "layers")) {
    if (Field(layer, "layer") == name) return layer;
  }
  return nullptr;
}

// "layer/reason" of the verdict, e.g. "tcp/timeout" or "null/null" for a success.
inline std::string VerdictOf(const nlohmann::json& result) {
  const nlohmann::json verdict = Field(result, "verdict");
  return Str(Field(verdict, "layer")) + "/" + Str(Field(verdict, "reason"));
}

inline int FailedParts() {
  const ::testing::TestResult* result =
      ::testing::UnitTest::GetInstance()->current_test_info()->result();
  int failed = 0;
  for (int i = 0; i < result->total_part_count(); ++i) {
    if (result->GetTestPartResult(i).failed()) ++failed;
  }
  return failed;
}

// REACHPROBE_LAB_VERBOSE=1 prints every reachprobe run, to see what passing tests saw too.
inline bool Verbose() {
  const char* v = std::getenv("REACHPROBE_LAB_VERBOSE");
  return v != nullptr && *v != '\0' && *v != '0';
}

// Prints the whole reachprobe run once if any assertion failed while this guard was alive,
// instead of repeating the JSON after every failed expectation.
class DumpOnFailure {
 public:
  explicit DumpOnFailure(const CheckRun& run) : run_(run), failed_before_(FailedParts()) {}
  ~DumpOnFailure() {
    if (FailedParts() > failed_before_) std::cerr << "reachprobe run:" << run_ << "\n";
  }
  DumpOnFailure(const DumpOnFailure&) = delete;
  DumpOnFailure& operator=(const DumpOnFailure&) = delete;

 private:
  const CheckRun& run_;
  int failed_before_;
};

// The lab's nftables table with one rule in the input or forward hook (policy accept).
inline std::string InputChain(const std::string& rule) {
  return "chain input { type filter hook input priority 0; policy accept; " + rule + "; }";
}
inline std::string ForwardChain(const std::string& rule) {
  return "chain forward { type filter hook forward priority 0; policy accept; " + rule + "; }";
}

// The address that answered at `ttl` in the result's path table.
inline std::string HopAddress(const nlohmann::json& result, int ttl) {
  for (const nlohmann::json& hop : Field(result, "path")) {
    if (Field(hop, "ttl") == ttl) return Str(Field(hop, "address"));
  }
  return "<no hop at ttl " + std::to_string(ttl) + ">";
}

// A layer's status, or "absent" when the result does not list it.
inline std::string StatusOf(const nlohmann::json& result, const std::string& layer) {
  const nlohmann::json l = Layer(result, layer);
  return l.is_null() ? "absent" : Str(Field(l, "status"));
}

// The assertions the SSH and web suites share: one result, its verdict, the layers that must
// be ok, and the time bound.
// A single failed result with this verdict, every layer in `ok_layers` ok, within the bound.
inline void ExpectFailure(const CheckRun& run, const std::string& verdict,
                          const std::vector<std::string>& ok_layers, double timeout_seconds) {
  DumpOnFailure dump(run);
  const nlohmann::json result = Result(run, 0);
  ASSERT_TRUE(result.is_object()) << "no results[0] in the JSON";
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(Field(result, "success"), nlohmann::json(false));
  EXPECT_EQ(VerdictOf(result), verdict);
  EXPECT_FALSE(Str(Field(Field(result, "verdict"), "summary")).empty());
  for (const std::string& layer : ok_layers) {
    EXPECT_EQ(StatusOf(result, layer), "ok") << "layer " << layer;
  }
  const std::string failed_layer = verdict.substr(0, verdict.find('/'));
  EXPECT_EQ(StatusOf(result, failed_layer), "fail") << "layer " << failed_layer;
  EXPECT_LE(run.elapsed_seconds, timeout_seconds + 1.0);
}

// A single successful result whose layers in `ok_layers` are all ok.
inline void ExpectSuccess(const CheckRun& run, const std::vector<std::string>& ok_layers) {
  DumpOnFailure dump(run);
  const nlohmann::json result = Result(run, 0);
  ASSERT_TRUE(result.is_object()) << "no results[0] in the JSON";
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(Field(result, "success"), nlohmann::json(true));
  EXPECT_EQ(VerdictOf(result), "null/null");
  for (const std::string& layer : ok_layers) {
    EXPECT_EQ(StatusOf(result, layer), "ok") << "layer " << layer;
  }
  // Every answer in this lab takes milliseconds; a healthy check must not wait on a timer.
  EXPECT_LT(run.elapsed_seconds, 2.0);
}

}  // namespace reachprobe::lab
