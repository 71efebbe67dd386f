// blackbox's tcp query_response pieces: expect groups and Go's regexp.Expand for `send`.
#include <gtest/gtest.h>

#include "targets/pattern.hpp"

namespace reachprobe::targets {
namespace {

Pattern Compile(const std::string& text) {
  auto p = Pattern::compile(text, true);
  EXPECT_TRUE(p) << p.error();
  return *p;
}

TEST(QueryResponse, GroupsOfTheMatchingLine) {
  auto groups = Compile("^220 ([^ ]+) (E?SMTP)").groups("220 mail.lab ESMTP ready");
  ASSERT_TRUE(groups);
  ASSERT_EQ(groups->size(), 3u);
  EXPECT_EQ((*groups)[0], "220 mail.lab ESMTP");
  EXPECT_EQ((*groups)[1], "mail.lab");
  EXPECT_EQ((*groups)[2], "ESMTP");
  EXPECT_FALSE(Compile("^250").groups("220 mail.lab ESMTP"));
}

TEST(QueryResponse, GroupThatDidNotTakePartIsEmpty) {
  auto groups = Compile("^(a)|(b)$").groups("b");
  ASSERT_TRUE(groups);
  EXPECT_EQ((*groups)[1], "");
  EXPECT_EQ((*groups)[2], "b");
}

TEST(QueryResponse, ExpandLikeGo) {
  const std::vector<std::string> groups = {"220 mail.lab ESMTP", "mail.lab"};
  EXPECT_EQ(expand_template("EHLO ${1}", groups), "EHLO mail.lab");
  EXPECT_EQ(expand_template("EHLO $1", groups), "EHLO mail.lab");
  EXPECT_EQ(expand_template("${0}!", groups), "220 mail.lab ESMTP!");
  EXPECT_EQ(expand_template("cost $$5", groups), "cost $5");
  // Go reads "$1x" as the group named "1x", which does not exist: empty.
  EXPECT_EQ(expand_template("a$1x b", groups), "a b");
  EXPECT_EQ(expand_template("${9}", groups), "");
  // A `$` that starts no name is kept.
  EXPECT_EQ(expand_template("50$ and ${ and $", groups), "50$ and ${ and $");
  EXPECT_EQ(expand_template("no groups", {}), "no groups");
}

}  // namespace
}  // namespace reachprobe::targets
