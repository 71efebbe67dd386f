// /probe's timeout: blackbox's rule from the scrape header and the module, clamped so that no
// header can overflow the nanosecond conversion or hold a probe's sockets for hours.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "serve/probe_handler.hpp"

namespace reachprobe::serve {
namespace {

using namespace std::chrono_literals;

targets::Expected<std::chrono::nanoseconds> timeout_for(std::optional<std::string> header,
                                                        std::chrono::nanoseconds module_timeout) {
  exporters::HttpRequest req;
  req.scrape_timeout = std::move(header);
  targets::Module module;
  module.timeout = std::chrono::duration_cast<decltype(module.timeout)>(module_timeout);
  return probe_timeout(req, module, 0.5);
}

TEST(ProbeTimeout, BlackboxRuleWithinTheClamp) {
  EXPECT_EQ(*timeout_for(std::nullopt, 0ns), 119500ms);  // 120 s default minus the offset
  EXPECT_EQ(*timeout_for("10", 0ns), 9500ms);
  EXPECT_EQ(*timeout_for("10", 5s), 5s);  // the module's shorter timeout
  EXPECT_EQ(*timeout_for("0", 0ns), 119500ms);
  EXPECT_EQ(*timeout_for("-3", 5s), 5s);  // negative: the module's timeout
}

TEST(ProbeTimeout, HugeHeadersAreClampedNotOverflowed) {
  const auto max = std::chrono::duration_cast<std::chrono::nanoseconds>(kMaxProbeTimeout);
  for (const char* header : {"1e9", "1e10", "1e18", "1e300", "301"}) {
    auto timeout = timeout_for(header, 0ns);
    ASSERT_TRUE(timeout) << header;
    EXPECT_EQ(*timeout, max) << header;
  }
  EXPECT_EQ(*timeout_for("1e10", 5s), 5s);
}

TEST(ProbeTimeout, NonFiniteOrUnparsableHeadersAreErrors) {
  for (const char* header : {"inf", "-inf", "nan", "1e400", "abc", "5s", ""}) {
    auto timeout = timeout_for(header, 0ns);
    EXPECT_FALSE(timeout) << header;
    if (!timeout) {
      EXPECT_EQ(timeout.error(),
                std::string("Failed to parse timeout from Prometheus header: ") + header);
    }
  }
}

TEST(ProbeTimeout, TinyOrNegativeBudgetsAreAtLeastOneMillisecond) {
  EXPECT_EQ(*timeout_for("0.5", 0ns), 1ms);    // 0.5 - 0.5 = 0
  EXPECT_EQ(*timeout_for("-1e10", 0ns), 1ms);  // negative and no module timeout
}

}  // namespace
}  // namespace reachprobe::serve
