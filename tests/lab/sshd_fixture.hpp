// Real OpenSSH sshd daemons and non-SSH peers in the lab's target namespace (198.18.3.2), for
// running the real reachprobe binary against every SSH failure it must tell apart.
//
// The test user `rptest` exists only inside sshd's private mount namespace: sshd runs under
// `unshare -m` with a copy of the whole /etc bind-mounted over /etc. The machine's own /etc and
// sshd are never touched. The whole directory is bound, not /etc/passwd alone, because other
// processes on this machine rewrite /etc/passwd by rename, which detaches a file bind mount.
//
// Keys, the password and the known_hosts files are generated per SshLab under the lab's scratch
// directory; the daemons are spawn()ed through the Lab, which kills them (and their
// per-connection children) at teardown.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "netns_fixture.hpp"

namespace reachprobe::lab {

// Ports on 198.18.3.2. One sshd serves 2200-2203 with `Match LocalPort` blocks; KexAlgorithms
// is not allowed inside Match, so the sntrup-only behaviour is a second sshd. The Lab's own
// accept-and-close listeners on 22 and 80 stay as they are.
inline constexpr int kSshHealthy = 2200;      // key and password login, commands run normally
inline constexpr int kSshHungCommand = 2201;  // ForceCommand sleep 60
inline constexpr int kSshExit3 = 2202;        // ForceCommand exit 3
inline constexpr int kSshStalledAuth = 2203;  // keys only via an AuthorizedKeysCommand: sleep 60
inline constexpr int kSshSntrupOnly = 2204;   // KexAlgorithms sntrup761x25519-sha512 only
inline constexpr int kTarpit = 2300;          // accepts, never sends, never closes
inline constexpr int kAcceptClose = 2301;     // accepts and closes at once
inline constexpr int kHttp = 2302;            // an HTTP server: answers "400" to an SSH banner
inline constexpr const char* kSshUser = "rptest";
inline constexpr const char* kSshHost = "198.18.3.2";

// Empty when the SSH lab can run here (on top of MissingPrerequisite()); else what is missing.
std::string MissingSshPrerequisite();

class SshLab {
 public:
  // Generates keys, the user and the sshd configs, starts both sshd and the non-SSH peers in
  // the target namespace and waits until every port accepts. Throws std::runtime_error (with
  // sshd's log) when a step fails; whatever was spawned is killed by the Lab's teardown.
  explicit SshLab(Lab& lab);
  SshLab(const SshLab&) = delete;
  SshLab& operator=(const SshLab&) = delete;

  const std::string& key_file() const { return key_file_; }              // in authorized_keys
  const std::string& wrong_key_file() const { return wrong_key_file_; }  // not authorized
  const std::string& password() const { return password_; }
  const std::string& password_file() const { return password_file_; }
  const std::string& wrong_password() const { return wrong_password_; }
  const std::string& wrong_password_file() const { return wrong_password_file_; }
  // Entries for [198.18.3.2]:2200-2204 with the daemons' host key, or with another ed25519 key.
  const std::string& known_hosts() const { return known_hosts_; }
  const std::string& wrong_known_hosts() const { return wrong_known_hosts_; }
  const std::string& host_fingerprint() const { return host_fingerprint_; }  // "SHA256:..."

  // OpenSSH's own client, run in the prober namespace as an independent witness of what the
  // daemons do: `ssh <args...> -p <port> rptest@198.18.3.2 <command>` with no config files,
  // strict host key checking against known_hosts() unless args say otherwise, killed at the
  // deadline (exit code 137).
  CmdResult OpenSsh(int port, const std::vector<std::string>& args, const std::string& command,
                    std::chrono::milliseconds deadline = std::chrono::seconds(5));
  // The same with the key, or with the password (fed through SSH_ASKPASS).
  CmdResult OpenSshWithKey(int port, const std::string& command,
                           std::chrono::milliseconds deadline = std::chrono::seconds(5));
  CmdResult OpenSshWithPassword(int port, const std::string& command);

  // Both daemons' -e logs, for failure messages.
  std::string SshdLogs() const;

  // One more sshd for a scenario of its own (the host layer's): the common settings, user and
  // host key, `config` lines after them (Port lines, extra ListenAddress lines, Match blocks
  // last), started in sshd's private mount namespace after `wrapper` (a command prefix that
  // runs its arguments, e.g. "stuck_fuse.py ... --"); waits until `ports` accept on 198.18.3.2.
  // Its log is SshdLog(name).
  void StartSshd(const std::string& name, const std::string& config, const std::vector<int>& ports,
                 const std::string& wrapper = "");
  std::string SshdLog(const std::string& name) const { return lab_.log_tail(name); }
  // rptest's home directory (under the lab's scratch dir), uid and gid.
  const std::string& home() const { return home_; }
  unsigned uid() const { return uid_; }
  unsigned gid() const { return gid_; }

 private:
  void GenerateKeys();
  void CreateUser();
  void WriteConfigs();
  void Start();
  void SpawnSshd(const std::string& config, const std::string& log_name,
                 const std::string& wrapper = "");
  void WaitForPorts(const std::vector<int>& ports, const std::function<std::string()>& logs);

  Lab& lab_;
  std::string dir_;  // <lab scratch dir>/ssh
  std::string key_file_, wrong_key_file_;
  std::string password_, password_file_, wrong_password_, wrong_password_file_;
  std::string known_hosts_, wrong_known_hosts_;
  std::string host_fingerprint_;
  std::string home_;
  unsigned uid_ = 0, gid_ = 0;
};

}  // namespace reachprobe::lab
