// One test per SSH failure: real OpenSSH sshd daemons and non-SSH peers in the lab's target
// namespace (sshd_fixture.hpp), the real reachprobe binary run against them, and a check that
// the verdict names the right SSH layer and reason within the timeout.
//
// Where it is cheap, a test first shows with OpenSSH's own client that the daemon really
// behaves as the scenario claims, so a failure says which side is wrong: the lab or reachprobe.
// SshLabSelfCheck covers the slow ones (hung command, stalled key lookup).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "lab_test_util.hpp"
#include "netns_fixture.hpp"
#include "sshd_fixture.hpp"

namespace reachprobe::lab {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr const char* kLabBroken = "the SSH lab itself does not behave as this scenario needs";
// Killed at a RunArgv deadline: 128 + SIGKILL.
constexpr int kKilled = 137;

std::string Url(int port) {
  return "ssh://" + std::string(kSshUser) + "@" + kSshHost + ":" + std::to_string(port);
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The status of a layer, or "absent".
bool SkippedOrAbsent(const json& result, const std::string& layer) {
  const std::string status = StatusOf(result, layer);
  return status == "skipped" || status == "absent";
}

class SshLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string& why : {MissingPrerequisite(), MissingSshPrerequisite()}) {
      if (!why.empty()) GTEST_SKIP() << why;
    }
    lab_ = std::make_unique<Lab>();
    ssh_ = std::make_unique<SshLab>(*lab_);
  }
  void TearDown() override {
    // What sshd saw is the other half of every failed SSH scenario.
    if (HasFailure() && ssh_) std::cerr << ssh_->SshdLogs() << "\n";
    ssh_.reset();
    lab_.reset();
  }

  // `reachprobe check --json --timeout <timeout> <flags...> <targets...>`.
  CheckRun CheckSsh(const std::vector<std::string>& targets,
                    const std::vector<std::string>& flags = {}, const std::string& timeout = "5s") {
    std::vector<std::string> args = {"--json", "--timeout", timeout};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), targets.begin(), targets.end());
    CheckRun run = lab_->check(args);
    if (Verbose()) {
      std::cerr << "reachprobe check " << ::testing::PrintToString(args) << run << "\n";
    }
    return run;
  }

  std::vector<std::string> KeyFlags() const { return {"--ssh.key-file", ssh_->key_file()}; }

  std::unique_ptr<Lab> lab_;
  std::unique_ptr<SshLab> ssh_;
};

const std::vector<std::string> kAllSshLayers = {"tcp", "ssh_banner", "ssh_handshake", "ssh_auth",
                                                "ssh_exec"};

// Not a reachprobe scenario: every daemon behaviour, witnessed by OpenSSH's own client.
TEST_F(SshLabTest, SshLabSelfCheck) {
  const CmdResult key = ssh_->OpenSshWithKey(kSshHealthy, "echo ok; id -un");
  EXPECT_EQ(key.exit_code, 0) << key.stderr_text;
  EXPECT_EQ(key.stdout_text, "ok\nrptest\n");
  const CmdResult password = ssh_->OpenSshWithPassword(kSshHealthy, "echo ok");
  EXPECT_EQ(password.exit_code, 0) << password.stderr_text;
  EXPECT_EQ(password.stdout_text, "ok\n");

  const CmdResult wrong_key = ssh_->OpenSsh(
      kSshHealthy, {"-i", ssh_->wrong_key_file(), "-o", "IdentitiesOnly=yes"}, "true");
  EXPECT_EQ(wrong_key.exit_code, 255);
  EXPECT_TRUE(Contains(wrong_key.stderr_text, "Permission denied")) << wrong_key.stderr_text;

  const CmdResult wrong_host = ssh_->OpenSsh(
      kSshHealthy,
      {"-i", ssh_->key_file(), "-o", "UserKnownHostsFile=" + ssh_->wrong_known_hosts()}, "true");
  EXPECT_EQ(wrong_host.exit_code, 255);
  EXPECT_TRUE(Contains(wrong_host.stderr_text, "Host key verification failed"))
      << wrong_host.stderr_text;

  const CmdResult exit3 = ssh_->OpenSshWithKey(kSshExit3, "echo ignored");
  EXPECT_EQ(exit3.exit_code, 3) << exit3.stderr_text;

  // OpenSSH 9.2 speaks sntrup761, so the sntrup-only daemon works for it; limited to what
  // libssh 0.10 offers, it finds no common key exchange.
  const CmdResult sntrup = ssh_->OpenSshWithKey(kSshSntrupOnly, "echo ok");
  EXPECT_EQ(sntrup.exit_code, 0) << sntrup.stderr_text;
  const CmdResult curve_only = ssh_->OpenSsh(
      kSshSntrupOnly, {"-i", ssh_->key_file(), "-o", "KexAlgorithms=curve25519-sha256"}, "true");
  EXPECT_EQ(curve_only.exit_code, 255);
  EXPECT_TRUE(Contains(curve_only.stderr_text, "no matching key exchange method"))
      << curve_only.stderr_text;

  // The hangs: both are still hanging when the client is killed.
  const CmdResult hung = ssh_->OpenSshWithKey(kSshHungCommand, "true", milliseconds(1500));
  EXPECT_EQ(hung.exit_code, kKilled) << hung.stderr_text;
  const CmdResult stalled = ssh_->OpenSshWithKey(kSshStalledAuth, "true", milliseconds(1500));
  EXPECT_EQ(stalled.exit_code, kKilled) << stalled.stderr_text;
  const std::string logs = ssh_->SshdLogs();
  EXPECT_TRUE(Contains(logs, "Starting session: forced-command (config) 'sleep 60'")) << logs;

  EXPECT_EQ(lab_->netprobe("tcp 198.18.3.2 2300"), "connected");
  EXPECT_EQ(lab_->netprobe("tcp 198.18.3.2 2301"), "connected");
}

