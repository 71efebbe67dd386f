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

TEST(GoDuration, ParsesWhatGoTimeParseDurationParses) {
  using std::chrono::nanoseconds;
  EXPECT_EQ(*parse_go_duration("1m30s"), milliseconds(90000));
  EXPECT_EQ(*parse_go_duration("1.5s"), milliseconds(1500));
  EXPECT_EQ(*parse_go_duration("500ms"), milliseconds(500));
  EXPECT_EQ(*parse_go_duration(".5s"), milliseconds(500));
  EXPECT_EQ(*parse_go_duration("+5s"), milliseconds(5000));
  EXPECT_EQ(*parse_go_duration("-1s"), milliseconds(-1000));
  EXPECT_EQ(*parse_go_duration("0"), nanoseconds(0));
  EXPECT_EQ(*parse_go_duration("3\u00b5s"), nanoseconds(3000));
  EXPECT_EQ(*parse_go_duration("2us"), nanoseconds(2000));
  EXPECT_EQ(*parse_go_duration("1h2m3s4ms"), milliseconds(3723004));
}

TEST(GoDuration, RefusesWhatGoRefuses) {
  for (const char* bad : {"", "5", "1d", "s", ".s", "1..5s", "5 s", "-", "9999999999h"}) {
    auto d = parse_go_duration(bad);
    EXPECT_FALSE(d) << bad;
    if (!d) {
      EXPECT_NE(d.error().find("duration"), std::string::npos) << d.error();
    }
  }
}

}  // namespace
}  // namespace reachprobe::targets
