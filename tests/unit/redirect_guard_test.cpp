#include "net/redirect_guard.hpp"

#include <gtest/gtest.h>

namespace reachprobe::net_io {
namespace {

TEST(LocationHost, AbsoluteProtocolRelativeAndRelative) {
  auto h = location_host("http://Evil.Example:8080/x?y#z");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->host, "evil.example");
  EXPECT_FALSE(h->ip_literal);
  h = location_host("https://user:pw@127.0.0.2/");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->host, "127.0.0.2");
  EXPECT_TRUE(h->ip_literal);
  h = location_host("//[2001:2::1]:443/p");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->host, "2001:2::1");
  EXPECT_TRUE(h->ip_literal);
  h = location_host("  http://198.18.3.2  \r\n");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->host, "198.18.3.2");
  EXPECT_FALSE(location_host("/next"));
  EXPECT_FALSE(location_host("next?u=http://evil/"));
  h = location_host("http://");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->host, "");
}

TEST(RedirectGuard, RefusesHopsOutsideTheList) {
  targets::AllowList allow({"198.18.0.0/15", "*.lab"});
  RedirectGuard guard(&allow);
  EXPECT_TRUE(guard.on_location("/relative"));
  EXPECT_TRUE(guard.on_location("http://web.lab/next"));
  EXPECT_TRUE(guard.on_connect("127.0.0.2"));  // a pattern admits the name, whatever it resolves to
  EXPECT_TRUE(guard.on_location("http://198.18.2.2:8080/"));
  EXPECT_TRUE(guard.on_connect("198.18.2.2"));
  EXPECT_FALSE(guard.on_location("http://127.0.0.1:9115/"));
  ASSERT_TRUE(guard.refusal());
  EXPECT_EQ(*guard.refusal(),
            "redirect to http://127.0.0.1:9115/ refused: host \"127.0.0.1\" is not in "
            "allowed_targets");
}

TEST(RedirectGuard, NameMatchingNoPatternNeedsAnAllowedAddress) {
  targets::AllowList allow({"198.18.0.0/15"});
  RedirectGuard guard(&allow);
  EXPECT_TRUE(guard.on_location("http://rebind.example/"));
  EXPECT_FALSE(guard.on_connect("127.0.0.3"));
  ASSERT_TRUE(guard.refusal());
  EXPECT_NE(guard.refusal()->find("resolves to 127.0.0.3"), std::string::npos);
  RedirectGuard inside(&allow);
  EXPECT_TRUE(inside.on_location("http://inside.example/"));
  EXPECT_TRUE(inside.on_connect("198.18.9.9"));
  EXPECT_FALSE(inside.on_location("http:///nohost"));
}

TEST(RedirectGuard, NoListFollowsAnything) {
  RedirectGuard guard(nullptr);
  EXPECT_TRUE(guard.on_location("http://127.0.0.2/"));
  EXPECT_TRUE(guard.on_connect("127.0.0.2"));
  EXPECT_FALSE(guard.refusal());
}

}  // namespace
}  // namespace reachprobe::net_io
