#include "lab_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "netns_fixture.hpp"

namespace reachprobe::lab {
namespace {

// In the forked child of a threaded process: async-signal-safe calls only.
[[noreturn]] void Exec(char* const* argv, const char* cwd, const char* out, const char* err) {
  setpgid(0, 0);
  const int in_fd = open("/dev/null", O_RDONLY);
  const int out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int err_fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (in_fd < 0 || out_fd < 0 || err_fd < 0 || dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 ||
      dup2(err_fd, 2) < 0 || chdir(cwd) != 0) {
    _exit(127);
  }
  execvp(argv[0], argv);
  _exit(127);
}

}  // namespace

TempDir::TempDir(const std::string& prefix) {
  std::string name = "/tmp/" + prefix + "-XXXXXX";
  if (mkdtemp(name.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = name;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

Listeners::Listeners(int count) {
  for (int i = 0; i < count; ++i) Open();
  thread_ = std::thread([this] { Run(); });
}

Listeners::~Listeners() {
  stop_ = true;
  thread_.join();
  for (const int fd : fds_) close(fd);
}

void Listeners::Open() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  fds_.push_back(fd);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 128) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("listener: " + std::string(std::strerror(errno)));
  }
  ports_.push_back(ntohs(addr.sin_port));
}

void Listeners::Run() {
  std::vector<pollfd> polled;
  for (const int fd : fds_) polled.push_back({fd, POLLIN, 0});
  while (!stop_) {
    if (poll(polled.data(), polled.size(), 50) <= 0) continue;
    for (const pollfd& p : polled) {
      if ((p.revents & POLLIN) == 0) continue;
      for (int conn; (conn = accept4(p.fd, nullptr, nullptr, SOCK_CLOEXEC)) >= 0;) close(conn);
    }
  }
}

Process::Process(const std::vector<std::string>& argv, const std::string& cwd, std::string out,
                 std::string err)
    : out_(std::move(out)), err_(std::move(err)) {
  std::vector<char*> c_argv;
  for (const std::string& word : argv) c_argv.push_back(const_cast<char*>(word.c_str()));
  c_argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) Exec(c_argv.data(), cwd.c_str(), out_.c_str(), err_.c_str());
  if (pid_ < 0) throw std::runtime_error("fork: " + std::string(std::strerror(errno)));
  setpgid(pid_, pid_);  // also here, so kill(-pid) works before the child ran
}

std::optional<int> Process::WaitExit(std::chrono::steady_clock::duration limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!Reap(false) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return exit_code_;
}

std::optional<int> Process::Terminate(std::chrono::steady_clock::duration limit) {
  if (!exit_code_) kill(pid_, SIGTERM);
  return WaitExit(limit);
}

void Process::Kill() noexcept {
  if (exit_code_) return;
  kill(-pid_, SIGKILL);
  Reap(true);
}

std::string Process::Stdout() const {
  return ReadFile(out_);
}

std::string Process::Stderr() const {
  return ReadFile(err_);
}

bool Process::Reap(bool block) noexcept {
  if (exit_code_) return true;
  int status = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r != pid_) return false;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

}  // namespace reachprobe::lab
