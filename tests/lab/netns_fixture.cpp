#include "netns_fixture.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#ifndef REACHPROBE_BINARY
#error "REACHPROBE_BINARY must name the reachprobe executable"
#endif
#ifndef LAB_TOOLS_DIR
#error "LAB_TOOLS_DIR must name tests/lab-tools"
#endif

namespace reachprobe::lab {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::array<const char*, 4> kRoles = {"prober", "r1", "r2", "target"};
constexpr const char* kNftTable = "rpl_lab";
const std::string kTools = LAB_TOOLS_DIR;

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

// Runs in the forked child: own process group (so a deadline kills the whole tree), dies with
// the test process, stdin from /dev/null. Only async-signal-safe calls before exec.
[[noreturn]] void ExecChild(const std::vector<char*>& argv, int out_fd, int err_fd) {
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  const int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull >= 0) dup2(devnull, STDIN_FILENO);
  dup2(out_fd, STDOUT_FILENO);
  dup2(err_fd, STDERR_FILENO);
  execvp(argv[0], argv.data());
  _exit(127);
}

std::vector<char*> CArgv(const std::vector<std::string>& argv) {
  std::vector<char*> out;
  out.reserve(argv.size() + 1);
  for (const auto& a : argv) out.push_back(const_cast<char*>(a.c_str()));
  out.push_back(nullptr);
  return out;
}

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Reads both pipes until EOF; kills the child's process group at the deadline.
void Drain(pid_t pid, int out_fd, int err_fd, Clock::time_point deadline, CmdResult& result) {
  std::array<pollfd, 2> fds = {pollfd{out_fd, POLLIN, 0}, pollfd{err_fd, POLLIN, 0}};
  std::array<std::string*, 2> sinks = {&result.stdout_text, &result.stderr_text};
  bool killed = false;
  int open_fds = 2;
  while (open_fds > 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      if (killed) break;  // something outside the group holds the pipe; give up reading
      kill(-pid, SIGKILL);
      killed = true;
      result.stderr_text += "\n[lab: killed at its deadline]\n";
      deadline = Clock::now() + std::chrono::seconds(2);
      continue;
    }
    if (poll(fds.data(), fds.size(), static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      std::array<char, 4096> buf{};
      const ssize_t n = read(fds[i].fd, buf.data(), buf.size());
      if (n > 0) {
        sinks[i]->append(buf.data(), static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (const auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
}

std::string FindInPath(const std::string& tool) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = dir + "/" + tool;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// The system interpreter when there is one: a pyenv shim in PATH costs ~0.4 s per start.
const std::string& Python3() {
  static const std::string path =
      access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : FindInPath("python3");
  return path;
}

std::string ReadFileTail(const std::string& path, std::size_t max_bytes = 2000) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.size() > max_bytes ? text.substr(text.size() - max_bytes) : text;
}

// Processes that left the spawned process groups (sshd's connection children call setsid(), and
// a ForceCommand `sleep 60` outlives its client) would keep running and pin the namespace.
void KillEverythingIn(const std::string& netns) {
  const CmdResult r = RunArgv({"ip", "netns", "pids", netns}, std::chrono::seconds(10));
  std::istringstream pids(r.stdout_text);
  for (long pid = 0; pids >> pid;) {
    if (pid <= 1) continue;
    kill(static_cast<pid_t>(pid), SIGCONT);
    kill(static_cast<pid_t>(pid), SIGKILL);
  }
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const CheckRun& run) {
  os << "\n  exit code: " << run.exit_code << ", elapsed " << run.elapsed_seconds << " s";
  if (!run.json.is_null()) {
    os << "\n  json: " << run.json.dump(2);
  } else {
    os << "\n  stdout: " << run.stdout_text;
  }
  return os << "\n  stderr: " << run.stderr_text;
}

const std::vector<std::string>& WithoutNetRaw() {
  static const std::vector<std::string> prefix = {"setpriv", "--bounding-set=-net_raw",
                                                  "--inh-caps=-net_raw"};
  return prefix;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc | std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string Join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::string Must(const std::vector<std::string>& argv) {
  const CmdResult r = RunArgv(argv, std::chrono::seconds(20));
  if (r.exit_code != 0) {
    throw std::runtime_error("lab step failed: " + Join(argv) + " (exit " +
                             std::to_string(r.exit_code) + "): " + r.stderr_text);
  }
  return r.stdout_text;
}

CmdResult RunArgv(const std::vector<std::string>& argv, std::chrono::milliseconds deadline) {
  CmdResult result;
  std::array<int, 2> out_pipe{};
  std::array<int, 2> err_pipe{};
  if (pipe2(out_pipe.data(), O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  if (pipe2(err_pipe.data(), O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    throw std::runtime_error("pipe2 failed");
  }
  const auto c_argv = CArgv(argv);
  const auto start = Clock::now();
  const pid_t pid = fork();
  if (pid == 0) ExecChild(c_argv, out_pipe[1], err_pipe[1]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (pid < 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    throw std::runtime_error("fork failed: " + std::string(std::strerror(errno)));
  }
  setpgid(pid, pid);  // also in the parent, so kill(-pid) works even before the child ran
  Drain(pid, out_pipe[0], err_pipe[0], start + deadline, result);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = DecodeStatus(status);
  return result;
}

std::string MissingPrerequisite() {
  if (geteuid() != 0) return "the lab needs root (network namespaces, nftables, dnsmasq)";
  for (const char* tool : {"ip", "nft", "dnsmasq", "python3", "setpriv"}) {
    if (FindInPath(tool).empty()) return std::string("the lab needs '") + tool + "' in PATH";
  }
  return "";
}

std::string LabToolCommand(const std::string& script) {
  return Python3() + " " + kTools + "/" + script;
}

Lab::Lab() : prefix_("rpl" + std::to_string(getpid()) + "-") {
  try {
    Build();
  } catch (...) {
    Teardown();  // the destructor does not run for a throwing constructor
    throw;
  }
}

Lab::~Lab() {
  Teardown();
}

const std::string& Lab::ns(Node node) const {
  return namespaces_.at(static_cast<std::size_t>(node));
}

std::string Lab::log_tail(const std::string& log_name, std::size_t max_bytes) const {
  return ReadFileTail(scratch_dir_ + "/" + log_name + ".log", max_bytes);
}

CmdResult Lab::run(Node node, const std::string& cmd) {
  return RunArgv({"ip", "netns", "exec", ns(node), "sh", "-c", cmd}, std::chrono::seconds(30));
}

void Lab::must(Node node, const std::string& cmd) {
  const CmdResult r = run(node, cmd);
  if (r.exit_code != 0) {
    throw std::runtime_error("lab step failed in " + ns(node) + ": " + cmd + " (exit " +
                             std::to_string(r.exit_code) + "): " + r.stderr_text);
  }
}

pid_t Lab::spawn(Node node, const std::string& cmd, const std::string& log_name) {
  const std::string log_path = scratch_dir_ + "/" + log_name + ".log";
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot create " + log_path);
  // `exec` so the tracked pid is the service itself (SIGSTOP in tests must reach dnsmasq).
  const std::vector<std::string> argv = {"ip", "netns", "exec",       ns(node),
                                         "sh", "-c",    "exec " + cmd};
  const auto c_argv = CArgv(argv);
  const pid_t pid = fork();
  if (pid == 0) ExecChild(c_argv, log_fd, log_fd);
  close(log_fd);
  if (pid < 0) throw std::runtime_error("fork failed: " + std::string(std::strerror(errno)));
  setpgid(pid, pid);
  spawned_.push_back(pid);
  return pid;
}

void Lab::stop(pid_t pid) {
  const auto it = std::find(spawned_.begin(), spawned_.end(), pid);
  if (it == spawned_.end()) return;
  kill(-pid, SIGCONT);
  kill(-pid, SIGKILL);
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  // Reaped: teardown must not signal a process group id the kernel may hand out again.
  spawned_.erase(it);
}

void Lab::nft(Node node, const std::string& chains) {
  const std::string path = scratch_dir_ + "/nft-" + ns(node) + ".conf";
  {
    std::ofstream f(path);
    // Declaring, deleting and re-adding the table makes the file replace any earlier rules.
    f << "table inet " << kNftTable << "\ndelete table inet " << kNftTable << "\ntable inet "
      << kNftTable << " {\n"
      << chains << "\n}\n";
  }
  must(node, "nft -f " + path);
}

std::string Lab::netprobe(const std::string& args, const std::vector<std::string>& prefix) {
  // `exec` so the probe itself gets the parent-death signal, not just the shell.
  const std::string cmd =
      "exec " + Join(prefix) + " " + Python3() + " " + kTools + "/netprobe.py " + args;
  const CmdResult r = run(Node::kProber, cmd);
  if (r.exit_code != 0) return "netprobe failed: " + Trim(r.stdout_text + r.stderr_text);
  return Trim(r.stdout_text);
}

CheckRun Lab::check(const std::vector<std::string>& args, const std::vector<std::string>& prefix) {
  std::vector<std::string> argv = {"ip", "netns", "exec", ns(Node::kProber)};
  argv.insert(argv.end(), prefix.begin(), prefix.end());
  argv.insert(argv.end(), {REACHPROBE_BINARY, "check"});
  argv.insert(argv.end(), args.begin(), args.end());

  const auto start = Clock::now();
  // Far above any scenario's --timeout: only a hung binary is killed here.
  CmdResult r = RunArgv(argv, std::chrono::seconds(30));
  CheckRun out;
  out.elapsed_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  out.exit_code = r.exit_code;
  out.stdout_text = std::move(r.stdout_text);
  out.stderr_text = std::move(r.stderr_text);
  if (std::find(args.begin(), args.end(), "--json") != args.end()) {
    out.json = nlohmann::json::parse(out.stdout_text, nullptr, /*allow_exceptions=*/false);
    if (out.json.is_discarded()) out.json = nullptr;
  }
  return out;
}

void Lab::Build() {
  std::string dir_template = "/tmp/" + prefix_ + "XXXXXX";
  if (mkdtemp(dir_template.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  scratch_dir_ = dir_template;

  auto ip = [](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"ip"};
    argv.insert(argv.end(), args.begin(), args.end());
    const CmdResult r = RunArgv(argv, std::chrono::seconds(10));
    if (r.exit_code != 0) throw std::runtime_error(Join(argv) + ": " + r.stderr_text);
  };
  for (const char* role : kRoles) {
    const std::string name = prefix_ + role;
    ip({"netns", "add", name});
    namespaces_.push_back(name);
    ip({"-n", name, "link", "set", "lo", "up"});
  }
  const std::string& prober = ns(Node::kProber);
  const std::string& r1 = ns(Node::kR1);
  const std::string& r2 = ns(Node::kR2);
  const std::string& target = ns(Node::kTarget);

  // Each pair is created straight into its two namespaces: no host-side names to collide.
  ip({"link", "add", kProberLink, "netns", prober, "type", "veth", "peer", "name", "r1p", "netns",
      r1});
  ip({"link", "add", "r1r2", "netns", r1, "type", "veth", "peer", "name", "r2r1", "netns", r2});
  ip({"link", "add", kR2TargetLink, "netns", r2, "type", "veth", "peer", "name", kTargetLink,
      "netns", target});

  struct Addr {
    const std::string& ns;
    const char* dev;
    const char* cidr;
  };
  for (const Addr& a :
       {Addr{prober, kProberLink, "198.18.1.2/24"}, Addr{r1, "r1p", "198.18.1.1/24"},
        Addr{r1, "r1r2", "198.18.2.1/24"}, Addr{r2, "r2r1", "198.18.2.2/24"},
        Addr{r2, kR2TargetLink, "198.18.3.1/24"}, Addr{target, kTargetLink, "198.18.3.2/24"}}) {
    ip({"-n", a.ns, "addr", "add", a.cidr, "dev", a.dev});
    ip({"-n", a.ns, "link", "set", a.dev, "up"});
  }
  ip({"-n", prober, "route", "add", "default", "via", "198.18.1.1"});
  ip({"-n", r1, "route", "add", "198.18.3.0/24", "via", "198.18.2.2"});
  ip({"-n", r2, "route", "add", "default", "via", "198.18.2.1"});
  ip({"-n", target, "route", "add", "default", "via", "198.18.3.1"});
  // Dual stack: the same links in 2001:2::/48 (RFC 5180), 2001:2:0:N::/64 for 198.18.N.0/24,
  // without duplicate address detection so the addresses are usable at once.
  for (const Addr& a :
       {Addr{prober, kProberLink, "2001:2:0:1::2/64"}, Addr{r1, "r1p", "2001:2:0:1::1/64"},
        Addr{r1, "r1r2", "2001:2:0:2::1/64"}, Addr{r2, "r2r1", "2001:2:0:2::2/64"},
        Addr{r2, kR2TargetLink, "2001:2:0:3::1/64"},
        Addr{target, kTargetLink, "2001:2:0:3::2/64"}}) {
    ip({"-n", a.ns, "addr", "add", a.cidr, "dev", a.dev, "nodad"});
  }
  ip({"-n", prober, "-6", "route", "add", "default", "via", "2001:2:0:1::1"});
  ip({"-n", r1, "-6", "route", "add", "2001:2:0:3::/64", "via", "2001:2:0:2::2"});
  ip({"-n", r2, "-6", "route", "add", "default", "via", "2001:2:0:2::1"});
  ip({"-n", target, "-6", "route", "add", "default", "via", "2001:2:0:3::1"});

  // No ICMP rate limit on the routers: traceroute hops and unreachables must never go missing.
  for (Node router : {Node::kR1, Node::kR2}) {
    must(router,
         "sysctl -qw net.ipv4.ip_forward=1 net.ipv4.icmp_ratelimit=0 "
         "net.ipv6.conf.all.forwarding=1 net.ipv6.icmp.ratelimit=0");
  }
  // Ping sockets are closed ("1 0") in every new namespace, even for root; open them.
  must(Node::kProber, "sysctl -qw net.ipv4.ping_group_range='0 2147483647'");

  // --local=/lab/ makes unknown *.lab names NXDOMAIN; noaddr.lab exists without an address
  // (NOERROR, no A); a name outside every local zone is REFUSED as there is no upstream.
  // --host-record rather than --address: with --address=/target.lab/IPv4 and --local=/lab/,
  // dnsmasq 2.90 answers AAAA target.lab with NXDOMAIN, which would poison ip6-first resolvers.
  // --user/--group=root keep the parent-death signal (cleared when a process changes uid/gid).
  const std::string dnsmasq =
      "dnsmasq --keep-in-foreground --no-resolv --no-hosts --conf-file=/dev/null "
      "--bind-interfaces --listen-address=198.18.1.1 --port=53 --user=root --group=root "
      "--log-queries --log-facility=- --host-record=target.lab,198.18.3.2 "
      // The web lab's names: its certificates are issued for web.lab and other.lab.
      "--host-record=web.lab,198.18.3.2 --host-record=other.lab,198.18.3.2 --local=/lab/ "
      // Dual-stack names for the IPv6 scenarios (target.lab stays IPv4 only: an AAAA there
      // would move every IPv4 scenario to IPv6, the preferred family).
      "--host-record=dual.lab,198.18.3.2,2001:2:0:3::2 --host-record=v6.lab,2001:2:0:3::2 "
      // A name that points at r2 (198.18.2.2), outside the allow-list tests' CIDRs.
      "--host-record=rebind.lab,198.18.2.2 "
      "--txt-record=noaddr.lab,'no address here' "
      // blackbox's example.yml dns modules ask for www.prometheus.io A and the prometheus.io
      // SOA: lab-only data (the address is loopback, never contacted). Authoritative for that
      // zone without an interface, dnsmasq serves the SOA through its normal service and
      // answers every other name as before.
      "--host-record=www.prometheus.io,127.0.0.1 --auth-server=ns.prometheus.io "
      "--auth-zone=prometheus.io --auth-soa=2026120201 --pid-file=" +
      scratch_dir_ + "/dnsmasq.pid";
  dnsmasq_pid_ = spawn(Node::kR1, dnsmasq, "dnsmasq");
  listeners_pid_ = spawn(Node::kTarget,
                         Python3() + " " + kTools + "/lab_server.py 198.18.3.2 22 80", "listeners");
  listeners6_pid_ = spawn(
      Node::kTarget, Python3() + " " + kTools + "/lab_server.py 2001:2:0:3::2 22 80", "listeners6");

  const std::string ready = netprobe(
      "wait --tcp 198.18.3.2:22 198.18.3.2:80 [2001:2:0:3::2]:22 [2001:2:0:3::2]:80 "
      "--dns 198.18.1.1 target.lab --timeout 10");
  if (ready != "ready") {
    throw std::runtime_error("lab did not come up: " + ready + "\ndnsmasq log:\n" +
                             ReadFileTail(scratch_dir_ + "/dnsmasq.log") + "\nlisteners log:\n" +
                             ReadFileTail(scratch_dir_ + "/listeners.log"));
  }
}

void Lab::Teardown() noexcept {
  for (const pid_t pid : spawned_) {
    kill(-pid, SIGCONT);  // a stopped process (frozen dnsmasq) must not linger
    kill(-pid, SIGKILL);
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  spawned_.clear();
  for (auto it = namespaces_.rbegin(); it != namespaces_.rend(); ++it) {
    try {
      KillEverythingIn(*it);
      const CmdResult r = RunArgv({"ip", "netns", "del", *it}, std::chrono::seconds(10));
      if (r.exit_code != 0)
        std::cerr << "lab teardown: ip netns del " << *it << ": " << r.stderr_text;
    } catch (const std::exception& e) {
      std::cerr << "lab teardown: " << e.what() << "\n";
    }
  }
  namespaces_.clear();
  if (!scratch_dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(scratch_dir_, ignored);
  }
}

}  // namespace reachprobe::lab
