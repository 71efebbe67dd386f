// Issue 11 acceptance 2, 3 and 4 against the real `reachprobe serve` with `targets:`,
// `file_sd_configs:` and `scheduler:` (see /work/team/SCHEDULE-SPEC.md):
// - file_sd: a file renamed into the watched directory, rewritten, broken and deleted changes
//   the scheduled keys on /metrics within 2 s although refresh_interval is 5m (only the
//   directory watch can explain that); a broken file keeps its last good keys and counts
//   reachprobe_sd_file_read_errors_total{file}; JSON and YAML both work;
// - reload (POST /-/reload and SIGHUP) is a diff: a key whose interval changes leaves every other
//   key's probe_runs_total running on; a bad `targets:` entry is refused with FILE:LINE (the
//   POST answers 500, the gauge says 0, the old keys keep probing), and at start-up exits 2;
// - shard i/3 over the same 300 keys: three instances probe disjoint sets whose union is all
//   300; shard 3/3 is refused.
// Everything runs in the host namespace on loopback: the exporters listen on 127.0.0.1, the keys
// that must succeed point at accept-and-close listeners the test opens on 127.0.0.1, and the 300
// sharded keys at 127.0.0.1 ports nothing listens on (refused at once; the key set is what counts).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "lab_process.hpp"
#include "netns_fixture.hpp"
#include "serve_fixture.hpp"

#ifndef REACHPROBE_BINARY
#error "REACHPROBE_BINARY must name the reachprobe executable"
#endif

namespace reachprobe::lab {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The contract: a file_sd write or rename shows up on /metrics within 2 s. A scrape that started
// inside the bound may take this long on top of it to be answered.
constexpr auto kSdBound = 2s;
constexpr auto kScrapeMargin = 500ms;
constexpr auto kPollEvery = 100ms;
constexpr auto kStartBound = 15s;  // serve answering /-/healthy after exec
constexpr int kShardKeys = 300;
constexpr int kFirstRefusedPort = 20001;  // below the ephemeral range FreePort() draws from

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

std::string Target(int port) {
  return "127.0.0.1:" + std::to_string(port);
}

// A port on 127.0.0.1 that was free a moment ago (the kernel's pick for port 0).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  close(fd);
  if (!ok) throw std::runtime_error("no free port on 127.0.0.1");
  return ntohs(addr.sin_port);
}

struct Answer {
  int status = 0;  // 0 when curl got no answer
  std::string body;
  std::string error;  // curl's stderr
};

// One HTTP request to 127.0.0.1:<port><path>, with curl.
Answer Http(int port, const std::string& path, bool post = false) {
  std::vector<std::string> argv = {"curl",       "-sS", "--noproxy", "*",
                                   "--max-time", "5",   "-w",        "\n%{http_code}"};
  if (post) argv.insert(argv.end(), {"-X", "POST"});
  argv.push_back("http://127.0.0.1:" + std::to_string(port) + path);
  const CmdResult r = RunArgv(argv, 10s);
  Answer answer;
  answer.error = r.stderr_text;
  const auto newline = r.stdout_text.rfind('\n');
  if (newline == std::string::npos) return answer;
  answer.status = std::atoi(r.stdout_text.c_str() + newline + 1);
  answer.body = r.stdout_text.substr(0, newline);
  return answer;
}

using Labels = std::map<std::string, std::string>;

// The labels of a series key as ParseExposition writes it: name{a="x",b="y"}, values escaped
// (\\, \", \n). Read as a set: the exporter's label order is not part of the contract.
Labels LabelsOf(const std::string& key) {
  Labels labels;
  std::size_t at = key.find('{');
  if (at == std::string::npos) return labels;
  ++at;
  while (at < key.size() && key[at] != '}') {
    const std::size_t eq = key.find('=', at);
    if (eq == std::string::npos) break;
    const std::string name = key.substr(at, eq - at);
    std::string value;
    for (at = eq + 2; at < key.size() && key[at] != '"'; ++at) {
      if (key[at] == '\\' && at + 1 < key.size()) {
        ++at;
        value += key[at] == 'n' ? '\n' : key[at];
      } else {
        value += key[at];
      }
    }
    labels[name] = value;
    at += 1;  // the closing quote
    if (at < key.size() && key[at] == ',') ++at;
  }
  return labels;
}

struct Sample {
  std::string name;
  Labels labels;
  double value = 0;
};

// One scrape of /metrics, read as samples.
struct Metrics {
  int status = 0;
  std::string text;   // as answered, for failure messages
  std::string error;  // curl's or the parser's complaint
  std::vector<Sample> samples;

