// 50 SSH targets on one io_context, half of them tarpits: every probe ends within one timeout
// (no head-of-line blocking) and no file descriptor outlives the run (libssh never closes an
// fd handed to it; this code must). Runs in a private network namespace on loopback with a
// real OpenSSH sshd, so it needs root; it skips otherwise.
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "layers/runner.hpp"
#include "targets/target_parser.hpp"

namespace reachprobe {
namespace {

namespace fs = std::filesystem;
constexpr int kSshPort = 2222;
constexpr int kTarpitPort = 2300;

std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

class SshFdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (network namespace, sshd)";
    if (!fs::exists("/usr/sbin/sshd")) GTEST_SKIP() << "openssh-server is not installed";
    // A private network namespace for this test process: loopback only, nothing shared.
    ASSERT_EQ(unshare(CLONE_NEWNET), 0);
    ASSERT_EQ(std::system("ip link set lo up"), 0);
    dir_ = fs::temp_directory_path() / ("rp-sshfd-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    fs::create_directories("/run/sshd");  // sshd's privilege separation directory
    std::string d = dir_.string();
    ASSERT_EQ(std::system(("ssh-keygen -q -t ed25519 -N '' -f " + d + "/host && " +
                           "ssh-keygen -q -t ed25519 -N '' -f " + d + "/client && " + "cp " + d +
                           "/client.pub " + d + "/authorized_keys")
                              .c_str()),
              0);
    std::ofstream(dir_ / "sshd_config")
        << "ListenAddress 127.0.0.1\nPort " << kSshPort << "\nHostKey " << d << "/host\n"
        << "AuthorizedKeysFile " << d << "/authorized_keys\nPermitRootLogin yes\nUsePAM no\n"
        << "StrictModes no\nMaxStartups 100\nPidFile " << d << "/sshd.pid\n";
    sshd_ = fork();
    if (sshd_ == 0) {
      execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-e", "-f", (d + "/sshd_config").c_str(),
            nullptr);
      _exit(127);
    }
    // The tarpit: a listener that never accepts; the kernel completes the handshake, nobody
    // ever writes a banner.
    tarpit_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(kTarpitPort);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(tarpit_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(listen(tarpit_, 128), 0);
    for (int i = 0; i < 50 && std::system(("ssh-keyscan -p 2222 127.0.0.1 >/dev/null 2>&1")) != 0;
         ++i) {
      usleep(100000);
    }
  }
  void TearDown() override {
    if (sshd_ > 0) {
      kill(sshd_, SIGTERM);
      waitpid(sshd_, nullptr, 0);
    }
    if (tarpit_ >= 0) close(tarpit_);
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  fs::path dir_;
  pid_t sshd_ = -1;
  int tarpit_ = -1;
};

TEST_F(SshFdTest, FiftyTargetsHalfTarpitsEndInOneTimeoutAndLeakNoFd) {
  std::size_t fds_before = open_fds();
  std::vector<engine::ProbeReport> reports(50);
  auto started = std::chrono::steady_clock::now();
  {
    net::io_context io(1);
    auto services = std::make_shared<layers::Services>(io.get_executor());
    layers::ProbeOptions options;
    options.timeout = std::chrono::seconds(3);
    options.trace_path = false;
    std::size_t remaining = reports.size();
    for (std::size_t i = 0; i < reports.size(); ++i) {
      int port = i % 2 == 0 ? kSshPort : kTarpitPort;
      // No credentials: banner and handshake, the monitoring default. Full logins would turn
      // this into a load test of sshd (about 0.6 s of its CPU per session here).
      auto target = targets::parse_target("ssh://root@127.0.0.1:" + std::to_string(port));
      ASSERT_TRUE(target);
      auto plan = engine::plan_for(*target, false, false);
      ASSERT_TRUE(plan);
      net::co_spawn(io,
                    layers::run_target(services, *target, *plan,
                                       std::make_shared<const layers::ProbeOptions>(options)),
                    [&, i](std::exception_ptr error, engine::ProbeReport report) {
                      ASSERT_FALSE(error);
                      reports[i] = std::move(report);
                      if (--remaining == 0) services->shutdown();
                    });
    }
    io.run();
  }
  double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_LE(elapsed, 4.0) << "a tarpit delayed the others";
  for (std::size_t i = 0; i < reports.size(); ++i) {
    const auto& r = reports[i];
    if (i % 2 == 0) {
      EXPECT_TRUE(r.success) << i << ": " << r.verdict.summary;
    } else {
      ASSERT_TRUE(r.verdict.layer) << i;
      EXPECT_EQ(*r.verdict.layer, engine::Layer::ssh_banner) << i << ": " << r.verdict.summary;
      EXPECT_EQ(r.verdict.reason, engine::Reason::timeout) << i;
    }
  }
  EXPECT_EQ(open_fds(), fds_before);
}

}  // namespace
}  // namespace reachprobe
