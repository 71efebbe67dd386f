// A four-namespace lab (prober - r1 - r2 - target) on 198.18.0.0/15 with real routers, a real
// dnsmasq and real TCP listeners, for running the real reachprobe binary against real faults.
//
//   prober 198.18.1.2 --- 198.18.1.1 r1 198.18.2.1 --- 198.18.2.2 r2 198.18.3.1 --- 198.18.3.2
//   target
//
// Dual stack: every link also carries 2001:2:0:N::/64 (RFC 5180's benchmarking range) for
// 198.18.N.0/24, host parts alike (prober 2001:2:0:1::2 ... target 2001:2:0:3::2); the routers
// forward IPv6 and send ICMPv6 errors without rate limit. dnsmasq serves dual.lab (A and AAAA)
// and v6.lab (AAAA only).
//
// Namespaces are named rpl<pid>-<role> so parallel runs never collide; veth pairs are created
// directly inside the namespaces, so nothing of the lab lives in the root namespace.
// tests/lab-tools/lab-cleanup.sh removes what a killed run leaves behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace reachprobe::lab {

// The output of a command that ran to completion (or was killed at its deadline).
struct CmdResult {
  int exit_code = -1;  // exit status; 128 + signal number when killed by a signal
  std::string stdout_text;
  std::string stderr_text;
};

// One run of `reachprobe check` inside the prober namespace.
struct CheckRun {
  int exit_code = -1;
  nlohmann::json json;  // parsed stdout when --json was among the args and it parsed; else null
  double elapsed_seconds = 0.0;
  std::string stdout_text, stderr_text;
};

// Prints everything needed to judge a failed assertion: exit code, time, JSON, stderr.
std::ostream& operator<<(std::ostream& os, const CheckRun& run);

enum class Node { kProber, kR1, kR2, kTarget };

// Interface names inside each namespace (the same in every run: they live in the namespaces).
inline constexpr const char* kProberLink = "pr";  // prober -> r1
inline constexpr const char* kTargetLink = "tr";  // target -> r2
inline constexpr const char* kR2TargetLink = "r2t";

// Drops CAP_NET_RAW for the reachprobe process (bounding and inheritable sets), so it can only
// use ping sockets (if ping_group_range allows) and unprivileged TCP probes.
const std::vector<std::string>& WithoutNetRaw();

// Runs argv directly (execvp, no shell), capturing stdout and stderr; SIGKILLs the child's
// process group if it is still running at `deadline`.
CmdResult RunArgv(const std::vector<std::string>& argv, std::chrono::milliseconds deadline);

// The words of a command line joined by spaces, for messages.
std::string Join(const std::vector<std::string>& words);

// Writes `text` to `path` (replacing it); throws when it cannot. Lab set-up files.
void WriteFile(const std::string& path, const std::string& text);
// The whole file, or "" when it cannot be read.
std::string ReadFile(const std::string& path);

// Runs a lab set-up step (20 s at most); throws with the command and its stderr when it fails.
// Returns its stdout.
std::string Must(const std::vector<std::string>& argv);

// Empty when the lab can run here; otherwise why not (not root, a tool missing).
std::string MissingPrerequisite();

// "<python3> <tests/lab-tools>/<script>": a lab-tools helper as the start of a command line.
std::string LabToolCommand(const std::string& script);

class Lab {
 public:
  // Builds the topology, starts dnsmasq and the listeners, and waits until all of them answer.
  // Throws std::runtime_error (after removing whatever it created) if any step fails.
  Lab();
  // Kills every spawned process and everything else still running in the namespaces (e.g.
  // sshd's per-connection children, which leave the process group), deletes every namespace.
  ~Lab();
  Lab(const Lab&) = delete;
  Lab& operator=(const Lab&) = delete;

  const std::string& ns(Node node) const;
  // Removed at teardown; helpers (sshd_fixture) keep their files under it.
  const std::string& scratch_dir() const { return scratch_dir_; }
  // The last `max_bytes` of what a spawn()ed process wrote to <scratch dir>/<log_name>.log.
  std::string log_tail(const std::string& log_name, std::size_t max_bytes = 4000) const;

  // Runs a shell command inside the namespace of `node`.
  CmdResult run(Node node, const std::string& cmd);
  // Like run(), but throws std::runtime_error on a non-zero exit (for lab set-up steps).
  void must(Node node, const std::string& cmd);
  // Starts a shell command in the background inside `node`; it is killed at teardown. Output
  // goes to <scratch dir>/<log_name>.log.
  pid_t spawn(Node node, const std::string& cmd, const std::string& log_name);

  // Kills a spawn()ed process (and its process group) now and forgets it; no-op for other ids.
  void stop(pid_t pid);

  // Replaces the lab's nftables table in `node` with these chains (nft syntax, inet family).
  void nft(Node node, const std::string& chains);

  // Runs an independent probe from tests/lab-tools/netprobe.py in the prober namespace (after
  // `prefix`, e.g. WithoutNetRaw()) and returns its one-line answer, e.g. "connected",
  // "refused", "icmp 3/13 from 198.18.3.2".
  std::string netprobe(const std::string& args, const std::vector<std::string>& prefix = {});

  // Runs `ip netns exec <prober> [prefix...] reachprobe check <args...>`.
  CheckRun check(const std::vector<std::string>& args, const std::vector<std::string>& prefix = {});

  pid_t dnsmasq_pid() const { return dnsmasq_pid_; }
  // The accept-and-close listeners on 198.18.3.2:22 and :80; the web lab stop()s them to run
  // nginx on port 80.
  pid_t listeners_pid() const { return listeners_pid_; }
  // The same listeners on 2001:2:0:3::2.
  pid_t listeners6_pid() const { return listeners6_pid_; }

 private:
  void Build();
  void Teardown() noexcept;

  std::string prefix_;  // "rpl<pid>-"
  std::string scratch_dir_;
  std::vector<std::string> namespaces_;  // created so far, for teardown
  std::vector<pid_t> spawned_;
  pid_t dnsmasq_pid_ = -1;
  pid_t listeners_pid_ = -1;
  pid_t listeners6_pid_ = -1;
};

}  // namespace reachprobe::lab
