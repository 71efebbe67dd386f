// Go's regexp semantics (RE2), as blackbox_exporter 0.23 applies its config's regexps: each
// row was checked against Go 1.19's regexp.MatchString (Debian's golang-go) on the same subject.
#include "targets/pattern.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "targets/printable.hpp"

namespace reachprobe::targets {
namespace {

struct Row {
  const char* pattern;
  const char* subject;
  bool matches;
};

constexpr Row kGoSemantics[] = {
    // Debian's blackbox.yml pop3s_banner: valid in Go, where `^+` is a repeated anchor, so it
    // matches "OK" at the start (not "+OK": blackbox's own module has this meaning).
    {"^+OK", "OK ready", true},
    {"^+OK", "+OK POP3 ready", false},
    {"\\d{3}", "status 200", true},  // POSIX ERE read \d as a literal d
    {"\\d{3}", "status dd", false},
    {"\\x31", "1", true},
    {"\\x31", "x3", false},
    {"\\Qa.b\\E", "a.b", true},
    {"\\Qa.b\\E", "axb", false},
    {"(?i)hello", "HeLLo", true},
    {"(?:ab)+c", "ababc", true},
    {"^line2$", "line1\nline2\n", false},  // ^ and $ anchor the text without (?m)
    {"(?m)^line2$", "line1\nline2\n", true},
    {"a.b", "a\nb", false},  // . does not cross a newline without (?s)
    {"(?s)a.b", "a\nb", true},
    {"\\bword\\b", "a word here", true},
    {"\\bword\\b", "swordfish", false},
    {"\\Astart", "start here", true},
    {"end\\z", "the end", true},
    {"end\\z", "the end\n", false},
    {"a+?b", "aaab", true},
    {"\\pL+", "été", true},
    {"\\p{Greek}", "abc", false},
    {"[[:digit:]]+", "x42", true},
};

TEST(Pattern, GoSyntaxAndMatchSemantics) {
  for (const auto& row : kGoSemantics) {
    auto p = Pattern::compile(row.pattern);
    ASSERT_TRUE(p) << row.pattern << ": " << p.error();
    EXPECT_EQ(p->search(row.subject), row.matches) << row.pattern << " on " << row.subject;
  }
}

TEST(Pattern, SubjectsMayHoldNulBytes) {
  auto p = Pattern::compile("b\\x00c");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->search(std::string_view("ab\0cd", 5)));
}

TEST(Pattern, GroupsForExpand) {
  auto p = Pattern::compile("^(\\w+) (\\d+)?", true);
  ASSERT_TRUE(p);
  auto g = p->groups("hello world");
  ASSERT_TRUE(g);
  ASSERT_EQ(g->size(), 3u);
  EXPECT_EQ((*g)[0], "hello ");
  EXPECT_EQ((*g)[1], "hello");
  EXPECT_EQ((*g)[2], "");
  EXPECT_FALSE(p->groups("!"));
}

TEST(Pattern, InvalidPatternsAreRefusedWithTheReason) {
  for (const char* bad : {"(", "a**", "x{1001}", "\\Z", "(?<", "[z-a]"}) {
    auto p = Pattern::compile(bad);
    ASSERT_FALSE(p) << bad;
    // The pattern is quoted printably (backslashes doubled, as Go's %q), on one line.
    EXPECT_EQ(p.error().rfind("invalid regular expression " + quote_printable(bad) + ": ", 0), 0u)
        << p.error();
  }
}

// glibc took 8 GB and seconds on this; RE2 refuses it (or bounds it) at once.
TEST(Pattern, PathologicalPatternsCostMilliseconds) {
  for (const char* hostile :
       {"a{1,32767}{1,32767}", "((a{1,1000}){1,1000}){1,1000}", "(a{999}){999}", "(((a*)*)*)*b"}) {
    auto started = std::chrono::steady_clock::now();
    auto p = Pattern::compile(hostile);
    if (p) p->search(std::string(100000, 'a'));
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_LT(took, std::chrono::milliseconds(100)) << hostile;
  }
}

}  // namespace
}  // namespace reachprobe::targets

namespace reachprobe::targets {
namespace {

// Found by the lab's regexp differential test against blackbox (Go 1.19 semantics).
TEST(PatternGo, IllFormedUtf8ByteIsOneReplacementCharacter) {
  const std::string body = "caf\xe9\n";
  EXPECT_TRUE(Pattern::compile("caf.\n")->search(body));
  EXPECT_TRUE(Pattern::compile("caf[^a]")->search(body));
  EXPECT_TRUE(Pattern::compile("caf\\x{fffd}")->search(body));
  EXPECT_FALSE(Pattern::compile("caf..\n")->search(body));
  auto groups = Pattern::compile("caf(.)")->groups(body);
  ASSERT_TRUE(groups);
  EXPECT_EQ((*groups)[1], "\xe9");  // the subject's byte, not U+FFFD
}

TEST(PatternGo, SingleByteEscapeIsRefusedAsGoDoes) {
  EXPECT_FALSE(Pattern::compile("\\C"));
  EXPECT_TRUE(Pattern::compile("\\\\C"));      // a backslash, then C
  EXPECT_TRUE(Pattern::compile("\\Q\\C\\E"));  // quoted: literal
}

TEST(PatternGo, ExpandResolvesNamedGroups) {
  auto p = Pattern::compile("^Token: (?P<tok>\\w+)");
  ASSERT_TRUE(p);
  auto groups = p->groups("Token: abc123");
  ASSERT_TRUE(groups);
  EXPECT_EQ(expand_template("ECHO ${tok}", *groups, p->group_names()), "ECHO abc123");
  EXPECT_EQ(expand_template("ECHO $tok", *groups, p->group_names()), "ECHO abc123");
  EXPECT_EQ(expand_template("ECHO ${1}", *groups, p->group_names()), "ECHO abc123");
  EXPECT_EQ(expand_template("ECHO ${nope}", *groups, p->group_names()), "ECHO ");
}

}  // namespace
}  // namespace reachprobe::targets