  // The `target` labels of the probe_runs_total series: the keys this instance schedules.
  std::set<std::string> Targets() const {
    std::set<std::string> targets;
    for (const Sample& s : samples) {
      if (s.name == "probe_runs_total" && s.labels.count("target")) {
        targets.insert(s.labels.at("target"));
      }
    }
    return targets;
  }
  // The series of every family labelled target=`target`.
  std::vector<Sample> WithTarget(const std::string& target) const {
    std::vector<Sample> out;
    for (const Sample& s : samples) {
      const auto it = s.labels.find("target");
      if (it != s.labels.end() && it->second == target) out.push_back(s);
    }
    return out;
  }
  // The first series of `name` carrying all of `labels`; nullopt when there is none.
  std::optional<double> Value(const std::string& name, const Labels& labels = {}) const {
    for (const Sample& s : samples) {
      if (s.name != name) continue;
      bool all = true;
      for (const auto& [label, value] : labels) {
        const auto it = s.labels.find(label);
        all = all && it != s.labels.end() && it->second == value;
      }
      if (all) return s.value;
    }
    return std::nullopt;
  }
  std::optional<double> Runs(const std::string& target) const {
    return Value("probe_runs_total", {{"target", target}});
  }
  // The probe_runs_total series, one per line, for failure messages.
  std::string RunsText() const {
    std::string out;
    for (const Sample& s : samples) {
      if (s.name != "probe_runs_total") continue;
      out += "  " + s.name + "{";
      for (const auto& [label, value] : s.labels) out += label + "=\"" + value + "\",";
      out += "} " + Show(s.value) + "\n";
    }
    return out.empty() ? "  (no probe_runs_total series)\n" : out;
  }
};

Metrics Scrape(int port) {
  Metrics m;
  const Answer answer = Http(port, "/metrics");
  m.status = answer.status;
  m.text = answer.body;
  m.error = answer.error;
  if (m.status != 200) return m;
  try {
    for (const auto& [key, value] : ParseExposition(answer.body)) {
      m.samples.push_back({NameOf(key), LabelsOf(key), value});
    }
  } catch (const std::exception& e) {
    m.error = std::string("unparsable exposition: ") + e.what();
  }
  return m;
}

// `reachprobe serve --config.file <config>` on a free 127.0.0.1 port, started in `dir`.
class Serve {
 public:
  Serve(const std::string& dir, const std::string& name, const std::string& config)
      : port_(FreePort()),
        process_({REACHPROBE_BINARY, "serve", "--config.file", config, "--web.listen-address",
                  "127.0.0.1:" + std::to_string(port_)},
                 dir, dir + "/" + name + ".out", dir + "/" + name + ".err") {}

  // True once /-/healthy answers 200; false when serve exited or never answered.
  bool WaitHealthy() {
    const auto deadline = Clock::now() + kStartBound;
    while (Clock::now() < deadline && process_.Running()) {
      if (Http(port_, "/-/healthy").status == 200) return true;
      std::this_thread::sleep_for(kPollEvery);
    }
    return false;
  }
  Metrics Scrape() const { return lab::Scrape(port_); }
  Answer Reload() const { return Http(port_, "/-/reload", true); }
  void Sighup() const { kill(process_.pid(), SIGHUP); }
  bool Alive() { return process_.Running(); }
  // Everything serve wrote to stderr so far.
  std::string Stderr() const { return process_.Stderr(); }
  // What serve logged, for failure messages.
  std::string Log() const {
    std::string err = process_.Stderr();
    if (err.size() > 6000) err = "..." + err.substr(err.size() - 6000);
    return "\n--- serve on port " + std::to_string(port_) + " logged:\n" + err + "---\n";
  }

 private:
  int port_;
  Process process_;
};

// The outcome of polling /metrics until a condition held.
struct Poll {
  bool met = false;
  double seconds = 0;  // from `since` to the answer of the scrape that met it (or the last one)
  int scrapes = 0;
  Metrics last;
};

// Scrapes every 100 ms, starting no scrape later than `limit` after `since`, until `until` holds.
Poll PollMetrics(const Serve& serve, Clock::time_point since, Clock::duration limit,
                 const std::function<bool(const Metrics&)>& until) {
  Poll poll;
  for (;;) {
    const auto started = Clock::now();
    poll.last = serve.Scrape();
    ++poll.scrapes;
    poll.seconds = Seconds(Clock::now() - since);
    if (poll.last.status == 200 && poll.last.error.empty() && until(poll.last)) {
      poll.met = true;
      return poll;
    }
    if (started + kPollEvery - since > limit) return poll;
    std::this_thread::sleep_until(started + kPollEvery);
  }
}

