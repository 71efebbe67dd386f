#pragma once
// Pieces the serve lab suites share: a scratch directory, accept-and-close listeners on
// 127.0.0.1, and a child process that is always killed and reaped.
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace reachprobe::lab {

// A scratch directory under /tmp (`/tmp/<prefix>-XXXXXX`), removed with everything in it.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Accept-and-close TCP listeners on 127.0.0.1 of the calling namespace, so that keys pointing
// at them succeed; served by one thread until destruction.
class Listeners {
 public:
  explicit Listeners(int count);
  ~Listeners();
  Listeners(const Listeners&) = delete;
  Listeners& operator=(const Listeners&) = delete;
  const std::vector<int>& ports() const { return ports_; }

 private:
  void Open();
  void Run();

  std::vector<int> fds_;
  std::vector<int> ports_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A child in its own process group, started in `cwd` (so that any relative default path of
// serve lands in the scratch directory), argv[0] looked up in PATH, stdout and stderr to files
// of their own. Killed (the whole group) and reaped on destruction, also when the test failed
// half-way.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::string& cwd, std::string out,
          std::string err);
  ~Process() { Kill(); }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool Running() { return !Reap(false); }
  // The exit status (128 + signal when killed) if it exits within `limit`; nullopt otherwise.
  std::optional<int> WaitExit(std::chrono::steady_clock::duration limit);
  // SIGTERM to the process itself, then WaitExit(limit).
  std::optional<int> Terminate(std::chrono::steady_clock::duration limit);
  void Kill() noexcept;
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  bool Reap(bool block) noexcept;

  std::string out_, err_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

}  // namespace reachprobe::lab
