#include "targets/file_sd.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace reachprobe::targets {
namespace {

using Labels = std::map<std::string, std::string>;
using Strings = std::vector<std::string>;

std::vector<SdGroup> Parse(const std::string& text, const std::string& file) {
  auto groups = parse_file_sd(text, file);
  EXPECT_TRUE(groups) << groups.error() << "\n" << text;
  return groups ? std::move(groups).value() : std::vector<SdGroup>{};
}

std::string Error(const std::string& text, const std::string& file) {
  auto groups = parse_file_sd(text, file);
  EXPECT_FALSE(groups) << text;
  if (groups) return "";
  EXPECT_EQ(groups.error().find('\n'), std::string::npos) << groups.error();
  return groups.error();
}

std::string Nested(int depth, char open, char close) {
  return std::string(static_cast<std::size_t>(depth), open) +
         std::string(static_cast<std::size_t>(depth), close);
}

// --- happy paths ---------------------------------------------------------------------------------

TEST(FileSd, JsonGroupsWithLabelsAndLines) {
  auto groups = Parse(R"([
  {
    "targets": ["198.18.1.2:22", "ssh://198.18.1.3"],
    "labels": {"team": "db", "__param_module": "ssh_banner", "__param_interval": "5s"}
  },
  {"targets": ["198.18.1.4"]}
]
)",
                      "/sd/hosts.json");
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].targets, (Strings{"198.18.1.2:22", "ssh://198.18.1.3"}));
  EXPECT_EQ(groups[0].labels,
            (Labels{{"team", "db"}, {"__param_module", "ssh_banner"}, {"__param_interval", "5s"}}));
  EXPECT_EQ(groups[0].line, 2);
  EXPECT_TRUE(groups[1].labels.empty());
  EXPECT_EQ(groups[1].targets, (Strings{"198.18.1.4"}));
  EXPECT_EQ(groups[1].line, 6);
}

TEST(FileSd, JsonGroupLinesSkipStringsAndNestedArrays) {
  auto groups = Parse(
      "[{\"targets\": [\"a\", \"b\"], \"labels\": {\"x\": \"[,{\\\"\"}},\n"
      "\n  {\"targets\": [\"c\"]}, {}]",
      "a.json");
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].labels, (Labels{{"x", "[,{\""}}));
  EXPECT_EQ(groups[0].line, 1);
  EXPECT_EQ(groups[1].line, 3);
  EXPECT_EQ(groups[2].line, 3);
}

TEST(FileSd, YamlGroupsWithLabelsAndLines) {
  auto groups = Parse(R"(# hosts
- targets: ["198.18.1.2:22"]
  labels:
    __param_module: tcp_connect
    team: db
-
  targets:
    - 198.18.1.5
    - "[2001:2::1]:443"
)",
                      "/sd/hosts.yml");
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].targets, (Strings{"198.18.1.2:22"}));
  EXPECT_EQ(groups[0].labels, (Labels{{"__param_module", "tcp_connect"}, {"team", "db"}}));
  EXPECT_EQ(groups[0].line, 2);
  EXPECT_EQ(groups[1].targets, (Strings{"198.18.1.5", "[2001:2::1]:443"}));
  EXPECT_EQ(groups[1].line, 7);
}

TEST(FileSd, ExtensionPicksTheFormatCaseInsensitively) {
  // Flow YAML that is not JSON: only the YAML reader accepts it.
  const std::string flow_yaml = "[{targets: [198.18.1.2]}]";
  EXPECT_EQ(Parse(flow_yaml, "a.yaml").size(), 1u);
  EXPECT_EQ(Parse(flow_yaml, "a.txt").size(), 1u);
  EXPECT_EQ(Parse(flow_yaml, "dir.json/a").size(), 1u);
  EXPECT_EQ(Error(flow_yaml, "a.json").substr(0, 9), "a.json:1:");
  EXPECT_EQ(Error(flow_yaml, "a.JSON").substr(0, 9), "a.JSON:1:");
}

TEST(FileSd, YamlScalarsAreTextAndNullsAreEmpty) {
  auto groups = Parse(
      "- targets: [198.18.1.2, 1234]\n  labels: {port: 22, on: true, none: }\n"
      "- targets: ~\n  labels: null\n- {}\n",
      "a.yml");
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].targets, (Strings{"198.18.1.2", "1234"}));
  EXPECT_EQ(groups[0].labels, (Labels{{"port", "22"}, {"on", "true"}, {"none", ""}}));
  EXPECT_TRUE(groups[1].targets.empty());
  EXPECT_TRUE(groups[1].labels.empty());
  EXPECT_TRUE(groups[2].targets.empty());
}

TEST(FileSd, JsonNullsAreEmpty) {
  auto groups =
      Parse(R"([{"targets": null, "labels": null}, {"targets": ["x"], "labels": {"a": null}}])",
            "a.json");
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_TRUE(groups[0].targets.empty());
  EXPECT_TRUE(groups[0].labels.empty());
  EXPECT_EQ(groups[1].labels, (Labels{{"a", ""}}));
}

