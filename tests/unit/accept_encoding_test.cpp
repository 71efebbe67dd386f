#include "targets/accept_encoding.hpp"

#include <gtest/gtest.h>

namespace reachprobe::targets {
namespace {

// The cases of blackbox 0.23's TestIsEncodingAcceptable, restated as behaviour.
TEST(AcceptEncoding, CompressionMustBeAmongTheAcceptedEncodings) {
  EXPECT_TRUE(compression_acceptable("", "gzip"));
  EXPECT_TRUE(compression_acceptable("gzip", ""));
  EXPECT_TRUE(compression_acceptable("gzip", "gzip"));
  EXPECT_TRUE(compression_acceptable("gzip", "br, gzip"));
  EXPECT_TRUE(compression_acceptable("gzip", "br;q=1.0, gzip;q=0.5"));
  EXPECT_TRUE(compression_acceptable("br", "*"));
  EXPECT_TRUE(compression_acceptable("gzip", "gzip;q=0.001"));
  EXPECT_FALSE(compression_acceptable("gzip", "deflate"));
  EXPECT_FALSE(compression_acceptable("gzip", "*;q=0.0"));
  EXPECT_FALSE(compression_acceptable("gzip", "gzip;q=0"));
  EXPECT_FALSE(compression_acceptable("gzip", "gzip;q=0.0001"));  // rounds to 0
  EXPECT_FALSE(compression_acceptable("gzip", "gzip;q=abc"));     // unreadable: 0
}

TEST(AcceptEncoding, TheHighestRankedMatchDecides) {
  // "*" ranked above an explicit refusal accepts; an explicit refusal above "*" refuses.
  EXPECT_TRUE(compression_acceptable("gzip", "gzip;q=0, *;q=1"));
  EXPECT_FALSE(compression_acceptable("gzip", "*;q=0, gzip;q=0"));
}

}  // namespace
}  // namespace reachprobe::targets
