#include "sshd_fixture.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>

namespace reachprobe::lab {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSshd = "/usr/sbin/sshd";  // sshd re-executes itself: absolute path
// The daemons' ports (in the known_hosts files), then every port the lab waits for.
constexpr std::array<int, 5> kSshdPorts = {kSshHealthy, kSshHungCommand, kSshExit3, kSshStalledAuth,
                                           kSshSntrupOnly};
constexpr std::array<int, 8> kAllPorts = {
    kSshHealthy,    kSshHungCommand, kSshExit3,    kSshStalledAuth,
    kSshSntrupOnly, kTarpit,         kAcceptClose, kHttp};

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

void WriteFile(const std::string& path, const std::string& text, fs::perms mode) {
  ::reachprobe::lab::WriteFile(path, text);
  fs::permissions(path, mode);
}

void AppendLine(const std::string& path, const std::string& line) {
  std::ofstream out(path, std::ios::app);
  out << line << "\n";
  if (!out) throw std::runtime_error("cannot append to " + path);
}

// Random, so a leaked password can be searched for in reachprobe's output without false hits.
std::string RandomSecret(const std::string& prefix) {
  std::random_device rd;
  std::string out = prefix;
  for (int i = 0; i < 24; ++i) out += "0123456789abcdef"[rd() % 16];
  return out;
}

// The smallest id >= 4242 that no line of a passwd-format file uses in its third field.
unsigned FreeId(const std::string& path) {
  std::set<unsigned> used;
  std::istringstream lines(ReadFile(path));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string name, pw, id;
    if (std::getline(fields, name, ':') && std::getline(fields, pw, ':') &&
        std::getline(fields, id, ':') && !id.empty() &&
        std::isdigit(static_cast<unsigned char>(id[0]))) {
      used.insert(static_cast<unsigned>(std::stoul(id)));
    }
  }
  unsigned id = 4242;
  while (used.count(id) != 0) ++id;
  return id;
}

void ChownOrThrow(const std::string& path, unsigned uid, unsigned gid) {
  if (lchown(path.c_str(), uid, gid) != 0) throw std::runtime_error("cannot chown " + path);
}

// "ssh-ed25519 AAAA..." from a .pub file (the comment dropped).
std::string PublicKey(const std::string& pub_path) {
  std::istringstream words(ReadFile(pub_path));
  std::string type, blob;
  words >> type >> blob;
  return type + " " + blob;
}

std::string KnownHosts(const std::string& public_key) {
  std::string out;
  for (const int port : kSshdPorts) {
    out += "[" + std::string(kSshHost) + "]:" + std::to_string(port) + " " + public_key + "\n";
  }
  return out;
}

// Config text: one line per element.
std::string Lines(std::initializer_list<std::string> lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

// Settings both daemons share. Every path is absolute under the scratch dir, except the
// user's home-relative authorized_keys.
std::string CommonConfig(const std::string& dir) {
  return Lines({
      "ListenAddress " + std::string(kSshHost),
      "HostKey " + dir + "/ssh_host_ed25519_key",
      "PidFile none",
      // No PAM stack: sshd checks the password against the copied /etc/shadow itself.
      "UsePAM no",
      "PasswordAuthentication yes",
      "KbdInteractiveAuthentication no",
      "PubkeyAuthentication yes",
      // The scratch dir lives under world-writable /tmp, which StrictModes would refuse.
      "StrictModes no",
      "AuthorizedKeysFile .ssh/authorized_keys",
      "AllowUsers " + std::string(kSshUser),
      "UseDNS no",
      // The 50-target scenario opens 25 unauthenticated connections at once; the default
      // 10:30:100 drops connections at random beyond 10.
      "MaxStartups 200",
      "LogLevel VERBOSE",
  });
}

}  // namespace

std::string MissingSshPrerequisite() {
  if (access(kSshd, X_OK) != 0) return "the SSH lab needs /usr/sbin/sshd (openssh-server)";
  for (const char* tool : {"ssh", "ssh-keygen", "openssl", "unshare", "mount", "cp"}) {
    const CmdResult r =
        RunArgv({"sh", "-c", std::string("command -v ") + tool}, std::chrono::seconds(5));
    if (r.exit_code != 0) return std::string("the SSH lab needs '") + tool + "' in PATH";
  }
  return "";
}