TEST(FileSd, YamlAnchorsAndMergeKeys) {
  auto groups = Parse(R"(- targets: [198.18.1.2]
  labels: &common {team: db, env: lab}
- targets: [198.18.1.3]
  labels:
    <<: *common
    env: prod
)",
                      "a.yml");
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[1].labels, (Labels{{"team", "db"}, {"env", "prod"}}));
}

TEST(FileSd, JsonFieldNamesMatchCaseInsensitivelyAndTheLastRepeatWins) {
  // encoding/json: "Targets" fills the targets field; a repeated key overwrites.
  auto groups =
      Parse(R"([{"Targets": ["a"], "targets": ["b"], "LABELS": {"x": "1", "x": "2"}}])", "a.json");
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].targets, (Strings{"b"}));
  EXPECT_EQ(groups[0].labels, (Labels{{"x", "2"}}));
}

TEST(FileSd, EmptyFilesHaveNoGroups) {
  EXPECT_TRUE(Parse("", "a.yml").empty());
  EXPECT_TRUE(Parse("# nothing yet\n\n", "a.yml").empty());
  EXPECT_TRUE(Parse("[]\n", "a.yml").empty());
  EXPECT_TRUE(Parse("~\n", "a.yml").empty());
  EXPECT_TRUE(Parse("[]", "a.json").empty());
  EXPECT_TRUE(Parse(" null ", "a.json").empty());
}

// --- errors --------------------------------------------------------------------------------------

TEST(FileSd, EmptyJsonFileIsAnError) {
  // Go's json.Unmarshal answers "unexpected end of JSON input": Prometheus refuses it.
  EXPECT_EQ(Error("", "a.json"),
            "a.json:1: syntax error while parsing value - unexpected end of input; expected '[', "
            "'{', or a literal");
}

TEST(FileSd, JsonSyntaxErrorNamesItsLine) {
  EXPECT_EQ(Error("[\n  {\"targets\": [\"a\"]},\n  {\"targets\": [x]}\n]\n", "a.json"),
            "a.json:3: syntax error while parsing value - invalid literal; last read: "
            "'\"targets\": [x'");
  auto message = Error("[\n  {\"targets\": [\"a\"]}\n", "a.json");
  EXPECT_EQ(message.substr(0, 9), "a.json:2:") << message;
}

TEST(FileSd, YamlSyntaxErrorNamesItsLine) {
  EXPECT_EQ(Error("- targets: [a]\n- targets: [b\n", "a.yml").substr(0, 7), "a.yml:2");
}

TEST(FileSd, NotAList) {
  EXPECT_EQ(Error("targets: [a]\n", "a.yml"),
            "a.yml:1: a file_sd file must be a list of target groups");
  EXPECT_EQ(Error("\n{\"targets\": [\"a\"]}", "a.json"),
            "a.json:2: a file_sd file must be an array of target groups");
}

TEST(FileSd, GroupNotAMapping) {
  EXPECT_EQ(Error("- targets: [a]\n- 198.18.1.2\n", "a.yml"),
            "a.yml:2: a target group must be a mapping");
  EXPECT_EQ(Error("[\n\"198.18.1.2\"]", "a.json"), "a.json:2: a target group must be an object");
}

TEST(FileSd, NullGroup) {
  EXPECT_EQ(Error("- targets: [a]\n- ~\n", "a.yml"), "a.yml:2: nil target group item found");
  EXPECT_EQ(Error("[{}, null]", "a.json"), "a.json:1: nil target group item found");
}

TEST(FileSd, UnknownFieldIsAnErrorInBothFormats) {
  EXPECT_EQ(Error("- targets: [a]\n  lables: {a: b}\n", "a.yml"),
            "a.yml:2: field \"lables\" not found in type targetgroup.Group");
  // targetgroup.Group.UnmarshalJSON decodes with DisallowUnknownFields.
  EXPECT_EQ(Error("[{\"targets\": [\"a\"]},\n {\"targets\": [], \"job\": \"x\"}]", "a.json"),
            "a.json:2: field \"job\" not found in type targetgroup.Group");
}

TEST(FileSd, YamlRepeatedKeyIsAnError) {
  EXPECT_EQ(Error("- targets: [a]\n  targets: [b]\n", "a.yml"),
            "a.yml:2: mapping key \"targets\" already defined at line 1");
  EXPECT_EQ(Error("- labels:\n    a: x\n    a: y\n", "a.yml"),
            "a.yml:3: mapping key \"a\" already defined at line 2");
}

