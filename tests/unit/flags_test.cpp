#include "cli/flags.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace reachprobe::cli {
namespace {

targets::Expected<CheckFlags> parse(std::vector<std::string> args) {
  return parse_check_flags(args);
}

TEST(CheckFlags, ParsesTheContractFlags) {
  auto f = parse({"--json", "--timeout", "3s", "--count=5", "--no-path", "--ip-protocol", "ip4",
                  "--dns.server", "198.18.1.1:53", "host:22", "other"});
  ASSERT_TRUE(f) << f.error();
  EXPECT_TRUE(f->json);
  EXPECT_EQ(f->probe.timeout, std::chrono::seconds(3));
  EXPECT_EQ(f->probe.count, 5);
  EXPECT_FALSE(f->probe.trace_path);
  EXPECT_EQ(f->probe.ip_protocol, layers::IpProtocol::ip4);
  EXPECT_EQ(f->dns_server, "198.18.1.1:53");
  EXPECT_EQ(f->targets, (std::vector<std::string>{"host:22", "other"}));
}

TEST(CheckFlags, TriageFlags) {
  setenv("REACHPROBE_SSH_PASSWORD", "not-a-real-password", 1);
  auto f = parse({"--ssh.triage", "ssh://h"});
  ASSERT_TRUE(f) << f.error();
  EXPECT_TRUE(f->probe.ssh.triage.enabled);
  EXPECT_FALSE(f->probe.ssh.triage.via);
  auto via = parse({"--ssh.triage-via", "ssh://monitor@198.18.3.2:2222", "ssh://h"});
  ASSERT_TRUE(via) << via.error();
  EXPECT_TRUE(via->probe.ssh.triage.enabled);  // the side door implies the triage
  EXPECT_EQ(via->probe.ssh.triage.via, "ssh://monitor@198.18.3.2:2222");
  auto secret = parse({"--ssh.triage-via", "ssh://monitor:pw@198.18.3.2", "ssh://h"});
  ASSERT_FALSE(secret);
  EXPECT_EQ(secret.error(),
            "flag --ssh.triage-via: no password in the URL (use --ssh.password-file)");
  unsetenv("REACHPROBE_SSH_PASSWORD");
  auto without = parse({"--ssh.triage", "ssh://h"});
  ASSERT_FALSE(without);
  EXPECT_NE(without.error().find("flag --ssh.triage: needs credentials"), std::string::npos);
}

TEST(CheckFlags, BadInputIsOneLineNamingTheFlag) {
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  for (const auto& c : std::vector<Case>{
           {{"--bogus", "h"}, "unknown flag --bogus"},
           {{"--timeout", "soon", "h"}, "flag --timeout: bad duration \"soon\""},
           {{"--timeout"}, "flag --timeout needs a value"},
           {{"--count", "0", "h"}, "flag --count"},
           {{"--ip-protocol", "ip5", "h"}, "must be ip4 or ip6"},
           {{"--json"}, "at least one TARGET"},
           {{"--http.valid-status-codes", "2xx", "h"}, "is not a list like 200,301"},
           {{"--http.fail-if-body-matches", "(", "h"}, "invalid regular expression"},
           {{"--tls.ca-file", "/nonexistent", "h"}, "cannot read /nonexistent"},
           {{"--ssh.expect", "(", "h"}, "invalid regular expression"},
           {{"--ssh.key-file", "/nonexistent", "h"}, "cannot load private key /nonexistent"},
           {{"--ssh.password-file", "/nonexistent", "h"}, "cannot read /nonexistent"},
           {{"--ssh.triage-via", "https://198.18.3.2", "h"}, "flag --ssh.triage-via: \"https://"},
           {{"--ssh.triage-via", "ssh://", "h"}, "is not ssh://[user@]host[:port]"},
           {{"--ssh.triage=yes", "h"}, "flag --ssh.triage takes no value"},
       }) {
    auto f = parse(c.args);
    ASSERT_FALSE(f) << c.message;
    EXPECT_NE(f.error().find(c.message), std::string::npos) << f.error();
    EXPECT_EQ(f.error().find('\n'), std::string::npos);
  }
}

}  // namespace
}  // namespace reachprobe::cli
