// What blackbox 0.23 reads into a module, read the same way: null values, merge keys, the
// credentials keys of prometheus/common and the proxy keys. Accept/refuse against the real
// blackbox binary is tests/integration/conformance_test.cpp; this is what the values mean.
#include <gtest/gtest.h>

#include "targets/config_loader.hpp"

namespace reachprobe::targets {
namespace {

Module Only(const std::string& yaml) {
  auto config = load_config_text(yaml, "c.yml");
  EXPECT_TRUE(config) << (config ? "" : config.error());
  if (!config || config->modules.empty()) return {};
  return config->modules.begin()->second;
}

std::string ErrorOf(const std::string& yaml) {
  auto config = load_config_text(yaml, "c.yml");
  return config ? "" : config.error();
}

TEST(ConfigCompat, NullValueKeepsTheDefault) {
  auto m = Only(
      "modules:\n  m:\n    prober: http\n    timeout:\n    http:\n      follow_redirects:\n"
      "      method:\n");
  EXPECT_TRUE(m.http.follow_redirects);
  EXPECT_EQ(m.http.method, "GET");
  EXPECT_EQ(m.timeout.count(), 0);
}

TEST(ConfigCompat, MergeKeysApplyUnderTheModulesOwnKeys) {
  auto config = load_config_text(
      "modules:\n  base: &base\n    prober: http\n    timeout: 3s\n  derived:\n    <<: *base\n"
      "    timeout: 7s\n",
      "c.yml");
  ASSERT_TRUE(config) << config.error();
  const auto& derived = config->modules.at("derived");
  EXPECT_EQ(derived.prober, ProberKind::http);
  EXPECT_EQ(derived.timeout, std::chrono::seconds(7));
}

TEST(ConfigCompat, DuplicateKeysAreRefusedWithBothLines) {
  EXPECT_EQ(ErrorOf("modules:\n  m:\n    prober: http\n  m:\n    prober: tcp\n"),
            "c.yml:4: mapping key \"m\" already defined at line 2");
}

TEST(ConfigCompat, AuthorizationDefaultsToBearer) {
  auto m = Only(
      "modules:\n  m:\n    prober: http\n    http:\n      authorization:\n"
      "        credentials: abc\n");
  ASSERT_TRUE(m.http.authorization_type);
  EXPECT_EQ(*m.http.authorization_type, "Bearer");
  ASSERT_TRUE(m.http.authorization_credentials);
  EXPECT_EQ(m.http.authorization_credentials->reveal(), "abc");
}

TEST(ConfigCompat, ProxyKeysAreRead) {
  auto m = Only(
      "modules:\n  m:\n    prober: http\n    http:\n      proxy_url: http://127.0.0.1:3128\n"
      "      skip_resolve_phase_with_proxy: true\n      proxy_connect_header:\n"
      "        Proxy-Authorization: [Basic abc]\n      enable_http2: false\n");
  EXPECT_EQ(m.http.proxy_url, "http://127.0.0.1:3128");
  EXPECT_TRUE(m.http.skip_resolve_phase_with_proxy);
  ASSERT_EQ(m.http.proxy_connect_headers.size(), 1u);
  EXPECT_EQ(m.http.proxy_connect_headers[0].first, "Proxy-Authorization");
  EXPECT_FALSE(m.http.enable_http2);
  EXPECT_EQ(ErrorOf("modules:\n  m:\n    prober: http\n    http:\n      proxy_connect_header:\n"
                    "        X: [y]\n"),
            "c.yml:6: if proxy_connect_header is configured proxy_url must also be configured");
}

TEST(ConfigCompat, TlsMaxVersionIsKept) {
  auto m = Only(
      "modules:\n  m:\n    prober: tcp\n    tcp:\n      tls_config:\n"
      "        max_version: TLS12\n");
  ASSERT_TRUE(m.tcp.tls_config.max_version);
  EXPECT_EQ(*m.tcp.tls_config.max_version, "TLS12");
}

TEST(ConfigCompat, IntegersAsYamlV3ReadsThem) {
  EXPECT_EQ(Only("modules:\n  m:\n    prober: icmp\n    icmp:\n      ttl: 0x10\n").icmp.ttl, 16);
  EXPECT_EQ(Only("modules:\n  m:\n    prober: icmp\n    icmp:\n      ttl: 1_0\n").icmp.ttl, 10);
  EXPECT_EQ(Only("modules:\n  m:\n    prober: icmp\n    icmp:\n      ttl: 5.0\n").icmp.ttl, 5);
  EXPECT_NE(ErrorOf("modules:\n  m:\n    prober: icmp\n    icmp:\n      ttl: '5'\n"), "");
}

TEST(ConfigCompat, EmptyFileIsRefused) {
  EXPECT_EQ(ErrorOf(""), "c.yml:1: empty config file");
  EXPECT_EQ(ErrorOf("# only a comment\n"), "c.yml:1: empty config file");
}

}  // namespace
}  // namespace reachprobe::targets
