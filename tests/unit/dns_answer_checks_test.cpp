// blackbox's dns prober judgement (prober/dns.go validRcode and validRRs), case by case.
#include <gtest/gtest.h>

#include "layers/dns_answer_checks.hpp"
#include "targets/pattern.hpp"

namespace reachprobe::layers {
namespace {

// The loader compiles validators; the tests do the same.
std::vector<targets::Pattern> Re(std::initializer_list<const char*> texts) {
  std::vector<targets::Pattern> out;
  for (const char* text : texts) out.push_back(*targets::Pattern::compile(text));
  return out;
}

const std::vector<std::string> kAnswer = {"web.lab.\t0\tIN\tA\t198.18.3.2",
                                          "web.lab.\t0\tIN\tA\t198.18.3.3"};

TEST(DnsAnswerChecks, RcodeAgainstValidList) {
  EXPECT_EQ(check_rcode(0, {"NOERROR"}), "");
  EXPECT_EQ(check_rcode(3, {"NOERROR", "NXDOMAIN"}), "");
  EXPECT_EQ(check_rcode(3, {"NOERROR"}), "rcode NXDOMAIN is not one of valid_rcodes [NOERROR]");
  EXPECT_NE(check_rcode(0, {"BOGUS"}), "");
}

TEST(DnsAnswerChecks, FailIfMatches) {
  targets::DnsRecordValidator v;
  v.fail_if_matches_regexp = Re({"198\\.18\\.3\\.3"});
  EXPECT_NE(check_records(kAnswer, v, "answer"), "");
  v.fail_if_matches_regexp = Re({"10\\.0\\.0\\.1"});
  EXPECT_EQ(check_records(kAnswer, v, "answer"), "");
}

TEST(DnsAnswerChecks, FailIfNotMatchesNeedsEveryRecordAndSomeRecord) {
  targets::DnsRecordValidator v;
  v.fail_if_not_matches_regexp = Re({"IN\tA\t198\\.18\\.3\\."});
  EXPECT_EQ(check_records(kAnswer, v, "answer"), "");
  v.fail_if_not_matches_regexp = Re({"198\\.18\\.3\\.2$"});
  EXPECT_NE(check_records(kAnswer, v, "answer"), "");
  v.fail_if_not_matches_regexp = Re({"."});
  EXPECT_NE(check_records({}, v, "answer"), "") << "no records but a match is required";
}

TEST(DnsAnswerChecks, FailIfNoneMatches) {
  targets::DnsRecordValidator v;
  v.fail_if_none_matches_regexp = Re({"198\\.18\\.3\\.3$"});
  EXPECT_EQ(check_records(kAnswer, v, "answer"), "");
  v.fail_if_none_matches_regexp = Re({"10\\.0\\.0\\.1"});
  EXPECT_NE(check_records(kAnswer, v, "answer"), "");
  EXPECT_NE(check_records({}, v, "answer"), "");
}

TEST(DnsAnswerChecks, FailIfAllMatchKeepsBlackboxMeaning) {
  // blackbox 0.23 refuses the answer when NOT every record matches; kept for compatibility.
  targets::DnsRecordValidator v;
  v.fail_if_all_match_regexp = Re({"198\\.18\\.3\\.2$"});
  EXPECT_NE(check_records(kAnswer, v, "answer"), "");
  v.fail_if_all_match_regexp = Re({"198\\.18\\.3\\."});
  EXPECT_EQ(check_records(kAnswer, v, "answer"), "");
}

TEST(DnsAnswerChecks, EmptyValidatorAcceptsAnything) {
  EXPECT_EQ(check_records({}, {}, "authority"), "");
  EXPECT_EQ(check_records(kAnswer, {}, "answer"), "");
}

}  // namespace
}  // namespace reachprobe::layers