// What a failed poll saw, for its message.
std::string Seen(const Poll& poll) {
  std::ostringstream out;
  out << "after " << poll.scrapes << " scrapes (" << poll.seconds << " s), the last answered "
      << poll.last.status << " " << poll.last.error << "\n"
      << poll.last.RunsText();
  for (const Sample& s : poll.last.samples) {
    if (s.name.rfind("reachprobe_", 0) == 0) {
      out << "  " << s.name;
      for (const auto& [label, value] : s.labels) out << " " << label << "=" << value;
      out << " " << Show(s.value) << "\n";
    }
  }
  return out.str();
}

// The file_sd contract: met, by a scrape started within 2 s and answered within 0.5 s more.
void ExpectWithinSdBound(const Poll& poll, const std::string& what, const Serve& serve) {
  EXPECT_TRUE(poll.met) << what << " did not show on /metrics within "
                        << Seconds(kSdBound + kScrapeMargin) << " s: " << Seen(poll) << serve.Log();
  EXPECT_LE(poll.seconds, Seconds(kSdBound + kScrapeMargin)) << what;
  std::cout << "[ numbers ] " << what << ": " << poll.seconds << " s\n";
}

bool HasAll(const std::set<std::string>& have, const std::vector<std::string>& want) {
  for (const std::string& t : want) {
    if (!have.count(t)) return false;
  }
  return true;
}

// ["a", "b"] for YAML and JSON alike.
std::string List(const std::vector<std::string>& words) {
  std::string out = "[";
  for (const std::string& w : words) out += (out.size() > 1 ? ", \"" : "\"") + w + "\"";
  return out + "]";
}

// Writes a file beside `path` and renames it over `path`: the way Prometheus asks file_sd files
// to be replaced. The temporary name matches neither `*.json` nor `*.yml`.
void WriteAtomically(const std::string& path, const std::string& text) {
  const fs::path p(path);
  const std::string tmp = (p.parent_path() / ("." + p.filename().string() + ".tmp")).string();
  WriteFile(tmp, text);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("rename " + tmp + ": " + std::strerror(errno));
  }
}

// The 1-based number of the first line of `text` containing `needle`; 0 when none does.
int LineOf(const std::string& text, const std::string& needle) {
  std::istringstream lines(text);
  int number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    if (line.find(needle) != std::string::npos) return number;
  }
  return 0;
}

// The line number in "<path>:<LINE>: " within `text`; nullopt when `text` has no such mention.
std::optional<int> LineNamed(const std::string& text, const std::string& path) {
  for (std::size_t at = text.find(path + ":"); at != std::string::npos;
       at = text.find(path + ":", at + 1)) {
    const std::size_t digits = at + path.size() + 1;
    std::size_t end = digits;
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    if (end > digits && text.compare(end, 2, ": ") == 0) {
      return std::atoi(text.substr(digits, end - digits).c_str());
    }
  }
  return std::nullopt;
}

// `text` says "<path>:<LINE>: reason" with LINE in [first, last] (the lines of the bad entry).
void ExpectFileLine(const std::string& text, const std::string& path, int first, int last,
                    const std::string& what) {
  const std::optional<int> line = LineNamed(text, path);
  ASSERT_TRUE(line.has_value()) << what << ": no \"" << path << ":LINE: \" in:\n" << text;
  EXPECT_GE(*line, first) << what << ": the line named is not the bad entry's\n" << text;
  EXPECT_LE(*line, last) << what << ": the line named is not the bad entry's\n" << text;
}

// The modules and scheduler every config here starts with. The module timeout (1 s) is not
// above any interval used (1 s and up).
std::string Head(const std::string& scheduler_extra = "") {
  return "modules:\n"
         "  tcp_connect: {prober: tcp, timeout: 1s}\n"
         "  tcp_other: {prober: tcp, timeout: 1s}\n"
         "scheduler:\n"
         "  vantage: lab\n" +
         scheduler_extra;
}

// One `targets:` group: four lines, its targets on the first.
struct Group {
  std::vector<std::string> targets;
  std::string module = "tcp_connect";
  std::string interval = "1s";
};

std::string GroupText(const Group& g) {
  return "  - targets: " + List(g.targets) + "\n    module: " + g.module +
         "\n    interval: " + g.interval + "\n    labels: {team: db}\n";
}

std::string TargetsConfig(const std::vector<Group>& groups) {
  std::string yaml = Head() + "targets:\n";
  for (const Group& g : groups) yaml += GroupText(g);
  return yaml;
}

