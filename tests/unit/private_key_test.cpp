// Issue 9 item 5: SSH keys are imported (decrypted) once per config load or flag parsing and
// shared by every probe; a key that does not load is a config error at key_file's line that
// never prints the passphrase.
#include "targets/private_key.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli/flags.hpp"
#include "targets/config_loader.hpp"

namespace reachprobe::targets {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPassphrase = "correct-horse-42";

class PrivateKeys : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v ssh-keygen >/dev/null 2>&1") != 0) {
      GTEST_SKIP() << "ssh-keygen not installed";
    }
    char name[] = "/tmp/private_key_test.XXXXXX";
    ASSERT_NE(mkdtemp(name), nullptr);
    dir_ = name;
    key_ = dir_ + "/id_ed25519";
    std::string cmd = "ssh-keygen -q -t ed25519 -N '" + std::string(kPassphrase) + "' -f '" + key_ +
                      "' >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    passphrase_ = Write("passphrase", std::string(kPassphrase) + "\n");
    wrong_ = Write("wrong", "not-the-passphrase\n");
  }
  void TearDown() override {
    std::error_code ignored;
    if (!dir_.empty()) fs::remove_all(dir_, ignored);
  }
  std::string Write(const std::string& file, const std::string& content) const {
    std::string path = dir_ + "/" + file;
    std::ofstream(path) << content;
    return path;
  }
  std::string Module(const std::string& passphrase_file) const {
    return "modules:\n  m:\n    prober: ssh\n    ssh:\n      key_file: " + key_ +
           "\n      key_passphrase_file: " + passphrase_file + "\n";
  }

  std::string dir_, key_, passphrase_, wrong_;
};

TEST_F(PrivateKeys, EncryptedKeyImportedAtLoadWhateverTheKeyOrder) {
  auto config = load_config_text(Module(passphrase_), "test.yml");
  ASSERT_TRUE(config) << config.error();
  const auto& ssh = config->modules.at("m").ssh;
  ASSERT_NE(ssh.key, nullptr);
  EXPECT_NE(ssh.key->handle(), nullptr);
  EXPECT_EQ(ssh.key->path(), key_);
  // Copies of the spec (one per probe) share the one imported key: nothing is imported again.
  SshSpec copy = ssh;
  EXPECT_EQ(copy.key.get(), ssh.key.get());
}

TEST_F(PrivateKeys, WrongPassphraseIsAConfigErrorAtKeyFileLineWithoutThePassphrase) {
  auto config = load_config_text(Module(wrong_), "test.yml");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error(), "test.yml:5: key_file: cannot load private key " + key_ +
                                " (not a private key, or wrong passphrase)");
  EXPECT_EQ(config.error().find("not-the-passphrase"), std::string::npos);
}

TEST_F(PrivateKeys, EncryptedKeyWithoutPassphraseFailsInsteadOfPrompting) {
  auto key = PrivateKey::import(key_, std::nullopt);
  ASSERT_FALSE(key);
  EXPECT_NE(key.error().find("encrypted and no passphrase"), std::string::npos) << key.error();
}

TEST_F(PrivateKeys, NotAKeyIsAnError) {
  auto key = PrivateKey::import(passphrase_, std::nullopt);
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error().find(kPassphrase), std::string::npos) << key.error();
}

TEST_F(PrivateKeys, CheckFlagsImportTheKeyOnce) {
  std::vector<std::string> args = {"--ssh.key-file", key_,      "--ssh.key-passphrase-file",
                                   passphrase_,      "ssh://a", "ssh://b"};
  auto flags = cli::parse_check_flags(args);
  ASSERT_TRUE(flags) << flags.error();
  EXPECT_NE(flags->probe.ssh.key, nullptr);
  args[3] = wrong_;
  flags = cli::parse_check_flags(args);
  ASSERT_FALSE(flags);
  EXPECT_EQ(flags.error().rfind("flag --ssh.key-file: cannot load private key " + key_, 0), 0u)
      << flags.error();
  EXPECT_EQ(flags.error().find("not-the-passphrase"), std::string::npos);
}

}  // namespace
}  // namespace reachprobe::targets
