// body_size_limit as blackbox_exporter 0.23 reads it (Go's units.ParseBase2Bytes).
#include "targets/byte_size.hpp"

#include <gtest/gtest.h>

namespace reachprobe::targets {
namespace {

TEST(ByteSize, Base2UnitsInBothSpellingsAndPlainBytes) {
  const std::pair<const char*, std::int64_t> rows[] = {
      {"1MB", 1048576},         {"1MiB", 1048576},    {"512KiB", 524288}, {"512KB", 524288},
      {"1.5KB", 1536},          {"100B", 100},        {"4096", 4096},     {"0", 0},
      {"1GB512MB", 1610612736}, {"2GiB", 2147483648}, {"-1", -1},
  };
  for (const auto& [text, bytes] : rows) {
    auto size = parse_byte_size(text);
    ASSERT_TRUE(size) << text << ": " << size.error();
    EXPECT_EQ(*size, bytes) << text;
  }
}

TEST(ByteSize, GarbageIsRefusedNamingTheText) {
  for (const char* bad : {"", "MB", "1 MB", "1mb", "1kB", "1XB", ".B", "1e3", "1MB!"}) {
    auto size = parse_byte_size(bad);
    ASSERT_FALSE(size) << bad;
    EXPECT_EQ(size.error().rfind(std::string("invalid size \"") + bad + "\"", 0), 0u)
        << size.error();
  }
}

}  // namespace
}  // namespace reachprobe::targets
