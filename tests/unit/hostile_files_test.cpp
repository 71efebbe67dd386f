// Issue 9 acceptance 3: every file a config or a flag names is read bounded and without
// blocking. /dev/zero, a FIFO with no writer, a directory and a 10 MB file each give a one-line
// error naming the file (at the line of the YAML key that named it), quickly, and `validate`
// exits 2 with one line on stderr.
#include "targets/bounded_file.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/flags.hpp"
#include "exporters/web_config.hpp"
#include "targets/config_loader.hpp"

namespace reachprobe::targets {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A scratch directory holding one file of each hostile kind, removed at the end.
class HostileFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/hostile_files_test.XXXXXX";
    ASSERT_NE(mkdtemp(name), nullptr);
    dir_ = name;
    fifo_ = dir_ + "/fifo";
    ASSERT_EQ(mkfifo(fifo_.c_str(), 0600), 0);
    directory_ = dir_ + "/directory";
    fs::create_directory(directory_);
    big_ = dir_ + "/big";
    {
      std::ofstream out(big_, std::ios::binary);
      std::string block(1 << 20, 'x');
      for (int i = 0; i < 10; ++i) out << block;  // 10 MiB of real bytes
    }
    good_ = Write("good", "s3cret\n");
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::string Write(const std::string& name, const std::string& content) const {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  // The hostile files with the words their error must contain.
  struct Case {
    std::string path;
    std::string reason;
  };
  std::vector<Case> Cases() const {
    return {{"/dev/zero", "is a character device, not a regular file"},
            {fifo_, "is a FIFO, not a regular file"},
            {directory_, "is a directory, not a regular file"},
            {big_, "is larger than 1 MiB"}};
  }

  std::string dir_, fifo_, directory_, big_, good_;
};

// Runs `load` on another thread and fails (and ends the run) if it does not return in 2 s: a
// FIFO opened for reading without O_NONBLOCK would block forever.
template <typename F>
auto Quickly(F load, const std::string& what) {
  auto started = std::chrono::steady_clock::now();
  auto future = std::async(std::launch::async, load);
  if (future.wait_for(2s) != std::future_status::ready) {
    std::cerr << "hung reading " << what << "\n";
    std::_Exit(1);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s) << what;
  return future.get();
}

TEST_F(HostileFiles, ReaderRefusesEachKindWithOneLineNamingTheFile) {
  for (const auto& c : Cases()) {
    auto content = Quickly([&] { return read_bounded_file(c.path, kSmallFileCap); }, c.path);
    ASSERT_FALSE(content) << c.path;
    EXPECT_EQ(content.error().find('\n'), std::string::npos) << content.error();
    EXPECT_NE(content.error().find(c.path + " " + c.reason), std::string::npos) << content.error();
  }
  auto missing = read_bounded_file(dir_ + "/missing", kSmallFileCap);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), "cannot read " + dir_ + "/missing: No such file or directory");
}

TEST_F(HostileFiles, CapIsExactAndReadStopsOneBytePastIt) {
  std::string at_cap = Write("at_cap", std::string(4096, 'a'));
  std::string over = Write("over", std::string(4097, 'a'));
  auto ok = read_bounded_file(at_cap, 4096);
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_EQ(ok->size(), 4096u);
  auto refused = read_bounded_file(over, 4096);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), over + " is larger than 4 KiB");
  EXPECT_EQ(*read_bounded_file(good_, kSmallFileCap), "s3cret\n");
  EXPECT_EQ(describe_size(kSmallFileCap), "1 MiB");
  EXPECT_EQ(describe_size(kLargeFileCap), "16 MiB");
}

TEST_F(HostileFiles, DirectoryIsNoLongerAnEmptySecret) {
  Secret secret;
  auto error = read_secret_file(directory_, secret);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error, directory_ + " is a directory, not a regular file");
  ASSERT_FALSE(read_secret_file(good_, secret).has_value());
  EXPECT_EQ(secret.reveal(), "s3cret");
}