SshLab::SshLab(Lab& lab) : lab_(lab), dir_(lab.scratch_dir() + "/ssh") {
  // rptest must reach its home and authorized_keys under the root-owned 0700 scratch dir:
  // sshd reads authorized_keys with the user's uid. 0711 lets it pass without listing.
  fs::permissions(lab_.scratch_dir(),
                  fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  fs::create_directory(dir_);
  fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  GenerateKeys();
  CreateUser();
  WriteConfigs();
  Start();
}

void SshLab::GenerateKeys() {
  auto keygen = [this](const std::string& name) {
    const std::string path = dir_ + "/" + name;
    Must({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "reachprobe-lab-" + name, "-f",
          path});
    return path;
  };
  const std::string host_key = keygen("ssh_host_ed25519_key");
  key_file_ = keygen("client_ed25519");
  wrong_key_file_ = keygen("wrong_client_ed25519");
  const std::string other_host_key = keygen("other_host_ed25519");

  known_hosts_ = dir_ + "/known_hosts";
  WriteFile(known_hosts_, KnownHosts(PublicKey(host_key + ".pub")), fs::perms(0644));
  // Same key type as the real one, so a client sees a changed key, not merely another type.
  wrong_known_hosts_ = dir_ + "/wrong_known_hosts";
  WriteFile(wrong_known_hosts_, KnownHosts(PublicKey(other_host_key + ".pub")), fs::perms(0644));

  // "256 SHA256:... comment (ED25519)"
  std::istringstream words(Must({"ssh-keygen", "-l", "-E", "sha256", "-f", host_key + ".pub"}));
  std::string bits;
  words >> bits >> host_fingerprint_;
}

void SshLab::CreateUser() {
  const std::string etc = dir_ + "/etc";
  // Other processes may add or remove files under /etc while it is copied (cp then exits 1):
  // what sshd needs from it must have arrived.
  Must({"sh", "-c",
        "cp -a /etc '" + etc + "' 2>/dev/null; test -f '" + etc + "/passwd' && test -f '" + etc +
            "/shadow'"});
  const unsigned uid = FreeId(etc + "/passwd");
  const unsigned gid = FreeId(etc + "/group");
  const std::string home = dir_ + "/home/" + kSshUser;
  home_ = home;
  uid_ = uid;
  gid_ = gid;

  password_ = RandomSecret("rp-lab-pw-");
  password_file_ = dir_ + "/password";
  // With a trailing newline, as an operator's `echo pw > file` writes it.
  WriteFile(password_file_, password_ + "\n", fs::perms(0600));
  wrong_password_file_ = dir_ + "/wrong_password";
  wrong_password_ = RandomSecret("rp-lab-wrong-");
  WriteFile(wrong_password_file_, wrong_password_ + "\n", fs::perms(0600));
  // The password reaches openssl on stdin, never in an argv that ps could show.
  const std::string hash = Trim(Must({"sh", "-c", "openssl passwd -6 -stdin < " + password_file_}));

  const std::string user = kSshUser;
  AppendLine(etc + "/passwd", user + ":x:" + std::to_string(uid) + ":" + std::to_string(gid) +
                                  ":reachprobe lab:" + home + ":/bin/sh");
  AppendLine(etc + "/group", user + ":x:" + std::to_string(gid) + ":");
  // Changed 2022, never expires: an expired or locked ("!") entry would refuse every method.
  AppendLine(etc + "/shadow", user + ":" + hash + ":19000:0:99999:7:::");

  fs::create_directories(home + "/.ssh");
  fs::permissions(dir_ + "/home", fs::perms(0755));
  fs::permissions(home, fs::perms(0755));
  fs::permissions(home + "/.ssh", fs::perms(0700));
  WriteFile(home + "/.ssh/authorized_keys", ReadFile(key_file_ + ".pub"), fs::perms(0600));
  for (const std::string& path : {home, home + "/.ssh", home + "/.ssh/authorized_keys"}) {
    ChownOrThrow(path, uid, gid);
  }
}

void SshLab::WriteConfigs() {
  const auto port = [](int p) { return std::to_string(p); };
  const std::string main_config =
      CommonConfig(dir_) +
      Lines({
          "Port " + port(kSshHealthy),
          "Port " + port(kSshHungCommand),
          "Port " + port(kSshExit3),
          "Port " + port(kSshStalledAuth),
          // Match blocks last: everything after a Match line belongs to it.
          "Match LocalPort " + port(kSshHungCommand),
          "  ForceCommand sleep 60",
          "Match LocalPort " + port(kSshExit3),
          "  ForceCommand exit 3",
          // A stalled directory service: the key lookup never returns. /usr/bin/sleep is
          // root-owned on a root-owned path, as sshd demands of the command even with
          // StrictModes off; a script in the scratch dir (under /tmp) would be refused.
          "Match LocalPort " + port(kSshStalledAuth),
          "  AuthorizedKeysFile none",
          "  AuthorizedKeysCommand /usr/bin/sleep 60",
          "  AuthorizedKeysCommandUser " + std::string(kSshUser),
      });
  WriteFile(dir_ + "/sshd_config", main_config, fs::perms(0644));

  // KexAlgorithms is not allowed inside Match, hence a second daemon. libssh 0.10 has no
  // sntrup761, so a libssh client finds no common key exchange; OpenSSH 9.2 does have it.
  WriteFile(dir_ + "/sshd_sntrup_config",
            CommonConfig(dir_) + Lines({"Port " + port(kSshSntrupOnly),
                                        "KexAlgorithms sntrup761x25519-sha512@openssh.com"}),
            fs::perms(0644));
}

void SshLab::SpawnSshd(const std::string& config, const std::string& log_name,
                       const std::string& wrapper) {
  // A private mount namespace: the copied /etc (with rptest) over /etc, and a fresh /run for
  // sshd's privilege separation directory, which the host does not have. `sshd -t` first so
  // a config error lands in the log rather than as a silent missing listener.
  const std::string script = "mount --bind " + dir_ + "/etc /etc && " +
                             "mount -t tmpfs -o mode=0755 tmpfs /run && mkdir /run/sshd && " +
                             kSshd + " -t -f " + config + " && exec " + wrapper +
                             (wrapper.empty() ? "" : " ") + kSshd + " -D -e -f " + config;
  lab_.spawn(Node::kTarget, "unshare --mount --propagation private sh -c '" + script + "'",
             log_name);
}

void SshLab::WaitForPorts(const std::vector<int>& ports, const std::function<std::string()>& logs) {
  std::string wait = "wait --timeout 10 --tcp";
  for (const int port : ports) wait += " " + std::string(kSshHost) + ":" + std::to_string(port);
  const std::string ready = lab_.netprobe(wait);
  if (ready != "ready") throw std::runtime_error("ssh lab did not come up: " + ready + logs());
}

void SshLab::Start() {
  SpawnSshd(dir_ + "/sshd_config", "sshd");
  SpawnSshd(dir_ + "/sshd_sntrup_config", "sshd-sntrup");
  lab_.spawn(Node::kTarget,
             LabToolCommand("lab_server.py") + " " + kSshHost +
                 " tarpit:" + std::to_string(kTarpit) + " close:" + std::to_string(kAcceptClose) +
                 " http:" + std::to_string(kHttp),
             "ssh-peers");
  WaitForPorts(std::vector<int>(kAllPorts.begin(), kAllPorts.end()), [this] { return SshdLogs(); });
}

void SshLab::StartSshd(const std::string& name, const std::string& config,
                       const std::vector<int>& ports, const std::string& wrapper) {
  const std::string path = dir_ + "/sshd_" + name + "_config";
  WriteFile(path, CommonConfig(dir_) + config, fs::perms(0644));
  SpawnSshd(path, name, wrapper);
  WaitForPorts(ports, [this, name] { return "\n--- " + name + " log:\n" + lab_.log_tail(name); });
}

CmdResult SshLab::OpenSsh(int port, const std::vector<std::string>& args,
                          const std::string& command, std::chrono::milliseconds deadline) {
  std::vector<std::string> argv = {"ip",  "netns",    "exec",          lab_.ns(Node::kProber),
                                   "env", "-u",       "SSH_AUTH_SOCK", "ssh",
                                   "-F",  "/dev/null"};
  // The caller's options first: ssh keeps the first value it is given for each option.
  argv.insert(argv.end(), args.begin(), args.end());
  argv.insert(argv.end(),
              {"-o", "BatchMode=yes", "-o", "UserKnownHostsFile=" + known_hosts_, "-o",
               "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes", "-p",
               std::to_string(port), std::string(kSshUser) + "@" + kSshHost, command});
  return RunArgv(argv, deadline);
}

CmdResult SshLab::OpenSshWithKey(int port, const std::string& command,
                                 std::chrono::milliseconds deadline) {
  return OpenSsh(port, {"-i", key_file_, "-o", "IdentitiesOnly=yes"}, command, deadline);
}

CmdResult SshLab::OpenSshWithPassword(int port, const std::string& command) {
  // SSH_ASKPASS_REQUIRE=force makes ssh ask this program instead of a terminal (no sshpass).
  const std::string askpass = dir_ + "/askpass";
  WriteFile(askpass, "#!/bin/sh\nexec cat " + password_file_ + "\n", fs::perms(0700));
  return RunArgv({"ip",
                  "netns",
                  "exec",
                  lab_.ns(Node::kProber),
                  "env",
                  "-u",
                  "SSH_AUTH_SOCK",
                  "SSH_ASKPASS=" + askpass,
                  "SSH_ASKPASS_REQUIRE=force",
                  "ssh",
                  "-F",
                  "/dev/null",
                  "-o",
                  "PubkeyAuthentication=no",
                  "-o",
                  "PreferredAuthentications=password",
                  "-o",
                  "NumberOfPasswordPrompts=1",
                  "-o",
                  "UserKnownHostsFile=" + known_hosts_,
                  "-o",
                  "GlobalKnownHostsFile=/dev/null",
                  "-o",
                  "StrictHostKeyChecking=yes",
                  "-p",
                  std::to_string(port),
                  std::string(kSshUser) + "@" + kSshHost,
                  command},
                 std::chrono::seconds(5));
}

std::string SshLab::SshdLogs() const {
  return "\n--- sshd (2200-2203) log:\n" + lab_.log_tail("sshd") +
         "\n--- sshd (2204, sntrup only) log:\n" + lab_.log_tail("sshd-sntrup") +
         "\n--- non-SSH peers log:\n" + lab_.log_tail("ssh-peers");
}

}  // namespace reachprobe::lab
