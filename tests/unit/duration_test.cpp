#include "targets/duration.hpp"

#include <gtest/gtest.h>

namespace reachprobe::targets {
namespace {

using std::chrono::milliseconds;

TEST(Duration, GoStyleUnits) {
  EXPECT_EQ(*parse_duration("10s"), milliseconds(10000));
  EXPECT_EQ(*parse_duration("500ms"), milliseconds(500));
  EXPECT_EQ(*parse_duration("1.5s"), milliseconds(1500));
  EXPECT_EQ(*parse_duration("2m"), milliseconds(120000));
  EXPECT_EQ(*parse_duration("1m30s"), milliseconds(90000));
  EXPECT_EQ(*parse_duration("3"), milliseconds(3000));
}

TEST(Duration, GarbageIsAOneLineError) {
  for (const char* bad : {"", "s", "10x", "-1s", "0s", "1..5s", "10s5", "abc", "1e9h"}) {
    auto d = parse_duration(bad);
    EXPECT_FALSE(d) << bad;
    if (!d) {
      EXPECT_EQ(d.error().find('\n'), std::string::npos);
      EXPECT_NE(d.error().find("bad duration"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace reachprobe::targets
