#include <crypt.h>
#include <gtest/gtest.h>

#include <cstring>

#include "exporters/http_server.hpp"
#include "exporters/web_config.hpp"
#include "targets/allow_list.hpp"
#include "targets/config_loader.hpp"

namespace reachprobe {
namespace {

TEST(AllowedTargets, CidrsAndHostPatterns) {
  using Verdict = targets::AllowList::HostVerdict;
  auto config = targets::load_config_text(
      "allowed_targets: ['198.18.0.0/15', '2001:db8::/32', '*.lab']\nmodules: {}\n", "a.yml");
  ASSERT_TRUE(config) << config.error();
  targets::AllowList allow(config->allowed_targets);
  EXPECT_EQ(allow.judge_host("198.18.3.2", true), Verdict::allowed);
  EXPECT_EQ(allow.judge_host("198.19.255.1", true), Verdict::allowed);
  EXPECT_EQ(allow.judge_host("198.20.0.1", true), Verdict::refused);
  EXPECT_EQ(allow.judge_host("2001:db8::1", true), Verdict::allowed);
  EXPECT_EQ(allow.judge_host("2001:db9::1", true), Verdict::refused);
  EXPECT_EQ(allow.judge_host("web.LAB", false), Verdict::allowed);
  EXPECT_EQ(allow.judge_host("web.lab.", false), Verdict::allowed);
  // A name matching no pattern is judged by the addresses it resolves to, after DNS.
  EXPECT_EQ(allow.judge_host("example.org", false), Verdict::check_addresses);
  EXPECT_TRUE(allow.address_allowed("198.18.3.2"));
  EXPECT_FALSE(allow.address_allowed("127.0.0.2"));
  EXPECT_FALSE(allow.address_allowed("127.0.0.1"));
  // An IPv4-mapped IPv6 address is the IPv4 host it maps to.
  EXPECT_TRUE(allow.address_allowed("::ffff:198.18.3.2"));
  EXPECT_FALSE(allow.address_allowed("::ffff:127.0.0.2"));
  EXPECT_FALSE(allow.address_allowed("not-an-address"));
  EXPECT_FALSE(allow.address_allowed(""));
  // With patterns only, no address can admit a name that matches none.
  targets::AllowList names_only({"*.lab"});
  EXPECT_EQ(names_only.judge_host("example.org", false), Verdict::refused);
  EXPECT_EQ(names_only.judge_host("198.18.3.2", true), Verdict::refused);
  auto open = targets::load_config_text("modules: {}\n", "o.yml");
  targets::AllowList none(open->allowed_targets);
  EXPECT_EQ(none.judge_host("anything", false), Verdict::allowed);
  EXPECT_TRUE(none.address_allowed("127.0.0.2"));
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
  auto header = [](const char* base64) {
    return std::optional<std::string>(std::string("Basic ") + base64);
  };
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
