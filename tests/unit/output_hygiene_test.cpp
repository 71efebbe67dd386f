// Issue 9 item 6: user and peer text reaches errors, logs and config dumps safely: a send line's
// credential never, a newline never splits an error, and a JSON log line is always valid UTF-8.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <sstream>
#include <string>

#include "exporters/config_yaml.hpp"
#include "exporters/logger.hpp"
#include "targets/config_loader.hpp"
#include "targets/duration.hpp"
#include "targets/printable.hpp"
#include "targets/target_parser.hpp"

namespace reachprobe {
namespace {

using targets::quote_printable;
using targets::valid_utf8;

constexpr const char* kConversation = R"(modules:
  redis:
    prober: tcp
    tcp:
      query_response:
        - send: "AUTH hunter2"
        - expect: "^\\+OK"
        - send: "PING"
        - send: "CONFIG	SET requirepass hunter3"
)";

targets::Config load(const std::string& text) {
  auto config = targets::load_config_text(text, "test.yml");
  EXPECT_TRUE(config) << config.error();
  return config ? std::move(config).value() : targets::Config{};
}

TEST(SendRedaction, ConfigDumpShowsOnlyTheFirstWordOfASendLine) {
  const std::string dump = exporters::config_to_yaml(load(kConversation));
  EXPECT_EQ(dump.find("hunter2"), std::string::npos) << dump;
  EXPECT_EQ(dump.find("hunter3"), std::string::npos) << dump;
  EXPECT_NE(dump.find("- send: AUTH <secret>\n"), std::string::npos) << dump;
  EXPECT_NE(dump.find("- send: PING\n"), std::string::npos) << dump;
  EXPECT_NE(dump.find("- send: CONFIG <secret>\n"), std::string::npos) << dump;
}

TEST(SendRedaction, ModuleYamlOfTheDebugOutputHidesItToo) {
  const auto config = load(kConversation);
  const std::string body = exporters::module_to_yaml(config.modules.at("redis"));
  EXPECT_EQ(body.find("hunter2"), std::string::npos) << body;
  EXPECT_NE(body.find("AUTH <secret>"), std::string::npos) << body;
}

TEST(SendRedaction, RedactedDumpLoadsAndDumpsTheSame) {
  const std::string dump = exporters::config_to_yaml(load(kConversation));
  EXPECT_EQ(exporters::config_to_yaml(load(dump)), dump);
  EXPECT_EQ(exporters::redacted_send("AUTH <secret>"), "AUTH <secret>");
  EXPECT_EQ(exporters::redacted_send("QUIT"), "QUIT");
  EXPECT_EQ(exporters::redacted_send(" secret"), " <secret>");
}

TEST(QuotePrintable, PlainTextIsOnlyQuoted) {
  EXPECT_EQ(quote_printable("web.example.com:443"), "\"web.example.com:443\"");
  EXPECT_EQ(quote_printable(""), "\"\"");
  EXPECT_EQ(quote_printable("caf\xc3\xa9"), "\"caf\xc3\xa9\"");  // UTF-8 stays
}

TEST(QuotePrintable, LineBreaksControlAndNonUtf8BytesAreEscaped) {
  EXPECT_EQ(quote_printable("a\nb\rc\td"), R"("a\nb\rc\td")");
  EXPECT_EQ(quote_printable("q\"b\\"), R"("q\"b\\")");
  EXPECT_EQ(quote_printable(std::string("nul\0bel\x07"
                                        "del\x7f",
                                        12)),
            R"("nul\x00bel\x07del\x7f")");
  EXPECT_EQ(quote_printable("latin1 \xe9t\xe9"), R"("latin1 \xe9t\xe9")");
  EXPECT_EQ(quote_printable("\xc0\xaf"), R"("\xc0\xaf")");          // overlong '/'
  EXPECT_EQ(quote_printable("\xed\xa0\x80"), R"("\xed\xa0\x80")");  // a surrogate
  EXPECT_EQ(quote_printable("\xe2\x82"), R"("\xe2\x82")");          // truncated
  EXPECT_EQ(quote_printable("nel\xc2\x85"
                            "ls\xe2\x80\xa8"),
            R"("nel\xc2\x85ls\xe2\x80\xa8")");
}

TEST(QuotePrintable, EveryByteGivesOnePrintableLine) {
  for (int b = 0; b < 256; ++b) {
    std::string text = "x" + std::string(1, static_cast<char>(b)) + "y";
    std::string quoted = quote_printable(text);
    for (char c : quoted) {
      auto u = static_cast<unsigned char>(c);
      EXPECT_TRUE(u >= 0x20 && u != 0x7f && u < 0x80) << "byte " << b << ": " << quoted;
    }
  }
}

TEST(ValidUtf8, StrayBytesBecomeReplacementCharacters) {
  EXPECT_EQ(valid_utf8("ok caf\xc3\xa9"), "ok caf\xc3\xa9");
  EXPECT_EQ(valid_utf8("a\xff"
                       "b"),
            "a\xef\xbf\xbd"
            "b");
  EXPECT_EQ(valid_utf8("\xe2\x82"), "\xef\xbf\xbd\xef\xbf\xbd");
}

TEST(TargetErrors, ATargetWithANewlineGivesAOneLineError) {
  for (const char* text : {"web\n.example.com", "ssh://a@b\r\nX-Injected: 1", "host:22\n",
                           "bad\xff.example.com", "gopher\n://x", "h:9\xff"}) {
    auto parsed = targets::parse_target(text);
    ASSERT_FALSE(parsed) << text;
    const std::string& error = parsed.error();
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    EXPECT_EQ(error.find('\r'), std::string::npos) << error;
    EXPECT_EQ(valid_utf8(error), error) << error;
  }
  EXPECT_EQ(targets::parse_target("web\n.example.com").error(),
            R"(target "web\n.example.com": contains whitespace or control characters)");
  EXPECT_EQ(
      targets::parse_target("bad\xff.example.com").error(),
      R"(target "bad\xff.example.com": "bad\xff.example.com" is not a valid host name or IP address)");
}

TEST(TargetErrors, ADurationWithANewlineGivesAOneLineError) {
  auto d = targets::parse_duration("5s\nX: y");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().rfind(R"(bad duration "5s\nX: y": )", 0), 0u) << d.error();
}

