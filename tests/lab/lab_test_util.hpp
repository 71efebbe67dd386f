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

}  // namespace reachprobe::lab
