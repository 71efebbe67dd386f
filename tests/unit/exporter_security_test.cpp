#include <crypt.h>
#include <gtest/gtest.h>

#include <cstring>

#include "exporters/http_server.hpp"
#include "exporters/web_config.hpp"
#include "targets/config_loader.hpp"

namespace reachprobe {
namespace {

TEST(AllowedTargets, CidrsAndHostPatterns) {
  auto config = targets::load_config_text(
      "allowed_targets: ['198.18.0.0/15', '2001:db8::/32', '*.lab']\nmodules: {}\n", "a.yml");
  ASSERT_TRUE(config) << config.error();
  EXPECT_TRUE(targets::target_allowed(*config, "198.18.3.2", true));
  EXPECT_TRUE(targets::target_allowed(*config, "198.19.255.1", true));
  EXPECT_FALSE(targets::target_allowed(*config, "198.20.0.1", true));
  EXPECT_TRUE(targets::target_allowed(*config, "2001:db8::1", true));
  EXPECT_FALSE(targets::target_allowed(*config, "2001:db9::1", true));
  EXPECT_TRUE(targets::target_allowed(*config, "web.LAB", false));
  EXPECT_FALSE(targets::target_allowed(*config, "example.org", false));
  // A name is never allowed by a CIDR: its address is not known here.
  EXPECT_FALSE(targets::target_allowed(*config, "198-18-3-2.example", false));
  auto open = targets::load_config_text("modules: {}\n", "o.yml");
  EXPECT_TRUE(targets::target_allowed(*open, "anything", false));
  auto bad = targets::load_config_text("allowed_targets: ['198.18.0.0/99']\n", "b.yml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), "b.yml:1: allowed_targets: \"198.18.0.0/99\" is not a CIDR");
}

std::string bcrypt(const char* password) {
  crypt_data data;
  std::memset(&data, 0, sizeof data);
  return crypt_r(password, "$2b$05$abcdefghijklmnopqrstuu", &data);
}

TEST(BasicAuth, BcryptUsersWithCache) {
  exporters::BasicAuth auth({{"alice", bcrypt("secret")}});
  auto header = [](const char* base64) { return std::optional<std::string>(std::string("Basic ") + base64); };
  EXPECT_TRUE(auth.allows(header("YWxpY2U6c2VjcmV0")));   // alice:secret
  EXPECT_TRUE(auth.allows(header("YWxpY2U6c2VjcmV0")));   // from the cache
  EXPECT_FALSE(auth.allows(header("YWxpY2U6d3Jvbmc=")));  // alice:wrong
  EXPECT_FALSE(auth.allows(header("Ym9iOnNlY3JldA==")));  // bob:secret
  EXPECT_FALSE(auth.allows(std::nullopt));
  EXPECT_FALSE(auth.allows(std::string("Bearer x")));
  EXPECT_FALSE(auth.allows(header("!!!")));
  EXPECT_TRUE(exporters::BasicAuth({}).allows(std::nullopt));
}

TEST(HttpServer, QueryDecoding) {
  EXPECT_EQ(exporters::percent_decode("198.18.3.2%3A22"), "198.18.3.2:22");
  EXPECT_EQ(exporters::percent_decode("a+b%2"), "a b%2");
  EXPECT_EQ(exporters::percent_decode("%zz%"), "%zz%");
}

}  // namespace
}  // namespace reachprobe