// The logger writes to std::cerr; the test reads what one call wrote.
std::string logged(bool json, const std::string& message, const exporters::Logger::Fields& fields) {
  exporters::Logger logger;
  logger.set_json(json);
  std::ostringstream captured;
  auto* old = std::cerr.rdbuf(captured.rdbuf());
  logger.log(exporters::Logger::Level::info, message, fields);
  std::cerr.rdbuf(old);
  return captured.str();
}

TEST(LoggerOutput, JsonLineIsValidUtf8JsonWhateverTheTarget) {
  const std::string target = "bad\xff\xfe\n\x01host\xc3";
  std::string line = logged(true, "probe failed", {{"target", target}});
  ASSERT_FALSE(line.empty());
  ASSERT_EQ(line.back(), '\n');
  line.pop_back();
  EXPECT_EQ(line.find('\n'), std::string::npos) << line;
  EXPECT_EQ(valid_utf8(line), line) << line;
  // nlohmann's strict parser refuses invalid UTF-8 and raw control bytes.
  nlohmann::json parsed;
  ASSERT_NO_THROW(parsed = nlohmann::json::parse(line)) << line;
  EXPECT_EQ(parsed["target"], "bad\xef\xbf\xbd\xef\xbf\xbd\n\x01host\xef\xbf\xbd");
  EXPECT_EQ(parsed["msg"], "probe failed");
}

TEST(LoggerOutput, LogfmtEscapesControlBytesOnOneLine) {
  std::string line = logged(false, "m", {{"target", "a\nb\r\x1b[31mc\x7f\xff"}});
  ASSERT_FALSE(line.empty());
  line.pop_back();
  EXPECT_NE(line.find(R"(target="a\nb\r\u001b[31mc\u007f)"
                      "\xef\xbf\xbd\""),
            std::string::npos)
      << line;
  for (char c : line) {
    auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE(u >= 0x20 && u != 0x7f) << line;
  }
}

}  // namespace
}  // namespace reachprobe