// file_sd over `sd_dir`'s *.json and *.yml. refresh_interval is 5m: within the 2 s of the
// contract only the directory watch can notice a change.
std::string FileSdConfig(const std::string& sd_dir, const std::string& scheduler_extra = "",
                         const std::string& interval = "1s") {
  return Head(scheduler_extra) +
         "file_sd_configs:\n  - files: " + List({sd_dir + "/*.json", sd_dir + "/*.yml"}) +
         "\n    refresh_interval: 5m\n    module: tcp_connect\n    interval: " + interval + "\n";
}

class ScheduleLab : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "the lab suites run as root (run this suite under sudo with the lab lock)";
    }
    dir_ = std::make_unique<TempDir>("rp-schedule");
  }

  std::string Path(const std::string& name) const { return dir_->path() + "/" + name; }
  std::string WriteConfig(const std::string& name, const std::string& text) const {
    WriteFile(Path(name), text);
    return Path(name);
  }
  std::string MakeSdDir() const {
    fs::create_directories(Path("sd"));
    return Path("sd");
  }
  Serve& Launch(const std::string& name, const std::string& config) {
    serves_.push_back(std::make_unique<Serve>(dir_->path(), name, config));
    return *serves_.back();
  }
  // serve started with `config` must refuse it: exit 2, "<config>:LINE: reason" on stderr with
  // LINE in [first, last]. `reachprobe validate` must say the same.
  void ExpectRefusedAtStartup(const std::string& config, int first, int last,
                              const std::string& what) {
    Process serve({REACHPROBE_BINARY, "serve", "--config.file", config, "--web.listen-address",
                   "127.0.0.1:" + std::to_string(FreePort())},
                  dir_->path(), Path("refused.out"), Path("refused.err"));
    const std::optional<int> code = serve.WaitExit(10s);
    ASSERT_TRUE(code.has_value()) << what << ": serve is running with it\n" << serve.Stderr();
    EXPECT_EQ(*code, 2) << what << "\n" << serve.Stderr();
    ExpectFileLine(serve.Stderr(), config, first, last, what + " (serve's stderr)");
    const CmdResult validate =
        RunArgv({REACHPROBE_BINARY, "validate", "--config.file", config}, 10s);
    EXPECT_EQ(validate.exit_code, 2) << what << " (validate)\n" << validate.stderr_text;
    ExpectFileLine(validate.stderr_text, config, first, last, what + " (validate's stderr)");
  }

  // Declared first so that it goes last: the processes die before their directory.
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<Listeners> listeners_;
  std::vector<std::unique_ptr<Serve>> serves_;
};

class FileSdTest : public ScheduleLab {};
class ReloadTest : public ScheduleLab {};
class ShardTest : public ScheduleLab {};