TEST_F(SshLabTest, KeyLoginRunsCommand) {
  const CheckRun run = CheckSsh(
      {Url(kSshHealthy)},
      {"--ssh.key-file", ssh_->key_file(), "--ssh.command", "echo ok", "--ssh.expect", "^ok$"});
  ExpectSuccess(run, kAllSshLayers);
  DumpOnFailure dump(run);
  const json result = Result(run, 0);
  const json banner = Layer(result, "ssh_banner");
  EXPECT_TRUE(Str(Field(banner, "banner")).starts_with("SSH-2.0-OpenSSH_9.2"));
  EXPECT_TRUE(Contains(Str(Field(banner, "software")), "OpenSSH_9.2"));
  const json handshake = Layer(result, "ssh_handshake");
  EXPECT_EQ(Str(Field(handshake, "hostkey_type")), "ssh-ed25519");
  // The fingerprint in OpenSSH's "SHA256:<base64>" form, or just its base64 part.
  const std::string b64 = ssh_->host_fingerprint().substr(std::string("SHA256:").size());
  EXPECT_TRUE(Contains(Str(Field(handshake, "fingerprint_sha256")), b64))
      << "want " << ssh_->host_fingerprint();
  EXPECT_FALSE(Str(Field(handshake, "kex")).empty());
  const json methods = Field(Layer(result, "ssh_auth"), "methods");
  ASSERT_TRUE(methods.is_array());
  EXPECT_TRUE(std::find(methods.begin(), methods.end(), "publickey") != methods.end());
  EXPECT_TRUE(std::find(methods.begin(), methods.end(), "password") != methods.end());
  EXPECT_EQ(Field(Layer(result, "ssh_exec"), "exit_status"), json(0));
}

TEST_F(SshLabTest, PasswordLogin) {
  const CmdResult witness = ssh_->OpenSshWithPassword(kSshHealthy, "true");
  ASSERT_EQ(witness.exit_code, 0) << kLabBroken << ": " << witness.stderr_text;
  ExpectSuccess(CheckSsh({Url(kSshHealthy)}, {"--ssh.password-file", ssh_->password_file()}),
                kAllSshLayers);
}

TEST_F(SshLabTest, TarpitIsBannerTimeout) {
  ASSERT_EQ(lab_->netprobe("tcp 198.18.3.2 2300"), "connected") << kLabBroken;
  ExpectFailure(CheckSsh({Url(kTarpit)}), "ssh_banner/timeout", {"tcp"}, 5.0);
}