// Each config key that names a file, as a module whose FILE placeholder sits on line `line`.
struct ConfigCase {
  const char* key;
  int line;
  const char* yaml;
};

const std::vector<ConfigCase>& ConfigCases() {
  static const std::vector<ConfigCase> cases = {
      {"password_file", 6,
       "modules:\n  m:\n    prober: http\n    http:\n      basic_auth:\n        password_file: "
       "FILE\n"},
      {"bearer_token_file", 5,
       "modules:\n  m:\n    prober: http\n    http:\n      bearer_token_file: FILE\n"},
      {"body_file", 5, "modules:\n  m:\n    prober: http\n    http:\n      body_file: FILE\n"},
      {"ca_file", 6,
       "modules:\n  m:\n    prober: http\n    http:\n      tls_config:\n        ca_file: FILE\n"},
      {"cert_file", 6,
       "modules:\n  m:\n    prober: tcp\n    tcp:\n      tls_config:\n        cert_file: FILE\n"
       "        key_file: /nonexistent/key.pem\n"},
      {"key_file", 6,
       "modules:\n  m:\n    prober: grpc\n    grpc:\n      tls_config:\n        key_file: FILE\n"},
      {"ca_file", 7,
       "modules:\n  m:\n    prober: dns\n    dns:\n      query_name: example.com\n"
       "      tls_config:\n        ca_file: FILE\n"},
      {"password_file", 5,
       "modules:\n  m:\n    prober: ssh\n    ssh:\n      password_file: FILE\n"},
      {"key_passphrase_file", 5,
       "modules:\n  m:\n    prober: ssh\n    ssh:\n      key_passphrase_file: FILE\n"},
      {"key_file", 5, "modules:\n  m:\n    prober: ssh\n    ssh:\n      key_file: FILE\n"},
      {"known_hosts", 5, "modules:\n  m:\n    prober: ssh\n    ssh:\n      known_hosts: FILE\n"},
  };
  return cases;
}

std::string WithFile(std::string yaml, const std::string& path) {
  yaml.replace(yaml.find("FILE"), 4, path);
  return yaml;
}

TEST_F(HostileFiles, EveryConfigNamedFileFailsTheLoadAtItsKeyLine) {
  for (const auto& k : ConfigCases()) {
    for (const auto& c : Cases()) {
      std::string yaml = WithFile(k.yaml, c.path);
      auto config = Quickly([&] { return load_config_text(yaml, "test.yml"); }, k.key + c.path);
      ASSERT_FALSE(config) << k.key << " = " << c.path;
      const std::string expected_start =
          "test.yml:" + std::to_string(k.line) + ": " + std::string(k.key) + ": ";
      EXPECT_EQ(config.error().rfind(expected_start, 0), 0u) << config.error();
      EXPECT_NE(config.error().find(c.path + " " + c.reason), std::string::npos) << config.error();
      EXPECT_EQ(config.error().find('\n'), std::string::npos) << config.error();
    }
  }
}

TEST_F(HostileFiles, ConfigFileItselfIsBounded) {
  for (const auto& c : Cases()) {
    if (c.path == big_) continue;  // 10 MiB is within the config file's 16 MiB cap
    auto config = Quickly([&] { return load_config_file(c.path); }, c.path);
    ASSERT_FALSE(config);
    EXPECT_EQ(config.error(), "config file: " + c.path + " " + c.reason) << config.error();
  }
  {
    std::ofstream out(big_, std::ios::app);
    out << std::string(7 << 20, '#');  // now 17 MiB of comment
  }
  auto config = Quickly([&] { return load_config_file(big_); }, big_);
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error(), "config file: " + big_ + " is larger than 16 MiB");
}