// (a) a file renamed into the directory adds its keys, (b) an in-place rewrite without one
// target removes every series of that key, (c) a broken file keeps the last good keys and counts
// a read error for that file, (d) deleting the file removes its keys; each within 2 s.
TEST_F(FileSdTest, JsonFileRenamedInRewrittenBrokenAndDeletedChangesTheKeysWithin2s) {
  listeners_ = std::make_unique<Listeners>(3);
  const std::vector<std::string> all = {Target(listeners_->ports().at(0)),
                                        Target(listeners_->ports().at(1)),
                                        Target(listeners_->ports().at(2))};
  const std::vector<std::string> kept = {all[0], all[1]};
  const std::string& dropped = all[2];
  const std::string sd = MakeSdDir();
  Serve& serve = Launch("serve", WriteConfig("config.yml", FileSdConfig(sd)));
  ASSERT_TRUE(serve.WaitHealthy()) << serve.Log();
  const Metrics empty = serve.Scrape();
  ASSERT_EQ(empty.status, 200) << empty.error << serve.Log();
  EXPECT_TRUE(empty.Targets().empty()) << "keys before any file_sd file:\n" << empty.RunsText();
  const std::string file = sd + "/targets.json";

  // (a)
  auto since = Clock::now();
  WriteAtomically(file, "[{\"targets\": " + List(all) + ", \"labels\": {\"team\": \"db\"}}]\n");
  Poll added = PollMetrics(serve, since, kSdBound,
                           [&](const Metrics& m) { return HasAll(m.Targets(), all); });
  ExpectWithinSdBound(added, "(a) the keys of a file renamed into the directory", serve);
  ASSERT_TRUE(added.met);
  for (const std::string& target : all) {
    const Labels expected = {
        {"target", target}, {"module", "tcp_connect"}, {"vantage", "lab"}, {"team", "db"}};
    for (const Sample& s : added.last.WithTarget(target)) {
      if (s.name == "probe_runs_total") {
        EXPECT_EQ(s.labels, expected) << "probe_runs_total";
      }
    }
  }
  // Let every key run, so that (b) can show the kept keys' counters are not reset.
  Poll ran = PollMetrics(serve, Clock::now(), 5s, [&](const Metrics& m) {
    for (const std::string& t : all) {
      if (m.Runs(t).value_or(0) < 1) return false;
    }
    return true;
  });
  ASSERT_TRUE(ran.met) << "the keys never ran: " << Seen(ran) << serve.Log();

  // (b) rewritten in place (truncate, write, close), without `dropped`.
  since = Clock::now();
  WriteFile(file, "[{\"targets\": " + List(kept) + ", \"labels\": {\"team\": \"db\"}}]\n");
  Poll removed = PollMetrics(serve, since, kSdBound, [&](const Metrics& m) {
    return m.WithTarget(dropped).empty() && HasAll(m.Targets(), kept);
  });
  ExpectWithinSdBound(removed, "(b) every series of the target a rewrite dropped leaving", serve);
  ASSERT_TRUE(removed.met);
  for (const std::string& t : kept) {
    EXPECT_GE(removed.last.Runs(t).value_or(-1), ran.last.Runs(t).value_or(0))
        << t << ": a key the rewrite kept lost its probe_runs_total\n"
        << removed.last.RunsText();
  }

  // (c) broken JSON naming `dropped`: nothing of it may be taken, the last good keys stay.
  const Labels file_label = {{"file", file}};
  const double errors_before =
      removed.last.Value("reachprobe_sd_file_read_errors_total", file_label).value_or(0);
  since = Clock::now();
  WriteAtomically(file, "[{\"targets\": [\"" + dropped + "\"");
  Poll counted = PollMetrics(serve, since, kSdBound, [&](const Metrics& m) {
    return m.Value("reachprobe_sd_file_read_errors_total", file_label).value_or(0) > errors_before;
  });
  ExpectWithinSdBound(counted, "(c) reachprobe_sd_file_read_errors_total{file} of a broken file",
                      serve);
  EXPECT_EQ(counted.last.Targets(), std::set<std::string>(kept.begin(), kept.end()))
      << "a broken file must keep its last good keys:\n"
      << counted.last.RunsText();
  // ... and they keep probing.
  Poll probing = PollMetrics(serve, Clock::now(), 3s, [&](const Metrics& m) {
    for (const std::string& t : kept) {
      if (m.Runs(t).value_or(0) <= counted.last.Runs(t).value_or(0)) return false;
    }
    return true;
  });
  EXPECT_TRUE(probing.met) << "the last good keys stopped probing: " << Seen(probing)
                           << serve.Log();
  EXPECT_EQ(probing.last.Targets(), std::set<std::string>(kept.begin(), kept.end()))
      << probing.last.RunsText();

  // (d)
  since = Clock::now();
  ASSERT_EQ(unlink(file.c_str()), 0);
  Poll gone = PollMetrics(serve, since, kSdBound, [&](const Metrics& m) {
    for (const std::string& t : all) {
      if (!m.WithTarget(t).empty()) return false;
    }
    return true;
  });
  ExpectWithinSdBound(gone, "(d) every series of a deleted file's keys leaving", serve);
  EXPECT_TRUE(serve.Alive()) << serve.Log();
}