TEST_F(SshLabTest, AcceptThenCloseIsBannerClosed) {
  ASSERT_EQ(lab_->netprobe("tcp 198.18.3.2 2301"), "connected") << kLabBroken;
  ExpectFailure(CheckSsh({Url(kAcceptClose)}), "ssh_banner/closed", {"tcp"}, 5.0);
}

// blackbox's shipped ssh_banner module (a tcp module: expect "^SSH-2.0-", then send an
// identification line) is judged as the ssh_banner layer, with the same reasons.
TEST_F(SshLabTest, BlackboxSshBannerModule) {
  const std::vector<std::string> module = {"--module", "ssh_banner"};
  const std::string target = "198.18.3.2:";
  const CheckRun healthy = CheckSsh({target + std::to_string(kSshHealthy)}, module);
  ExpectSuccess(healthy, {"tcp", "ssh_banner"});
  EXPECT_NE(Str(Field(Layer(Result(healthy, 0), "ssh_banner"), "software")).find("OpenSSH"),
            std::string::npos)
      << healthy;
  ExpectFailure(CheckSsh({target + std::to_string(kTarpit)}, module), "ssh_banner/timeout", {"tcp"},
                5.0);
  ExpectFailure(CheckSsh({target + std::to_string(kAcceptClose)}, module), "ssh_banner/closed",
                {"tcp"}, 5.0);
}

// An HTTP server waits for the client to speak and answers an SSH identification line with
// "HTTP/1.1 400 Bad Request"; RFC 4253 lets both sides send their identification at once.
TEST_F(SshLabTest, HttpServerIsNotSsh) {
  ExpectFailure(CheckSsh({Url(kHttp)}), "ssh_banner/not_ssh", {"tcp"}, 5.0);
}

TEST_F(SshLabTest, WrongKnownHostIsHostkeyMismatch) {
  const CheckRun run = CheckSsh(
      {Url(kSshHealthy)},
      {"--ssh.key-file", ssh_->key_file(), "--ssh.known-hosts", ssh_->wrong_known_hosts()});
  ExpectFailure(run, "ssh_handshake/hostkey_mismatch", {"tcp", "ssh_banner"}, 5.0);
  // Credentials must never be offered to a host that failed verification.
  DumpOnFailure dump(run);
  EXPECT_TRUE(SkippedOrAbsent(Result(run, 0), "ssh_auth"));
}

TEST_F(SshLabTest, CorrectKnownHostSucceeds) {
  ExpectSuccess(CheckSsh({Url(kSshHealthy)}, {"--ssh.key-file", ssh_->key_file(),
                                              "--ssh.known-hosts", ssh_->known_hosts()}),
                kAllSshLayers);
}

TEST_F(SshLabTest, NoCommonKexIsHandshakeFailed) {
  ExpectFailure(CheckSsh({Url(kSshSntrupOnly)}, KeyFlags()), "ssh_handshake/failed",
                {"tcp", "ssh_banner"}, 5.0);
}

TEST_F(SshLabTest, WrongKeyIsAuthDenied) {
  const CmdResult witness = ssh_->OpenSsh(
      kSshHealthy, {"-i", ssh_->wrong_key_file(), "-o", "IdentitiesOnly=yes"}, "true");
  ASSERT_EQ(witness.exit_code, 255) << kLabBroken;
  ExpectFailure(CheckSsh({Url(kSshHealthy)}, {"--ssh.key-file", ssh_->wrong_key_file()}),
                "ssh_auth/denied", {"tcp", "ssh_banner", "ssh_handshake"}, 5.0);
}

TEST_F(SshLabTest, StalledKeyLookupIsAuthTimeout) {
  ExpectFailure(CheckSsh({Url(kSshStalledAuth)}, KeyFlags(), "4s"), "ssh_auth/timeout",
                {"tcp", "ssh_banner", "ssh_handshake"}, 4.0);
}

TEST_F(SshLabTest, HungCommandIsExecTimeout) {
  ExpectFailure(CheckSsh({Url(kSshHungCommand)}, KeyFlags()), "ssh_exec/timeout",
                {"tcp", "ssh_banner", "ssh_handshake", "ssh_auth"}, 5.0);
}