TEST(FileSd, TargetsMustBeAListOfNonEmptyStrings) {
  EXPECT_EQ(Error("- targets: 198.18.1.2\n", "a.yml"),
            "a.yml:1: targets must be a list of strings");
  EXPECT_EQ(Error("- targets:\n  - a\n  - [b]\n", "a.yml"), "a.yml:3: targets[1] must be a string");
  EXPECT_EQ(Error("- targets: [a, \"\"]\n", "a.yml"), "a.yml:1: targets[1] is empty");
  EXPECT_EQ(Error("- targets: [~]\n", "a.yml"), "a.yml:1: targets[0] is empty");
  EXPECT_EQ(Error(R"([{"targets": "a"}])", "a.json"),
            "a.json:1: targets must be an array of strings");
  EXPECT_EQ(Error(R"([{"targets": ["a", 22]}])", "a.json"),
            "a.json:1: targets[1] must be a string");
  EXPECT_EQ(Error(R"([{"targets": [""]}])", "a.json"), "a.json:1: targets[0] is empty");
}

TEST(FileSd, LabelsMustBeAMappingOfStrings) {
  EXPECT_EQ(Error("- labels: [a]\n", "a.yml"), "a.yml:1: labels must be a mapping of strings");
  EXPECT_EQ(Error("- labels:\n    team: [a]\n", "a.yml"),
            "a.yml:2: label \"team\" must be a string");
  EXPECT_EQ(Error(R"([{"labels": ["a"]}])", "a.json"),
            "a.json:1: labels must be an object of strings");
  EXPECT_EQ(Error(R"([{"labels": {"port": 22}}])", "a.json"),
            "a.json:1: label \"port\" must be a string");
}

TEST(FileSd, LabelNamesAreChecked) {
  EXPECT_EQ(Error("- labels:\n    team: db\n    1team: x\n", "a.yml"),
            "a.yml:3: \"1team\" is not a valid label name");
  EXPECT_EQ(Error("- labels: {\"a-b\": x}\n", "a.yml"),
            "a.yml:1: \"a-b\" is not a valid label name");
  EXPECT_EQ(Error("- labels: {\"a\\nb\": x}\n", "a.yml"),
            "a.yml:1: \"a\\nb\" is not a valid label name");
  EXPECT_EQ(Error(R"([{"labels": {"": "x"}}])", "a.json"),
            "a.json:1: \"\" is not a valid label name");
  EXPECT_EQ(Error(R"([{"labels": {"t\u00e9am": "x"}}])", "a.json"),
            "a.json:1: \"t\xc3\xa9"
            "am\" is not a valid label name");
}

TEST(FileSd, InvalidUtf8) {
  EXPECT_EQ(Error("- targets: [a]\n- targets: [\xff]\n", "a.yml"), "a.yml:2: invalid UTF-8");
  auto message = Error("[{\"targets\": [\"\xff\"]}]", "a.json");
  EXPECT_EQ(message.substr(0, 9), "a.json:1:") << message;
}

// --- hostile input -------------------------------------------------------------------------------

TEST(FileSd, DeepJsonNestingIsRefusedBeforeParsing) {
  EXPECT_EQ(Error(Nested(100000, '[', ']'), "a.json"), "a.json:1: nested deeper than 64 levels");
  EXPECT_EQ(Error("[\n" + Nested(64, '{', '}'), "a.json"),
            "a.json:2: nested deeper than 64 levels");
  // Brackets inside strings do not count.
  EXPECT_EQ(Parse(R"([{"targets": [")" + std::string(1000, '[') + R"("]}])", "a.json").size(), 1u);
}

TEST(FileSd, DeepYamlNestingIsRefused) {
  EXPECT_EQ(Error(Nested(100000, '[', ']'), "a.yml"), "a.yml:1: nested too deeply");
  std::string block;
  for (int i = 0; i < 100000; ++i) block += "- ";
  EXPECT_EQ(Error(block + "x\n", "a.yml"), "a.yml:1: nested too deeply");
}

TEST(FileSd, SelfReferringAliasIsRefused) {
  EXPECT_EQ(Error("&a [*a]\n", "a.yml"), "a.yml:1: a target group must be a mapping");
  EXPECT_EQ(Error("- &g {labels: *g}\n", "a.yml").substr(0, 8), "a.yml:1:");
}

TEST(FileSd, AliasExpansionIsBounded) {
  // A 64 KiB scalar used 4096 times: 256 MiB of targets from a file of about 80 KiB.
  std::string text = "- targets: [&t " + std::string(65536, 'a') + "]\n- targets: [";
  for (int i = 0; i < 4096; ++i) text += "*t, ";
  text += "*t]\n";
  auto message = Error(text, "a.yml");
  EXPECT_NE(message.find("expands to more than"), std::string::npos) << message;
  EXPECT_EQ(message.substr(0, 8), "a.yml:2:") << message;
}

TEST(FileSd, LongJsonErrorsAreCut) {
  auto message = Error("[" + std::string(100000, 'x') + "]", "a.json");
  EXPECT_LT(message.size(), 300u) << message;
}

}  // namespace
}  // namespace reachprobe::targets
