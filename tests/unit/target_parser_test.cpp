#include "targets/target_parser.hpp"

#include <gtest/gtest.h>

namespace reachprobe::targets {
namespace {

TEST(TargetParser, BareHostHasNoPort) {
  auto t = parse_target("db1.example.org");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->scheme, Scheme::host);
  EXPECT_EQ(t->host, "db1.example.org");
  EXPECT_FALSE(t->port);
  EXPECT_FALSE(t->host_is_ip_literal);
}

TEST(TargetParser, HostPortIsTcp) {
  auto t = parse_target("198.18.3.2:22");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->scheme, Scheme::tcp);
  EXPECT_EQ(t->port, 22);
  EXPECT_TRUE(t->host_is_ip_literal);
}

TEST(TargetParser, TcpSchemeNeedsAPort) {
  EXPECT_TRUE(parse_target("tcp://host:443"));
  auto t = parse_target("tcp://host");
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().find("needs a port"), std::string::npos);
}

TEST(TargetParser, Ipv6NeedsBracketsForAPort) {
  auto t = parse_target("[2001:db8::1]:22");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->host, "2001:db8::1");
  EXPECT_EQ(t->port, 22);
  auto bare = parse_target("2001:db8::1");
  ASSERT_TRUE(bare) << bare.error();
  EXPECT_FALSE(bare->port);
  EXPECT_FALSE(parse_target("[2001:db8::1"));
  EXPECT_FALSE(parse_target("[not-v6]:22"));
  EXPECT_FALSE(parse_target("2001:db8::zz"));
}

TEST(TargetParser, PortOutOfRangeIsNamed) {
  auto zero = parse_target("host:0");
  ASSERT_FALSE(zero);
  EXPECT_NE(zero.error().find("port 0 out of range 1-65535"), std::string::npos) << zero.error();
  auto big = parse_target("host:70000");
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().find("port 70000 out of range"), std::string::npos) << big.error();
  EXPECT_FALSE(parse_target("host:99999999999999999999"));
  EXPECT_FALSE(parse_target("host:22x"));
  EXPECT_FALSE(parse_target("host:"));
  EXPECT_FALSE(parse_target("host:-1"));
}

TEST(TargetParser, MalformedHostsAreRefused) {
  for (const char* bad : {"", ":22", "-host", "host-", "a..b", "ho st", "host\n", "bad_sc://x",
                          "x@host:22", "host:22/path"}) {
    EXPECT_FALSE(parse_target(bad)) << bad;
  }
  EXPECT_FALSE(parse_target(std::string(300, 'a')));
  EXPECT_FALSE(parse_target(std::string(64, 'a') + ".com"));
}

TEST(TargetParser, LaterSchemesParseWithDefaults) {
  auto ssh = parse_target("ssh://monitor@198.18.2.2");
  ASSERT_TRUE(ssh) << ssh.error();
  EXPECT_EQ(ssh->scheme, Scheme::ssh);
  EXPECT_EQ(ssh->user, "monitor");
  EXPECT_EQ(ssh->port, 22);
  auto https = parse_target("https://example.org/health?x=1");
  ASSERT_TRUE(https) << https.error();
  EXPECT_EQ(https->port, 443);
  EXPECT_EQ(https->path, "/health?x=1");
  auto grpc = parse_target("grpc://h:50051/svc.ok");
  ASSERT_TRUE(grpc) << grpc.error();
  EXPECT_EQ(grpc->path, "/svc.ok");
}

}  // namespace
}  // namespace reachprobe::targets