TEST_F(SshLabTest, NonZeroExitIsExitStatus) {
  const CmdResult witness = ssh_->OpenSshWithKey(kSshExit3, "true");
  ASSERT_EQ(witness.exit_code, 3) << kLabBroken;
  const CheckRun run = CheckSsh({Url(kSshExit3)}, KeyFlags());
  ExpectFailure(run, "ssh_exec/exit_status", {"tcp", "ssh_banner", "ssh_handshake", "ssh_auth"},
                5.0);
  DumpOnFailure dump(run);
  EXPECT_EQ(Field(Layer(Result(run, 0), "ssh_exec"), "exit_status"), json(3));
}

TEST_F(SshLabTest, UnexpectedOutputIsOutputMismatch) {
  ExpectFailure(CheckSsh({Url(kSshHealthy)}, {"--ssh.key-file", ssh_->key_file(), "--ssh.command",
                                              "echo nope", "--ssh.expect", "^ok$"}),
                "ssh_exec/output_mismatch", {"tcp", "ssh_banner", "ssh_handshake", "ssh_auth"},
                5.0);
}

TEST_F(SshLabTest, NoCredentialsStopsAfterHandshake) {
  const CheckRun run =
      CheckSsh({std::string("ssh://") + kSshHost + ":" + std::to_string(kSshHealthy)});
  ExpectSuccess(run, {"tcp", "ssh_banner", "ssh_handshake"});
  DumpOnFailure dump(run);
  const json result = Result(run, 0);
  EXPECT_TRUE(SkippedOrAbsent(result, "ssh_auth")) << StatusOf(result, "ssh_auth");
  EXPECT_TRUE(SkippedOrAbsent(result, "ssh_exec")) << StatusOf(result, "ssh_exec");
}

// 50 probes in one run: the 25 tarpits must time out concurrently, not one after another, and
// must not hold up or break the 25 healthy ones (sshd has MaxStartups 200 for this).
TEST_F(SshLabTest, FiftyTargetsAtOnce) {
  const std::string healthy = std::string("ssh://") + kSshHost + ":" + std::to_string(kSshHealthy);
  const std::string tarpit = std::string("ssh://") + kSshHost + ":" + std::to_string(kTarpit);
  std::vector<std::string> targets;
  for (int i = 0; i < 25; ++i) targets.insert(targets.end(), {healthy, tarpit});
  const CheckRun run = CheckSsh(targets, {}, "3s");
  DumpOnFailure dump(run);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_LE(run.elapsed_seconds, 4.0);
  const json results = Field(run.json, "results");
  ASSERT_TRUE(results.is_array() && results.size() == 50) << "want 50 results";
  int healthy_ok = 0;
  int tarpit_timeout = 0;
  for (const json& result : results) {
    const std::string target = Str(Field(result, "target"));
    if (target == healthy && Field(result, "success") == json(true)) ++healthy_ok;
    if (target == tarpit && VerdictOf(result) == "ssh_banner/timeout") ++tarpit_timeout;
  }
  EXPECT_EQ(healthy_ok, 25);
  EXPECT_EQ(tarpit_timeout, 25);
}

// CONTRACT §2: secrets never appear in any output, whether the login works or is denied.
TEST_F(SshLabTest, PasswordNeverPrinted) {
  const std::string& password = ssh_->password();
  const std::vector<std::string> good = {"--ssh.password-file", ssh_->password_file()};
  const CheckRun json_run = CheckSsh({Url(kSshHealthy)}, good);
  ExpectSuccess(json_run, kAllSshLayers);
  const CheckRun human = lab_->check(
      {"--timeout", "5s", "--ssh.password-file", ssh_->password_file(), Url(kSshHealthy)});
  EXPECT_EQ(human.exit_code, 0) << human;
  const CheckRun denied =
      CheckSsh({Url(kSshHealthy)}, {"--ssh.password-file", ssh_->wrong_password_file()});
  ExpectFailure(denied, "ssh_auth/denied", {"tcp", "ssh_banner", "ssh_handshake"}, 5.0);
  for (const CheckRun* run : {&json_run, &human, &denied}) {
    for (const std::string& secret : {password, ssh_->wrong_password()}) {
      EXPECT_FALSE(Contains(run->stdout_text, secret)) << "a password on stdout:" << *run;
      EXPECT_FALSE(Contains(run->stderr_text, secret)) << "a password on stderr:" << *run;
    }
  }
}

}  // namespace
}  // namespace reachprobe::lab