// A YAML file (any name but *.json is YAML) is read the same way; `__param_module` picks a
// group's module, other `__` labels are dropped; deleting the file removes its keys.
TEST_F(FileSdTest, YamlFileAddsKeysWithItsModuleAndLabelsAndDeletingItRemovesThem) {
  listeners_ = std::make_unique<Listeners>(2);
  const std::string first = Target(listeners_->ports().at(0));
  const std::string second = Target(listeners_->ports().at(1));
  const std::string sd = MakeSdDir();
  Serve& serve = Launch("serve", WriteConfig("config.yml", FileSdConfig(sd)));
  ASSERT_TRUE(serve.WaitHealthy()) << serve.Log();
  const std::string file = sd + "/targets.yml";

  auto since = Clock::now();
  WriteAtomically(file, "- targets: [\"" + first +
                            "\"]\n"
                            "  labels:\n    env: yaml\n    __meta_origin: dropped\n"
                            "- targets: [\"" +
                            second +
                            "\"]\n"
                            "  labels:\n    env: yaml\n    __param_module: tcp_other\n");
  Poll added = PollMetrics(serve, since, kSdBound, [&](const Metrics& m) {
    return m.Value("probe_runs_total", {{"target", first}, {"module", "tcp_connect"}}) &&
           m.Value("probe_runs_total", {{"target", second}, {"module", "tcp_other"}});
  });
  ExpectWithinSdBound(added, "the keys of a YAML file renamed into the directory", serve);
  ASSERT_TRUE(added.met);
  EXPECT_EQ(added.last.Targets(), (std::set<std::string>{first, second})) << added.last.RunsText();
  for (const std::string& target : {first, second}) {
    for (const Sample& s : added.last.WithTarget(target)) {
      const auto env = s.labels.find("env");
      EXPECT_TRUE(env != s.labels.end() && env->second == "yaml")
          << s.name << " of " << target << " lacks the group's label env=\"yaml\"";
      for (const auto& [label, value] : s.labels) {
        EXPECT_NE(label.rfind("__", 0), 0u) << s.name << " of " << target << " has " << label;
      }
    }
  }

  since = Clock::now();
  ASSERT_EQ(unlink(file.c_str()), 0);
  Poll gone = PollMetrics(serve, since, kSdBound, [&](const Metrics& m) {
    return m.WithTarget(first).empty() && m.WithTarget(second).empty();
  });
  ExpectWithinSdBound(gone, "every series of a deleted YAML file's keys leaving", serve);
}

// Every key of `targets` ran more often than in `before`, within `limit`.
Poll PollGrowing(const Serve& serve, const std::vector<std::string>& targets, const Metrics& before,
                 Clock::duration limit) {
  return PollMetrics(serve, Clock::now(), limit, [&](const Metrics& m) {
    for (const std::string& t : targets) {
      if (m.Runs(t).value_or(0) <= before.Runs(t).value_or(0)) return false;
    }
    return true;
  });
}

// No key of `targets` went back: its probe_runs_total now is at least what it was.
void ExpectNotReset(const Metrics& now, const Metrics& before,
                    const std::vector<std::string>& targets, const std::string& when) {
  for (const std::string& t : targets) {
    const std::optional<double> was = before.Runs(t);
    const std::optional<double> is = now.Runs(t);
    ASSERT_TRUE(is.has_value()) << t << " left /metrics " << when << "\n" << now.RunsText();
    EXPECT_GE(*is, was.value_or(0))
        << t << "'s probe_runs_total was reset " << when << " (before: " << Show(was) << ")\n"
        << now.RunsText();
  }
}

// A reload is a diff: moving one key into a group of its own with another interval (POST
// /-/reload), then changing that interval again and adding a key (SIGHUP), never resets the
// other keys' counters, and they keep running.
TEST_F(ReloadTest, ChangingOneKeysIntervalLeavesTheOtherKeysCountersRunning) {
  listeners_ = std::make_unique<Listeners>(5);
  const std::vector<std::string> others = {Target(listeners_->ports().at(0)),
                                           Target(listeners_->ports().at(1)),
                                           Target(listeners_->ports().at(2))};
  const std::string changed = Target(listeners_->ports().at(3));
  const std::string added = Target(listeners_->ports().at(4));
  std::vector<std::string> four = others;
  four.push_back(changed);
  const std::string config = WriteConfig("config.yml", TargetsConfig({{four}}));
  Serve& serve = Launch("serve", config);
  ASSERT_TRUE(serve.WaitHealthy()) << serve.Log();
  // Three runs each, so that a reset counter (back to 0, then at most one run) shows.
  Poll warm = PollMetrics(serve, Clock::now(), 8s, [&](const Metrics& m) {
    for (const std::string& t : four) {
      if (m.Runs(t).value_or(0) < 3) return false;
    }
    return true;
  });
  ASSERT_TRUE(warm.met) << "the keys never ran three times: " << Seen(warm) << serve.Log();

  // POST /-/reload.
  WriteConfig("config.yml", TargetsConfig({{others}, {{changed}, "tcp_connect", "2s"}}));
  const Metrics before_post = serve.Scrape();
  const Answer post = serve.Reload();
  EXPECT_EQ(post.status, 200) << post.body << post.error << serve.Log();
  const Metrics after_post = serve.Scrape();
  EXPECT_EQ(after_post.Value("reachprobe_config_last_reload_successful"), 1.0);
  ExpectNotReset(after_post, before_post, others, "by POST /-/reload");
  EXPECT_TRUE(after_post.Runs(changed).has_value())
      << "the key whose interval changed left /metrics\n"
      << after_post.RunsText();
  Poll growing = PollGrowing(serve, others, after_post, 3s);
  EXPECT_TRUE(growing.met) << "the other keys stopped after POST /-/reload: " << Seen(growing)
                           << serve.Log();

  // SIGHUP; the added key shows when the reload is done.
  std::vector<std::string> others_and_added = others;
  others_and_added.push_back(added);
  WriteConfig("config.yml", TargetsConfig({{others_and_added}, {{changed}, "tcp_connect", "3s"}}));
  const Metrics before_hup = serve.Scrape();
  serve.Sighup();
  Poll reloaded = PollMetrics(serve, Clock::now(), 5s,
                              [&](const Metrics& m) { return m.Runs(added).has_value(); });
  ASSERT_TRUE(reloaded.met) << "SIGHUP did not load the new config: " << Seen(reloaded)
                            << serve.Log();
  EXPECT_EQ(reloaded.last.Value("reachprobe_config_last_reload_successful"), 1.0);
  ExpectNotReset(reloaded.last, before_hup, others, "by SIGHUP");
  EXPECT_TRUE(reloaded.last.Runs(changed).has_value()) << reloaded.last.RunsText();
  growing = PollGrowing(serve, others, reloaded.last, 3s);
  EXPECT_TRUE(growing.met) << "the other keys stopped after SIGHUP: " << Seen(growing)
                           << serve.Log();
}