TEST_F(HostileFiles, WebConfigAndTheFilesItNames) {
  for (const auto& c : Cases()) {
    auto web = Quickly([&] { return exporters::load_web_config(c.path); }, c.path);
    ASSERT_FALSE(web);
    EXPECT_EQ(web.error(), "web config file: " + c.path + " " + c.reason);
    for (const char* key : {"cert_file", "key_file", "client_ca_file"}) {
      std::string text = "tls_server_config:\n  " + std::string(key) + ": " + c.path + "\n";
      auto named = Quickly([&] { return exporters::load_web_config(Write("web.yml", text)); },
                           std::string(key) + c.path);
      ASSERT_FALSE(named) << key;
      EXPECT_EQ(named.error(), dir_ + "/web.yml:2: " + key + ": " + c.path + " " + c.reason);
    }
  }
}

TEST_F(HostileFiles, CheckFlagsThatNameFiles) {
  for (const auto& c : Cases()) {
    for (const char* flag : {
             "--ssh.password-file",
             "--ssh.key-passphrase-file",
             "--ssh.key-file",
             "--ssh.known-hosts",
             "--tls.ca-file",
             "--tls.cert-file",
             "--tls.key-file",
         }) {
      std::vector<std::string> args = {flag, c.path, "ssh://host"};
      auto flags = Quickly([&] { return cli::parse_check_flags(args); }, flag + c.path);
      ASSERT_FALSE(flags) << flag;
      EXPECT_EQ(flags.error().rfind(std::string("flag ") + flag + ": ", 0), 0u) << flags.error();
      EXPECT_NE(flags.error().find(c.path + " " + c.reason), std::string::npos) << flags.error();
      EXPECT_EQ(flags.error().find('\n'), std::string::npos) << flags.error();
    }
  }
}

// A missing TLS file or known_hosts stays a probe-time error, as in blackbox (the loader
// accepted such configs before and existing configs rely on it); so does a missing key_file.
TEST_F(HostileFiles, MissingLibraryFilesStillLoad) {
  auto config = load_config_text(
      "modules:\n  m:\n    prober: ssh\n    ssh:\n      key_file: /nonexistent/id\n"
      "      known_hosts: /nonexistent/known_hosts\n"
      "  h:\n    prober: http\n    http:\n      tls_config:\n        ca_file: /nonexistent/ca\n",
      "test.yml");
  ASSERT_TRUE(config) << config.error();
  EXPECT_EQ(config->modules.at("m").ssh.key, nullptr);
}

// The real binary: `reachprobe validate --config.file X` exits 2 with one line on stderr.
struct BinaryRun {
  int status = -1;
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

BinaryRun RunBinary(const std::string& dir, const std::vector<std::string>& args) {
  std::string command = "timeout 10 '" + std::string(REACHPROBE_BINARY) + "'";
  for (const auto& a : args) command += " '" + a + "'";
  command += " >'" + dir + "/out' 2>'" + dir + "/err'";
  BinaryRun run;
  int rc = std::system(command.c_str());
  run.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  run.out = Slurp(dir + "/out");
  run.err = Slurp(dir + "/err");
  return run;
}

std::size_t Lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST_F(HostileFiles, ValidateExitsTwoWithOneLine) {
  for (const auto& k : ConfigCases()) {
    for (const auto& c : Cases()) {
      std::string config = Write("config.yml", WithFile(k.yaml, c.path));
      auto started = std::chrono::steady_clock::now();
      BinaryRun run = RunBinary(dir_, {"validate", "--config.file", config});
      EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
      EXPECT_EQ(run.status, 2) << k.key << " " << c.path << ": " << run.err;
      EXPECT_EQ(Lines(run.err), 1u) << run.err;
      EXPECT_NE(run.err.find(config + ":" + std::to_string(k.line) + ": "), std::string::npos)
          << run.err;
      EXPECT_NE(run.err.find(c.path + " " + c.reason), std::string::npos) << run.err;
    }
  }
  for (const auto& c : Cases()) {
    if (c.path == big_) continue;
    BinaryRun run = RunBinary(dir_, {"validate", "--config.file", c.path});
    EXPECT_EQ(run.status, 2) << run.err;
    EXPECT_EQ(Lines(run.err), 1u) << run.err;
    EXPECT_NE(run.err.find(c.path + " " + c.reason), std::string::npos) << run.err;
  }
}

}  // namespace
}  // namespace reachprobe::targets
