// The pieces of `reachprobe serve` that need no socket: its flags, the route prefix and the
// landing page's history.
#include "cli/serve_flags.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "serve/landing_page.hpp"
#include "serve/probe_history.hpp"
#include "serve/serve_routes.hpp"

namespace reachprobe::serve {
using cli::external_url_path;
using cli::normalize_route_prefix;
using cli::parse_serve_flags;

namespace {

targets::Expected<ServeFlags> Parse(const std::vector<std::string>& args) {
  return parse_serve_flags(args);
}

TEST(ServeFlags, BlackboxDefaults) {
  auto flags = Parse({});
  ASSERT_TRUE(flags) << flags.error();
  EXPECT_EQ(flags->history_limit, 100u);
  EXPECT_EQ(flags->route_prefix, "/");
  EXPECT_EQ(flags->link_prefix, "/");
  EXPECT_FALSE(flags->external_url);
}

TEST(ServeFlags, HistoryLimitIsANonNegativeInteger) {
  auto zero = Parse({"--history.limit=0"});
  ASSERT_TRUE(zero) << zero.error();
  EXPECT_EQ(zero->history_limit, 0u);
  auto five = Parse({"--history.limit", "5"});
  ASSERT_TRUE(five) << five.error();
  EXPECT_EQ(five->history_limit, 5u);
  for (const std::string bad : {"-1", "abc", "", "1.5", "10x", "+3", "99999999999999999999999"}) {
    auto flags = Parse({"--history.limit=" + bad});
    ASSERT_FALSE(flags) << bad;
    EXPECT_EQ(flags.error(), "flag --history.limit: \"" + bad + "\" is not a non-negative integer");
  }
  EXPECT_EQ(Parse({"--history.limit"}).error(), "flag --history.limit needs a value");
}

TEST(ServeFlags, RoutePrefixIsNormalised) {
  EXPECT_EQ(normalize_route_prefix(""), "/");
  EXPECT_EQ(normalize_route_prefix("/"), "/");
  EXPECT_EQ(normalize_route_prefix("///"), "/");
  EXPECT_EQ(normalize_route_prefix("bb"), "/bb/");
  EXPECT_EQ(normalize_route_prefix("/bb"), "/bb/");
  EXPECT_EQ(normalize_route_prefix("/bb/"), "/bb/");
  EXPECT_EQ(normalize_route_prefix("/a/b//"), "/a/b/");
  auto flags = Parse({"--web.route-prefix=/bb"});
  ASSERT_TRUE(flags) << flags.error();
  EXPECT_EQ(flags->route_prefix, "/bb/");
  EXPECT_EQ(flags->link_prefix, "/bb/");
}

TEST(ServeFlags, RoutePrefixDefaultsToTheExternalUrlPath) {
  auto flags = Parse({"--web.external-url", "https://monitor.example.com/blackbox/"});
  ASSERT_TRUE(flags) << flags.error();
  EXPECT_EQ(flags->route_prefix, "/blackbox/");
  EXPECT_EQ(flags->link_prefix, "/blackbox/");
  // A proxy that strips the path: routes at the root, links through the proxy.
  auto stripped = Parse({"--web.external-url=http://proxy/bb", "--web.route-prefix=/"});
  ASSERT_TRUE(stripped) << stripped.error();
  EXPECT_EQ(stripped->route_prefix, "/");
  EXPECT_EQ(stripped->link_prefix, "/bb/");
  auto root = Parse({"--web.external-url=http://host:9115"});
  ASSERT_TRUE(root) << root.error();
  EXPECT_EQ(root->route_prefix, "/");
}

TEST(ServeFlags, ExternalUrlPath) {
  EXPECT_EQ(*external_url_path("http://h:9115/bb/"), "/bb");
  EXPECT_EQ(*external_url_path("http://h:9115/a/b?x=1#f"), "/a/b");
  EXPECT_EQ(*external_url_path("http://h"), "");
  EXPECT_EQ(*external_url_path("/bb"), "/bb");
  EXPECT_EQ(*external_url_path("bb/"), "/bb");
  EXPECT_FALSE(external_url_path("\"http://h/\""));
  EXPECT_FALSE(external_url_path("http://h/a b"));
  EXPECT_FALSE(external_url_path("1http://h/"));
  EXPECT_EQ(Parse({"--web.external-url='http://h/'"}).error(),
            "flag --web.external-url: \"'http://h/'\" must not begin or end with quotes");
}

TEST(ServeFlags, UnknownFlagNamed) {
  EXPECT_EQ(Parse({"--web.bogus=1"}).error(), "unknown flag --web.bogus");
}

TEST(RoutePrefix, StripsThePrefixAndRefusesTheRest) {
  EXPECT_EQ(strip_route_prefix("/probe", "/"), "/probe");
  EXPECT_EQ(strip_route_prefix("/bb/probe", "/bb/"), "/probe");
  EXPECT_EQ(strip_route_prefix("/bb/", "/bb/"), "/");
  EXPECT_EQ(strip_route_prefix("/bb", "/bb/"), "/");
  EXPECT_EQ(strip_route_prefix("/probe", "/bb/"), std::nullopt);
  EXPECT_EQ(strip_route_prefix("/", "/bb/"), std::nullopt);
  EXPECT_EQ(strip_route_prefix("/bbx/probe", "/bb/"), std::nullopt);
  EXPECT_EQ(strip_route_prefix("/a/b/-/healthy", "/a/b/"), "/-/healthy");
}

std::vector<std::uint64_t> Ids(const ProbeHistory& history) {
  std::vector<std::uint64_t> ids;
  for (const auto* entry : history.newest_first()) ids.push_back(entry->id);
  return ids;
}

TEST(ProbeHistory, KeepsTheLastResultsNewestFirst) {
  ProbeHistory history(3);
  for (int i = 0; i < 5; ++i) history.add("m", "t" + std::to_string(i), true, "debug");
  EXPECT_EQ(Ids(history), (std::vector<std::uint64_t>{4, 3, 2}));
  EXPECT_EQ(history.find(1), nullptr);
  ASSERT_NE(history.find(2), nullptr);
  EXPECT_EQ(history.find(2)->target, "t2");
}

TEST(ProbeHistory, PreservesEvictedFailuresUpToTheLimit) {
  ProbeHistory history(2);
  // ids 0..5: failures at 0, 1, 3; successes at 2, 4, 5.
  for (bool success : {false, false, true, false, true, true}) {
    history.add("m", "t", success, success ? "ok" : "failed");
  }
  // Recent: 5, 4. Evicted failures 0, 1, 3, of which the last two are kept.
  EXPECT_EQ(Ids(history), (std::vector<std::uint64_t>{5, 4, 3, 1}));
  EXPECT_EQ(history.find(0), nullptr);
  ASSERT_NE(history.find(1), nullptr);
  EXPECT_EQ(history.find(1)->debug_output(), "failed");
  EXPECT_FALSE(history.find(3)->success);
}

TEST(ProbeHistory, LimitZeroKeepsNothing) {
  ProbeHistory history(0);
  EXPECT_EQ(history.add("m", "t", false, "x"), 0u);
  EXPECT_EQ(history.add("m", "t", true, "x"), 1u);
  EXPECT_TRUE(history.newest_first().empty());
  EXPECT_EQ(history.find(0), nullptr);
}

TEST(LandingPage, LinksCarryThePrefixAndRowsAreEscaped) {
  ProbeHistory history(10);
  history.add("http_2xx", "<script>x</script>", false, "d");
  const std::string page = landing_page(history, "/bb/");
  EXPECT_NE(page.find("<a href=\"/bb/metrics\">Metrics</a>"), std::string::npos) << page;
  EXPECT_NE(page.find("<a href=\"/bb/config\">Configuration</a>"), std::string::npos) << page;
  EXPECT_NE(page.find("<a href=\"/bb/logs?id=0\">Logs</a>"), std::string::npos) << page;
  EXPECT_NE(page.find("&lt;script&gt;x&lt;/script&gt;"), std::string::npos) << page;
  EXPECT_NE(page.find("<strong>Failure</strong>"), std::string::npos) << page;
}

}  // namespace
}  // namespace reachprobe::serve