// A bad `targets:` entry: its group (four lines, the bad value in it) after a good group.
struct BadEntry {
  std::string what;
  Group group;
};

std::vector<BadEntry> BadEntries() {
  return {{"an unknown module", {{"127.0.0.1:9"}, "no_such_module", "1s"}},
          {"an unparsable target", {{"300.1.1.1:99999"}, "tcp_connect", "1s"}}};
}

// The lines [first, last] of `bad`'s group in `config_text`.
std::pair<int, int> GroupLines(const std::string& config_text, const Group& bad) {
  const int first = LineOf(config_text, "- targets: " + List(bad.targets));
  return {first, first + 3};
}

// A reload whose `targets:` has a bad entry is refused, by POST (500, FILE:LINE in the body) and
// by SIGHUP (logged): reachprobe_config_last_reload_successful is 0, the running keys keep
// probing and the bad entry's key is not started.
TEST_F(ReloadTest, BadTargetsEntryIsRefusedWithFileLineAndTheRunningKeysKeepProbing) {
  listeners_ = std::make_unique<Listeners>(2);
  const std::vector<std::string> running = {Target(listeners_->ports().at(0)),
                                            Target(listeners_->ports().at(1))};
  const std::string good = TargetsConfig({{running}});
  const std::string config = WriteConfig("config.yml", good);
  Serve& serve = Launch("serve", config);
  ASSERT_TRUE(serve.WaitHealthy()) << serve.Log();
  const std::set<std::string> running_set(running.begin(), running.end());

  for (const BadEntry& bad : BadEntries()) {
    for (const bool by_post : {true, false}) {
      const std::string how = bad.what + (by_post ? " (POST /-/reload)" : " (SIGHUP)");
      // A good reload first, so that the gauge's 0 is this reload's doing.
      WriteConfig("config.yml", good);
      const Answer ok = serve.Reload();
      ASSERT_EQ(ok.status, 200) << ok.body << serve.Log();
      ASSERT_EQ(serve.Scrape().Value("reachprobe_config_last_reload_successful"), 1.0);
      const std::string text = TargetsConfig({{running}, bad.group});
      const auto [first, last] = GroupLines(text, bad.group);
      WriteConfig("config.yml", text);
      const Metrics before = serve.Scrape();
      const std::size_t logged_before = serve.Stderr().size();
      if (by_post) {
        const Answer refused = serve.Reload();
        EXPECT_EQ(refused.status, 500) << how << ": " << refused.body << refused.error;
        ExpectFileLine(refused.body, config, first, last, how + ", the POST's answer");
      } else {
        serve.Sighup();
      }
      Poll gauge = PollMetrics(serve, Clock::now(), 5s, [](const Metrics& m) {
        return m.Value("reachprobe_config_last_reload_successful") == 0.0;
      });
      EXPECT_TRUE(gauge.met) << how << ": reachprobe_config_last_reload_successful is not 0: "
                             << Seen(gauge) << serve.Log();
      if (!by_post) {
        ExpectFileLine(serve.Stderr().substr(logged_before), config, first, last,
                       how + ", what serve logged");
      }
      ASSERT_TRUE(serve.Alive()) << how << serve.Log();
      Poll probing = PollGrowing(serve, running, before, 3s);
      EXPECT_TRUE(probing.met) << how << ": the running keys stopped: " << Seen(probing)
                               << serve.Log();
      EXPECT_EQ(probing.last.Targets(), running_set)
          << how << ": the refused config's keys are scheduled\n"
          << probing.last.RunsText();
    }
  }
}

// The same bad entries (and a module timeout above the interval) refuse start-up: exit 2 with
// "FILE:LINE: reason" on stderr, and `reachprobe validate` agrees.
TEST_F(ReloadTest, BadTargetsEntryAtStartupExits2WithFileLine) {
  std::vector<BadEntry> bad = BadEntries();
  bad.push_back({"a module timeout above the interval", {{"127.0.0.1:9"}, "tcp_connect", "500ms"}});
  for (const BadEntry& entry : bad) {
    const std::string text = TargetsConfig({{{"127.0.0.1:7"}}, entry.group});
    const auto [first, last] = GroupLines(text, entry.group);
    const std::string config = WriteConfig("bad.yml", text);
    ExpectRefusedAtStartup(config, first, last, entry.what);
  }
}

// Shards 0/3, 1/3 and 2/3 over one file of 300 keys: disjoint, and together every key once.
TEST_F(ShardTest, ThreeShardsProbeDisjointSetsCoveringAll300Keys) {
  std::vector<std::string> keys;
  for (int i = 0; i < kShardKeys; ++i) keys.push_back(Target(kFirstRefusedPort + i));
  const std::string sd = MakeSdDir();
  WriteFile(sd + "/all.json", "[{\"targets\": " + List(keys) + "}]\n");
  std::vector<Serve*> shards;
  for (int i = 0; i < 3; ++i) {
    const std::string name = "shard" + std::to_string(i);
    const std::string extra = "  shard: " + std::to_string(i) + "/3\n";
    shards.push_back(&Launch(name, WriteConfig(name + ".yml", FileSdConfig(sd, extra, "5s"))));
  }
  for (Serve* s : shards) ASSERT_TRUE(s->WaitHealthy()) << s->Log();

  // Each instance's key set, once it holds still (its gauge matches its series) and the three
  // together have all 300.
  std::vector<std::set<std::string>> sets(3);
  std::vector<std::optional<double>> gauges(3);
  const auto deadline = Clock::now() + 10s;
  for (;;) {
    std::set<std::string> seen;
    bool settled = true;
    for (std::size_t i = 0; i < 3; ++i) {
      const Metrics m = shards[i]->Scrape();
      sets[i] = m.Targets();
      gauges[i] = m.Value("reachprobe_scheduled_keys");
      settled = settled && gauges[i] == static_cast<double>(sets[i].size());
      seen.insert(sets[i].begin(), sets[i].end());
    }
    if ((settled && seen.size() == keys.size()) || Clock::now() >= deadline) break;
    std::this_thread::sleep_for(kPollEvery);
  }

  std::set<std::string> all;
  for (std::size_t i = 0; i < 3; ++i) {
    std::cout << "[ numbers ] shard " << i << "/3 probes " << sets[i].size() << " keys\n";
    EXPECT_FALSE(sets[i].empty()) << "shard " << i << "/3 has no keys" << shards[i]->Log();
    EXPECT_EQ(gauges[i], static_cast<double>(sets[i].size()))
        << "shard " << i << "/3: reachprobe_scheduled_keys against its probe_runs_total series";
    for (std::size_t j = i + 1; j < 3; ++j) {
      std::vector<std::string> both;
      for (const std::string& t : sets[i]) {
        if (sets[j].count(t)) both.push_back(t);
      }
      EXPECT_TRUE(both.empty()) << "shards " << i << "/3 and " << j << "/3 both probe "
                                << both.size() << " keys, e.g. " << both.front();
    }
    all.insert(sets[i].begin(), sets[i].end());
  }
  EXPECT_EQ(all, std::set<std::string>(keys.begin(), keys.end()))
      << "the three shards together probe " << all.size() << " of " << keys.size() << " keys";
}

// A shard index not below the count (3/3), or a count of 0, is refused at start-up.
TEST_F(ShardTest, ShardIndexNotBelowTheCountIsRefusedAtStartup) {
  const std::string sd = MakeSdDir();
  for (const std::string shard : {"3/3", "0/0"}) {
    const std::string text = FileSdConfig(sd, "  shard: " + shard + "\n");
    const int line = LineOf(text, "shard:");
    const std::string config = WriteConfig("shard.yml", text);
    ExpectRefusedAtStartup(config, line, line, "shard " + shard);
  }
}

}  // namespace
}  // namespace reachprobe::lab
