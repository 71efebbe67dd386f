// Issue 12, acceptance 1 and 2, against the real `reachprobe serve` (see
// /work/team/HISTORY-SPEC.md):
// 1. Headless Chromium renders /status of a serve with 21 scheduled keys in mixed states
//    (loopback ports listening = up, closed = tcp/refused; lab ports and addresses behind an
//    nftables drop = tcp/timeout and icmp/timeout; one label value is `<script>alert(1)
//    </script>`): every row shows its verdict and availability, the filters (state, module,
//    failing layer, label) list exactly the keys they should, the hostile label is text, the
//    page of a failing key has its state, verdict, sentence, ladder and events, and the JSON
//    API says the same. Screenshots land in test-output/status_page/.
// 2. History survives a restart (SIGTERM, then the same file again: old runs in
//    /api/v1/targets/ID/history, the state on /status before the key's first new run); a store
//    in a read-only directory, a corrupt store file and a file held by another instance are
//    each logged (with the path), counted in reachprobe_storage_errors_total and shown in
//    div#storage-banner, while probing goes on; the corrupt file's bytes are never changed.
// The Chromium test runs serve, curl and Chromium inside the lab's prober namespace; the store
// tests run serve in the host namespace on 127.0.0.1 only.
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
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
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

#include <nlohmann/json.hpp>

#include "html_dom.hpp"
#include "lab_process.hpp"
#include "netns_fixture.hpp"
#include "serve_fixture.hpp"

#ifndef REACHPROBE_BINARY
#error "REACHPROBE_BINARY must name the reachprobe executable"
#endif
#ifndef STATUS_PAGE_OUTPUT_DIR
#error "STATUS_PAGE_OUTPUT_DIR must name the folder for the screenshots"
#endif

namespace reachprobe::lab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Labels = std::map<std::string, std::string>;

constexpr const char* kChromium = "/usr/bin/chromium";
constexpr const char* kHostile = "<script>alert(1)</script>";
constexpr const char* kHostileEscaped = "&lt;script&gt;alert(1)&lt;/script&gt;";
constexpr const char* kLabBroken = "the lab itself does not behave as this scenario needs";
constexpr int kLabServePort = 19125;  // inside the prober namespace: nothing else listens there
constexpr auto kPollEvery = 100ms;

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string Rfc3339(double unix_seconds) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

// HISTORY-SPEC's key id, computed here independently: FNV-1a 64 over target, NUL, module.
std::uint64_t KeyHash(const std::string& target, const std::string& module) {
  std::uint64_t hash = 14695981039346656037ull;
  auto mix = [&hash](unsigned char c) {
    hash ^= c;
    hash *= 1099511628211ull;
  };
  for (const char c : target) mix(static_cast<unsigned char>(c));
  mix(0);
  for (const char c : module) mix(static_cast<unsigned char>(c));
  return hash;
}

std::string KeyId(const std::string& target, const std::string& module) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx",
                static_cast<unsigned long long>(KeyHash(target, module)));
  return buffer;
}

// Where in a 60 s interval the key's first run falls (the scheduler's phase: hash mod interval).
double PhaseAt60s(const std::string& target, const std::string& module) {
  return static_cast<double>(KeyHash(target, module) % 60'000'000'000ull) / 1e9;
}

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A port on 127.0.0.1 of the calling namespace that was free a moment ago.
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

// True when a TCP connect to 127.0.0.1:port is refused (nothing listens there).
bool Refused(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool refused =
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno == ECONNREFUSED;
  close(fd);
  return refused;
}

struct Answer {
  int status = 0;  // 0 when curl got no answer
  std::string body;
  std::string error;  // curl's stderr
};

// GET `url` with curl, after `prefix` (e.g. ip netns exec NS).
Answer Http(const std::vector<std::string>& prefix, const std::string& url) {
  const CmdResult r = RunArgv(Concat(prefix, {"curl", "-sS", "--noproxy", "*", "--max-time", "5",
                                              "-w", "\n%{http_code}", url}),
                              10s);
  Answer answer;
  answer.error = r.stderr_text;
  const auto newline = r.stdout_text.rfind('\n');
  if (newline == std::string::npos) return answer;
  answer.status = std::atoi(r.stdout_text.c_str() + newline + 1);
  answer.body = r.stdout_text.substr(0, newline);
  return answer;
}

// How to start one `reachprobe serve`.
struct ServeSpec {
  std::string name;                      // its log files: <dir>/<name>.out, .err
  std::string dir;                       // working directory
  std::string config;                    // --config.file
  std::string storage;                   // --storage.path
  int port = 0;                          // on 127.0.0.1
  std::vector<std::string> wrap;         // argv before the binary (ip netns exec, unshare)
  std::vector<std::string> curl_prefix;  // argv before curl, to reach its 127.0.0.1
};

class Serve {
 public:
  explicit Serve(ServeSpec spec)
      : spec_(std::move(spec)),
        process_(
            Concat(spec_.wrap, {REACHPROBE_BINARY, "serve", "--config.file", spec_.config,
                                "--web.listen-address", "127.0.0.1:" + std::to_string(spec_.port),
                                "--storage.path=" + spec_.storage}),
            spec_.dir, spec_.dir + "/" + spec_.name + ".out",
            spec_.dir + "/" + spec_.name + ".err") {}

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(spec_.port) + path;
  }
  Answer Get(const std::string& path) const { return Http(spec_.curl_prefix, Url(path)); }
  // The JSON of a 200 answer; null otherwise.
  json Json(const std::string& path) const {
    const Answer a = Get(path);
    if (a.status != 200) return nullptr;
    json j = json::parse(a.body, nullptr, false);
    return j.is_discarded() ? json(nullptr) : j;
  }
  Exposition Metrics() const {
    const Answer a = Get("/metrics");
    if (a.status != 200) return {};
    try {
      return ParseExposition(a.body);
    } catch (const std::exception&) {
      return {};
    }
  }
  bool WaitHealthy() {
    const auto deadline = Clock::now() + 15s;
    while (Clock::now() < deadline && process_.Running()) {
      if (Get("/-/healthy").status == 200) return true;
      std::this_thread::sleep_for(kPollEvery);
    }
    return false;
  }
  bool Alive() { return process_.Running(); }
  std::optional<int> Terminate() { return process_.Terminate(15s); }
  std::string Stderr() const { return process_.Stderr(); }
  std::string Log() const {
    std::string err = process_.Stderr();
    if (err.size() > 6000) err = "..." + err.substr(err.size() - 6000);
    return "\n--- serve " + spec_.name + " (port " + std::to_string(spec_.port) + ") logged:\n" +
           err + "---\n";
  }
  const ServeSpec& spec() const { return spec_; }

 private:
  ServeSpec spec_;
  Process process_;
};

// The sum over the series of `name` carrying label target="<target>" (0 when none).
double SumFor(const Exposition& e, const std::string& name, const std::string& target) {
  double sum = 0;
  for (const auto& [series, value] : e) {
    if (NameOf(series) == name && series.find("target=\"" + target + "\"") != std::string::npos) {
      sum += value;
    }
  }
  return sum;
}

std::optional<double> Plain(const Exposition& e, const std::string& name) {
  return Find(e, SeriesKey(name));
}

// Polls every 100 ms until `done` holds or `limit` passed; true when it held.
bool WaitFor(Clock::duration limit, const std::function<bool()>& done) {
  const auto deadline = Clock::now() + limit;
  for (;;) {
    if (done()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kPollEvery);
  }
}

// The text of `row`'s td.<cls>, whitespace squeezed; "<no td.cls>" when it has none.
std::string Cell(const HtmlNode& row, const std::string& cls) {
  const HtmlNode* td = row.first("td", cls);
  return td == nullptr ? "<no td." + cls + ">" : Squeeze(td->text_content());
}

std::string Text(const HtmlNode* node) {
  return node == nullptr ? "<absent>" : Squeeze(node->text_content());
}

// The data-key of every tr.key of a /status page, in page order.
std::vector<std::string> RowKeys(const HtmlDocument& dom) {
  std::vector<std::string> ids;
  for (const HtmlNode* row : dom.select("tr", "key")) ids.push_back(row->attr("data-key"));
  return ids;
}

std::set<std::string> AsSet(const std::vector<std::string>& v) {
  return {v.begin(), v.end()};
}

// One scheduled key of the Chromium scenario and what its row must say.
struct Want {
  std::string target, module;
  Labels labels;  // the group's labels (vantage comes on top)
  bool up = true;
  std::string verdict;  // when down

  std::string id() const { return KeyId(target, module); }
  std::string layer() const { return up ? "" : verdict.substr(0, verdict.find('/')); }
  std::string state() const { return up ? "up" : "down"; }
  std::string shown_verdict() const { return up ? "ok" : verdict; }
  std::string availability() const { return up ? "100 %" : "0 %"; }
};

std::string Describe(const Want& w) {
  return w.target + " " + w.module + " (" + w.id() + ")";
}

// ["a", "b"] for YAML.
std::string List(const std::vector<std::string>& words) {
  std::string out = "[";
  for (const std::string& w : words) out += (out.size() > 1 ? ", \"" : "\"") + w + "\"";
  return out + "]";
}

std::string LabelsYaml(const Labels& labels) {
  std::string out = "{";
  for (const auto& [name, value] : labels) {
    out += (out.size() > 1 ? ", " : "") + name + ": \"" + value + "\"";
  }
  return out + "}";
}

// Headless Chromium, each run with a fresh profile, after `prefix` (the prober namespace).
class Chromium {
 public:
  Chromium(std::vector<std::string> prefix, std::string scratch)
      : prefix_(std::move(prefix)), scratch_(std::move(scratch)) {}

  // The DOM after rendering (stdout of --dump-dom).
  CmdResult DumpDom(const std::string& url) { return Run({"--dump-dom"}, url); }
  CmdResult Screenshot(const std::string& url, const std::string& file) {
    return Run({"--screenshot=" + file, "--window-size=1600,2400"}, url);
  }
  double seconds() const { return seconds_; }
  int runs() const { return runs_; }

 private:
  CmdResult Run(const std::vector<std::string>& action, const std::string& url) {
    const std::string profile = scratch_ + "/chromium-" + std::to_string(++runs_);
    fs::create_directories(profile);
    std::vector<std::string> argv =
        Concat(prefix_,
               {"env", "HOME=" + profile, kChromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile});
    argv = Concat(argv, action);
    argv.push_back(url);
    const auto start = Clock::now();
    CmdResult r = RunArgv(argv, 45s);
    seconds_ += Seconds(Clock::now() - start);
    std::error_code ignored;
    fs::remove_all(profile, ignored);
    return r;
  }

  std::vector<std::string> prefix_;
  std::string scratch_;
  int runs_ = 0;
  double seconds_ = 0;
};

std::string Tail(const std::string& text, std::size_t max = 3000) {
  return text.size() > max ? "..." + text.substr(text.size() - max) : text;
}

bool IsPng(const std::string& file) {
  const std::string bytes = ReadFile(file);
  return bytes.size() > 1000 && bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0;
}

// The lines of `log` that contain every one of `needles`.
std::vector<std::string> LinesWith(const std::string& log,
                                   const std::vector<std::string>& needles) {
  std::vector<std::string> out;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    bool all = true;
    for (const std::string& n : needles) all = all && line.find(n) != std::string::npos;
    if (all) out.push_back(line);
  }
  return out;
}

// j[key] when `j` is an object that has it; null otherwise (never inserts, never throws).
json Field(const json& j, const std::string& key) {
  return j.is_object() && j.contains(key) ? j.at(key) : json();
}
std::string Str(const json& j, const std::string& key) {
  const json f = Field(j, key);
  return f.is_string() ? f.get<std::string>() : "";
}
// NaN when absent or not a number, so that every comparison with it fails.
double Num(const json& j, const std::string& key) {
  const json f = Field(j, key);
  return f.is_number() ? f.get<double>() : std::nan("");
}

// The row of `id` in a /api/v1/targets answer; null when absent.
json RowOf(const json& overview, const std::string& id) {
  if (!overview.is_object() || !overview.contains("targets")) return nullptr;
  for (const json& t : overview["targets"]) {
    if (t.value("id", "") == id) return t;
  }
  return nullptr;
}

class StatusPageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "the lab suites run as root (network namespaces, mount namespaces); run "
                      "this suite under sudo with the lab lock";
    }
    if (access("/usr/bin/curl", X_OK) != 0) GTEST_SKIP() << "the status page suite needs curl";
    dir_ = std::make_unique<TempDir>("rp-status");
    started_ = Clock::now();
  }
  void TearDown() override {
    if (HasFailure()) {
      for (const auto& s : serves_) std::cerr << s->Log();
    }
    serves_.clear();  // the processes go before the namespaces and the directory
    listeners_.reset();
    lab_.reset();
    if (dir_) {
      std::cout << "[ numbers ] " << ::testing::UnitTest::GetInstance()->current_test_info()->name()
                << ": " << Seconds(Clock::now() - started_) << " s\n";
    }
    dir_.reset();
  }

  std::string Path(const std::string& name) const { return dir_->path() + "/" + name; }
  std::string WriteConfig(const std::string& name, const std::string& text) const {
    WriteFile(Path(name), text);
    return Path(name);
  }
  // A serve on a free 127.0.0.1 port of the host namespace.
  Serve& LaunchHost(const std::string& name, const std::string& config, const std::string& storage,
                    const std::vector<std::string>& wrap = {}) {
    ServeSpec spec{name, dir_->path(), config, storage, FreePort(), wrap, {}};
    serves_.push_back(std::make_unique<Serve>(std::move(spec)));
    return *serves_.back();
  }

  // Two keys on the host's loopback, every `interval`: one listening port (up), one refused.
  std::string LoopbackConfig(const std::string& up, const std::string& down,
                             const std::string& interval) const {
    return "modules:\n  tcp_connect: {prober: tcp, timeout: 1s}\nscheduler:\n  vantage: lab\n"
           "targets:\n  - targets: " +
           List({up, down}) + "\n    module: tcp_connect\n    interval: " + interval +
           "\n    labels: {team: store}\n";
  }

  // Store failure checks shared by the read-only, corrupt and locked scenarios: within 5 s a
  // log line at level error naming `storage` (and containing every one of `words`), the error
  // counter above 0, the banner on /status and in the JSON; and probing goes on.
  void ExpectStoreProblemShownAndProbingGoesOn(Serve& serve, const std::string& storage,
                                               const std::vector<std::string>& words,
                                               const std::string& up, const std::string& down) {
    std::vector<std::string> needles = {"level=\"error\"", "path=\"" + storage + "\""};
    needles.insert(needles.end(), words.begin(), words.end());
    const bool logged = WaitFor(5s, [&] { return !LinesWith(serve.Stderr(), needles).empty(); });
    EXPECT_TRUE(logged) << "no log line with all of: " << Join(needles) << serve.Log();
    for (const std::string& line : LinesWith(serve.Stderr(), needles)) {
      std::cout << "[ log ] " << line << "\n";
      break;
    }
    Exposition m;
    const bool counted = WaitFor(5s, [&] {
      m = serve.Metrics();
      return Plain(m, "reachprobe_storage_errors_total").value_or(0) > 0;
    });
    EXPECT_TRUE(counted) << "reachprobe_storage_errors_total = "
                         << Show(Plain(m, "reachprobe_storage_errors_total")) << serve.Log();

    // Probing goes on: both keys run twice more, and their rows on /status follow (last_run).
    const Exposition before = serve.Metrics();
    json rows_before = serve.Json("/api/v1/targets");
    json rows_now;
    const bool growing = WaitFor(6s, [&] {
      const Exposition now = serve.Metrics();
      rows_now = serve.Json("/api/v1/targets");
      for (const std::string& target : {up, down}) {
        const std::string id = KeyId(target, "tcp_connect");
        if (SumFor(now, "probe_runs_total", target) <
            SumFor(before, "probe_runs_total", target) + 2)
          return false;
        const double was = Num(RowOf(rows_before, id), "last_run");
        const double is = Num(RowOf(rows_now, id), "last_run");
        if (!(is > was) && !(std::isnan(was) && !std::isnan(is))) return false;
      }
      return true;
    });
    EXPECT_TRUE(growing) << "probing or the rows stopped with a broken store: "
                         << rows_before.dump() << " -> " << rows_now.dump() << serve.Log();
    Exposition dropped;
    const bool counted_dropped = WaitFor(5s, [&] {
      dropped = serve.Metrics();
      return Plain(dropped, "reachprobe_storage_runs_dropped_total").value_or(0) > 0;
    });
    EXPECT_TRUE(counted_dropped) << "runs that could not be written are not counted: "
                                    "reachprobe_storage_runs_dropped_total = "
                                 << Show(Plain(dropped, "reachprobe_storage_runs_dropped_total"));

    const Answer page = serve.Get("/status");
    ASSERT_EQ(page.status, 200) << page.error << serve.Log();
    const HtmlDocument dom(page.body);
    const HtmlNode* banner = dom.by_id("storage-banner");
    ASSERT_NE(banner, nullptr) << "no div#storage-banner on /status:\n" << Tail(page.body);
    EXPECT_EQ(banner->tag, "div");
    EXPECT_NE(Text(banner).find(storage), std::string::npos)
        << "the banner does not name the file: " << Text(banner);
    std::cout << "[ banner ] " << Text(banner) << "\n";
    std::map<std::string, std::string> states;
    for (const HtmlNode* row : dom.select("tr", "key")) {
      states[row->attr("data-key")] = row->attr("data-state");
    }
    EXPECT_EQ(states[KeyId(up, "tcp_connect")], "up") << Tail(page.body);
    EXPECT_EQ(states[KeyId(down, "tcp_connect")], "down") << Tail(page.body);
    json rows_after = serve.Json("/api/v1/targets");
    EXPECT_TRUE(Field(Field(rows_after, "storage"), "problem").is_string())
        << "JSON storage: " << Field(rows_after, "storage").dump();
  }

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<Lab> lab_;
  std::unique_ptr<Listeners> listeners_;
  std::vector<std::unique_ptr<Serve>> serves_;
  Clock::time_point started_;
};

// ---- acceptance 1: the page in a real browser ----------------------------------------------

// 21 keys: 11 up, 8 tcp-down (5 refused, 3 timeout), 2 icmp-down.
std::vector<Want> ChromiumKeys() {
  std::vector<Want> keys;
  const Labels web = {{"team", "web"}};
  const Labels db = {{"team", "db"}, {"tier", "gold"}};
  const Labels net = {{"team", "net"}};
  const Labels filtered = {{"team", "net"}, {"tier", "bronze"}};
  const Labels hostile = {{"team", "web"}, {"owner", kHostile}};
  for (int p = 21001; p <= 21006; ++p) {
    keys.push_back({"127.0.0.1:" + std::to_string(p), "tcp_connect", web, true, ""});
  }
  for (int p = 21101; p <= 21104; ++p) {
    keys.push_back({"127.0.0.1:" + std::to_string(p), "tcp_connect", db, false, "tcp/refused"});
  }
  keys.push_back({"198.18.3.2:22", "tcp_icmp", net, true, ""});
  keys.push_back({"198.18.3.2:80", "tcp_icmp", net, true, ""});
  for (int p = 81; p <= 83; ++p) {
    keys.push_back({"198.18.3.2:" + std::to_string(p), "tcp_icmp", filtered, false, "tcp/timeout"});
  }
  keys.push_back({"198.18.3.2", "icmp", net, true, ""});
  keys.push_back({"198.18.1.1", "icmp", net, true, ""});
  keys.push_back({"198.18.3.3", "icmp", net, false, "icmp/timeout"});
  keys.push_back({"198.18.3.4", "icmp", net, false, "icmp/timeout"});
  keys.push_back({"127.0.0.1:21007", "tcp_connect", hostile, true, ""});
  keys.push_back({"127.0.0.1:21105", "tcp_connect", hostile, false, "tcp/refused"});
  return keys;
}

// One `targets:` group per run of keys with the same module and labels.
std::string ChromiumConfig(const std::vector<Want>& keys) {
  std::string yaml =
      "modules:\n"
      "  tcp_connect: {prober: tcp, timeout: 1s}\n"
      "  tcp_icmp: {prober: tcp, timeout: 1s, layers: [icmp, tcp]}\n"
      "  icmp: {prober: icmp, timeout: 1s}\n"
      "scheduler:\n  vantage: lab\ntargets:\n";
  for (std::size_t i = 0; i < keys.size();) {
    std::vector<std::string> targets;
    std::size_t j = i;
    for (; j < keys.size() && keys[j].module == keys[i].module && keys[j].labels == keys[i].labels;
         ++j) {
      targets.push_back(keys[j].target);
    }
    yaml += "  - targets: " + List(targets) + "\n    module: " + keys[i].module +
            "\n    interval: 2s\n    labels: " + LabelsYaml(keys[i].labels) + "\n";
    i = j;
  }
  return yaml;
}

// "11 up, 10 down (failing at icmp: 2, tcp: 8)", as p#summary must read.
std::string ExpectedSummary(const std::vector<Want>& keys) {
  int up = 0, down = 0;
  std::map<std::string, int> by_layer;
  for (const Want& w : keys) {
    if (w.up) {
      ++up;
    } else {
      ++down;
      ++by_layer[w.layer()];
    }
  }
  std::string text = std::to_string(up) + " up, " + std::to_string(down) + " down";
  if (!by_layer.empty()) {
    text += " (failing at";
    bool first = true;
    for (const auto& [layer, n] : by_layer) {
      text += std::string(first ? " " : ", ") + layer + ": " + std::to_string(n);
      first = false;
    }
    text += ")";
  }
  return text;
}

TEST_F(StatusPageTest, ChromiumRendersRowsFiltersEscapedLabelsAndTheKeyPage) {
  if (access(kChromium, X_OK) != 0) {
    GTEST_SKIP() << "headless Chromium (" << kChromium
                 << ", Debian package chromium) is not installed: the browser checks cannot run";
  }
  if (const std::string why = MissingPrerequisite(); !why.empty()) GTEST_SKIP() << why;
  const std::string out_dir = STATUS_PAGE_OUTPUT_DIR;
  fs::create_directories(out_dir);

  lab_ = std::make_unique<Lab>();
  Lab& lab = *lab_;
  // Two more addresses on the target, silent behind the drop (answering ARP, so no router
  // says unreachable); ports 81-83 of 198.18.3.2 dropped while the host answers ICMP.
  lab.must(Node::kTarget, "ip addr add 198.18.3.3/24 dev tr && ip addr add 198.18.3.4/24 dev tr");
  lab.nft(Node::kTarget,
          "chain input { type filter hook input priority 0; policy accept; "
          "ip daddr { 198.18.3.3, 198.18.3.4 } drop; tcp dport 81-83 drop; }");
  // Loopback listeners in the prober namespace, where serve runs.
  std::string ports;
  for (int p = 21001; p <= 21007; ++p) ports += " " + std::to_string(p);
  lab.spawn(Node::kProber, LabToolCommand("lab_server.py") + " 127.0.0.1" + ports, "loopback");
  std::string wait_list;
  for (int p = 21001; p <= 21007; ++p) wait_list += " 127.0.0.1:" + std::to_string(p);
  ASSERT_EQ(lab.netprobe("wait --tcp" + wait_list + " --timeout 10"), "ready") << kLabBroken;
  ASSERT_EQ(lab.netprobe("tcp 127.0.0.1 21101 --timeout 0.5"), "refused") << kLabBroken;
  ASSERT_EQ(lab.netprobe("tcp 198.18.3.2 22"), "connected") << kLabBroken;
  ASSERT_EQ(lab.netprobe("tcp 198.18.3.2 81 --timeout 0.5"), "timeout") << kLabBroken;
  ASSERT_EQ(lab.run(Node::kProber, "ping -n -c 1 -W 1 198.18.3.2").exit_code, 0) << kLabBroken;
  ASSERT_NE(lab.run(Node::kProber, "ping -n -c 1 -W 1 198.18.3.3").exit_code, 0) << kLabBroken;

  const std::vector<Want> keys = ChromiumKeys();
  ASSERT_GE(keys.size(), 20u);
  const std::vector<std::string> in_ns = {"ip", "netns", "exec", lab.ns(Node::kProber)};
  const double serve_started = UnixNow();
  serves_.push_back(std::make_unique<Serve>(
      ServeSpec{"serve", dir_->path(), WriteConfig("config.yml", ChromiumConfig(keys)),
                Path("history.db"), kLabServePort, in_ns, in_ns}));
  Serve& serve = *serves_.back();
  ASSERT_TRUE(serve.WaitHealthy()) << serve.Log();

  // Every key settled in its state (each has run at least once), as the JSON API tells.
  json overview;
  std::string unsettled;
  const auto settle_start = Clock::now();
  const bool settled = WaitFor(15s, [&] {
    overview = serve.Json("/api/v1/targets?per_page=1000");
    unsettled.clear();
    for (const Want& w : keys) {
      json row = RowOf(overview, w.id());
      if (!row.is_object() || row.value("state", "") != w.state() ||
          row.value("verdict", "") != (w.up ? "" : w.verdict)) {
        unsettled += "  " + Describe(w) + ": " + (row.is_object() ? row.dump() : "absent") + "\n";
      }
    }
    return unsettled.empty();
  });
  ASSERT_TRUE(settled) << "keys not in their expected state after 15 s:\n"
                       << unsettled << serve.Log();
  std::cout << "[ numbers ] all " << keys.size() << " keys settled "
            << Seconds(Clock::now() - settle_start) << " s after /-/healthy\n";

  // -- JSON: the counts, states and verdicts.
  int up = 0, down = 0;
  std::map<std::string, int> by_layer;
  for (const Want& w : keys) {
    (w.up ? up : down) += 1;
    if (!w.up) ++by_layer[w.layer()];
  }
  EXPECT_EQ(overview["summary"]["up"], up) << overview["summary"].dump();
  EXPECT_EQ(overview["summary"]["down"], down) << overview["summary"].dump();
  EXPECT_EQ(overview["summary"]["unknown"], 0) << overview["summary"].dump();
  EXPECT_EQ(overview["summary"]["down_by_layer"], json(by_layer)) << overview["summary"].dump();
  EXPECT_EQ(overview["total"], keys.size());
  EXPECT_EQ(overview["targets"].size(), keys.size());
  EXPECT_TRUE(overview["storage"]["problem"].is_null()) << overview["storage"].dump();
  for (const Want& w : keys) {
    json row = RowOf(overview, w.id());
    ASSERT_TRUE(row.is_object()) << Describe(w);
    EXPECT_EQ(row["target"], w.target);
    EXPECT_EQ(row["module"], w.module);
    for (const auto& [name, value] : w.labels) {
      EXPECT_EQ(row["labels"].value(name, "<absent>"), value) << Describe(w) << " " << row.dump();
    }
    const double avail = w.up ? 1.0 : 0.0;
    EXPECT_EQ(row["availability"]["1h"], avail) << Describe(w) << " " << row.dump();
    EXPECT_EQ(row["availability"]["24h"], avail) << Describe(w) << " " << row.dump();
    EXPECT_TRUE(row["since"].is_number() && row["last_run"].is_number()) << row.dump();
    if (!w.up) {
      EXPECT_FALSE(row.value("summary", "").empty()) << Describe(w) << " has no sentence";
    }
  }

  // -- The overview in Chromium.
  Chromium chromium(in_ns, dir_->path());
  const CmdResult dumped = chromium.DumpDom(serve.Url("/status"));
  ASSERT_EQ(dumped.exit_code, 0) << Tail(dumped.stderr_text);
  const HtmlDocument dom(dumped.stdout_text);
  const auto rows = dom.select("tr", "key");
  ASSERT_EQ(rows.size(), keys.size()) << Tail(dumped.stdout_text, 6000);
  EXPECT_EQ(Text(dom.by_id("summary")), ExpectedSummary(keys));
  EXPECT_EQ(Text(dom.by_id("matched")), std::to_string(keys.size()) + " matching, page 1 of 1");
  // One instance probes from one vantage: said once above the table, not in every row.
  EXPECT_EQ(Text(dom.by_id("vantage")), "Probed from vantage lab");
  EXPECT_EQ(dom.by_id("storage-banner"), nullptr)
      << "a banner with a healthy store: " << Text(dom.by_id("storage-banner"));
  std::map<std::string, const HtmlNode*> row_of;
  std::map<std::string, std::size_t> position;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    row_of[rows[i]->attr("data-key")] = rows[i];
    position[rows[i]->attr("data-key")] = i;
  }
  std::size_t last_down = 0, first_up = rows.size();
  for (const Want& w : keys) {
    const auto it = row_of.find(w.id());
    ASSERT_NE(it, row_of.end()) << "no tr.key[data-key=" << w.id() << "] for " << Describe(w);
    const HtmlNode& row = *it->second;
    const std::string who = Describe(w);
    EXPECT_EQ(row.attr("data-state"), w.state()) << who;
    EXPECT_EQ(row.attr("data-module"), w.module) << who;
    EXPECT_EQ(row.attr("data-layer"), w.layer()) << who;
    EXPECT_EQ(Cell(row, "state"), w.state()) << who;
    EXPECT_EQ(Cell(row, "verdict"), w.shown_verdict()) << who;
    EXPECT_EQ(Cell(row, "avail-1h"), w.availability()) << who;
    EXPECT_EQ(Cell(row, "avail-24h"), w.availability()) << who;
    EXPECT_EQ(Cell(row, "module"), w.module) << who;
    EXPECT_EQ(Cell(row, "target"), w.target) << who;
    const HtmlNode* link =
        row.first("td", "target") ? row.first("td", "target")->first("a") : nullptr;
    ASSERT_NE(link, nullptr) << who;
    const std::string href = link->attr("href");
    EXPECT_TRUE(href.size() >= 23 && href.compare(href.size() - 23, 23, "status/" + w.id()) == 0)
        << who << ": href=" << href;
    const std::string labels = Cell(row, "labels");
    for (const auto& [name, value] : w.labels) {
      EXPECT_NE(labels.find(name + "=" + value), std::string::npos) << who << ": " << labels;
    }
    EXPECT_EQ(labels.find("vantage="), std::string::npos) << who << ": " << labels;
    EXPECT_NE(Cell(row, "since"), "-") << who;
    EXPECT_NE(row.first("svg", "strip"), nullptr) << who << ": no svg.strip timeline";
    const HtmlNode* verdict = row.first("td", "verdict");
    if (!w.up && verdict != nullptr) {
      EXPECT_FALSE(verdict->attr("title").empty()) << who << ": the verdict has no sentence";
    }
    if (w.up) {
      first_up = std::min(first_up, position[w.id()]);
    } else {
      last_down = std::max(last_down, position[w.id()]);
    }
  }
  EXPECT_LT(last_down, first_up) << "rows are not sorted worst first (down before up)";

  // -- The hostile label is text, never markup.
  const Want& hostile = keys.back();
  ASSERT_EQ(hostile.labels.at("owner"), kHostile);
  EXPECT_TRUE(dom.select("script").empty()) << "the rendered DOM has a <script> element";
  EXPECT_NE(dumped.stdout_text.find(kHostileEscaped), std::string::npos)
      << "the DOM does not hold the escaped label text";
  for (const std::string& id : {hostile.id(), KeyId("127.0.0.1:21007", "tcp_connect")}) {
    ASSERT_TRUE(row_of.count(id));
    const HtmlNode* cell = row_of[id]->first("td", "labels");
    ASSERT_NE(cell, nullptr);
    EXPECT_NE(cell->text_content().find(kHostile), std::string::npos) << Text(cell);
    EXPECT_TRUE(cell->select("").empty()) << "td.labels has child elements: " << Text(cell);
  }
  const Answer raw = serve.Get("/status");
  ASSERT_EQ(raw.status, 200);
  EXPECT_NE(raw.body.find(kHostileEscaped), std::string::npos) << "raw HTML lacks the escape";
  EXPECT_EQ(raw.body.find("<script"), std::string::npos) << "raw HTML has a <script";
  EXPECT_EQ(RowOf(overview, hostile.id())["labels"]["owner"], kHostile);

  // -- The filters, in Chromium, and the JSON with the same query.
  struct Filter {
    std::string query;
    std::function<bool(const Want&)> keeps;
  };
  const std::vector<Filter> filters = {
      {"layer=tcp", [](const Want& w) { return w.layer() == "tcp"; }},
      {"layer=icmp", [](const Want& w) { return w.layer() == "icmp"; }},
      {"state=up", [](const Want& w) { return w.up; }},
      {"module=icmp", [](const Want& w) { return w.module == "icmp"; }},
      {"label=team%3Ddb",
       [](const Want& w) { return w.labels.count("team") && w.labels.at("team") == "db"; }},
      {"state=down&module=tcp_connect",
       [](const Want& w) { return !w.up && w.module == "tcp_connect"; }},
  };
  for (const Filter& f : filters) {
    std::set<std::string> want;
    for (const Want& w : keys) {
      if (f.keeps(w)) want.insert(w.id());
    }
    const CmdResult r = chromium.DumpDom(serve.Url("/status?" + f.query));
    ASSERT_EQ(r.exit_code, 0) << f.query << ": " << Tail(r.stderr_text);
    const HtmlDocument filtered(r.stdout_text);
    EXPECT_EQ(AsSet(RowKeys(filtered)), want) << "/status?" << f.query;
    EXPECT_EQ(RowKeys(filtered).size(), want.size()) << "/status?" << f.query << ": a row twice";
    EXPECT_EQ(Text(filtered.by_id("matched")),
              std::to_string(want.size()) + " matching, page 1 of 1")
        << "/status?" << f.query;
    // The summary counts every key, whatever the filter.
    EXPECT_EQ(Text(filtered.by_id("summary")), ExpectedSummary(keys)) << "/status?" << f.query;
    json j = serve.Json("/api/v1/targets?per_page=1000&" + f.query);
    std::set<std::string> ids;
    if (j.is_object()) {
      for (const json& t : j["targets"]) ids.insert(t.value("id", ""));
    }
    EXPECT_EQ(ids, want) << "/api/v1/targets?" << f.query;
    EXPECT_EQ(Num(j, "total"), static_cast<double>(want.size())) << "/api/v1/targets?" << f.query;
  }
  // The form shows the filter it was given.
  {
    const CmdResult r = chromium.DumpDom(serve.Url("/status?layer=tcp&label=team%3Dnet"));
    const HtmlDocument form(r.stdout_text);
    const auto selected = form.root().find_all([](const HtmlNode& n) {
      return n.tag == "option" && n.has_attr("selected") && n.parent != nullptr &&
             n.parent->attr("name") == "layer";
    });
    EXPECT_TRUE(selected.size() == 1 && selected[0]->attr("value") == "tcp")
        << "the layer select does not show tcp";
    const auto inputs = form.root().find_all(
        [](const HtmlNode& n) { return n.tag == "input" && n.attr("name") == "label"; });
    EXPECT_TRUE(inputs.size() == 1 && inputs[0]->attr("value") == "team=net");
    std::set<std::string> want;
    for (const Want& w : keys) {
      if (w.layer() == "tcp" && w.labels.at("team") == "net") want.insert(w.id());
    }
    EXPECT_EQ(AsSet(RowKeys(form)), want) << "layer=tcp and label=team=net together";
  }

  // -- The page of a failing key.
  const Want* failing = nullptr;
  for (const Want& w : keys) {
    if (w.verdict == "tcp/timeout") failing = &w;
  }
  ASSERT_NE(failing, nullptr);
  const CmdResult key_dump = chromium.DumpDom(serve.Url("/status/" + failing->id()));
  ASSERT_EQ(key_dump.exit_code, 0) << Tail(key_dump.stderr_text);
  const HtmlDocument key_dom(key_dump.stdout_text);
  const HtmlNode* state = key_dom.by_id("state");
  ASSERT_NE(state, nullptr) << Tail(key_dump.stdout_text, 6000);
  EXPECT_EQ(state->tag, "p");
  EXPECT_EQ(state->attr("data-state"), "down");
  EXPECT_EQ(Text(state->first("span", "verdict")), failing->verdict) << Text(state);
  EXPECT_NE(Text(key_dom.by_id("key-title")).find(failing->target), std::string::npos)
      << Text(key_dom.by_id("key-title"));
  const HtmlNode* sentence = key_dom.by_id("sentence");
  ASSERT_NE(sentence, nullptr);
  EXPECT_EQ(sentence->tag, "p");
  EXPECT_FALSE(Text(sentence).empty());
  // The sentence of the latest run (its timings differ from run to run).
  EXPECT_EQ(Text(sentence).rfind("TCP SYN to " + failing->target + " got no answer in ", 0), 0u)
      << Text(sentence);
  const HtmlNode* ladder = key_dom.by_id("ladder");
  ASSERT_NE(ladder, nullptr);
  EXPECT_EQ(ladder->tag, "pre");
  EXPECT_NE(ladder->text_content().find("tcp"), std::string::npos) << ladder->text_content();
  const auto events = key_dom.select("tr", "event");
  EXPECT_GE(events.size(), 1u) << "no tr.event on the key page";
  EXPECT_GE(key_dom.select("tr", "change").size(), 1u) << "the first run is a state change";
  EXPECT_GE(key_dom.select("svg", "chart").size(), 4u) << "two pairs of svg.chart";
  const HtmlNode* runs_table = key_dom.by_id("runs");
  ASSERT_NE(runs_table, nullptr);
  EXPECT_GE(runs_table->select("tr").size(), 2u) << "table#runs has no run";
  std::cout << "[ key page ] " << Text(state) << "\n[ key page ] " << Text(sentence) << "\n";

  // -- The key's JSON and history.
  json key_json = serve.Json("/api/v1/targets/" + failing->id());
  ASSERT_TRUE(key_json.is_object());
  EXPECT_EQ(key_json["scheduled"], true);
  EXPECT_EQ(key_json["verdict"], failing->verdict);
  EXPECT_GE(key_json["events"].size(), 1u);
  EXPECT_TRUE(key_json["latest"].is_object()) << key_json["latest"].dump();
  for (const Want* w : {failing, &keys.front()}) {
    json history = serve.Json("/api/v1/targets/" + w->id() + "/history");
    ASSERT_TRUE(history.is_object()) << Describe(*w);
    EXPECT_EQ(history["id"], w->id());
    EXPECT_EQ(history["target"], w->target);
    ASSERT_GE(history["runs"].size(), 1u) << Describe(*w) << ": " << history.dump();
    const double now = UnixNow();
    for (const json& run : history["runs"]) {
      EXPECT_EQ(Field(run, "success"), w->up) << run.dump();
      EXPECT_GE(Num(run, "time"), serve_started - 1) << run.dump();
      EXPECT_LE(Num(run, "time"), now + 1) << run.dump();
      if (!w->up) {
        EXPECT_EQ(Field(run, "verdict"), w->verdict) << run.dump();
      }
    }
    EXPECT_GE(history["events"].size(), 1u) << Describe(*w);
    EXPECT_GE(history["buckets_10m"].size(), 1u) << Describe(*w);
  }
  EXPECT_EQ(serve.Get("/status/0123456789abcdef").status, 404);
  EXPECT_EQ(serve.Get("/api/v1/targets/0123456789abcdef/history").status, 404);
  EXPECT_EQ(serve.Get("/api/v1/targets/" + failing->id() + "/history?from=yesterday").status, 400);
  EXPECT_EQ(serve.Get("/status?state=sideways").status, 400);

  // -- Screenshots, for people to look at.
  const std::vector<std::pair<std::string, std::string>> shots = {
      {"overview.png", "/status"},
      {"filtered-layer-tcp.png", "/status?layer=tcp"},
      {"key-page.png", "/status/" + failing->id()}};
  for (const auto& [file, path] : shots) {
    const std::string png = out_dir + "/" + file;
    std::error_code ignored;
    fs::remove(png, ignored);
    const CmdResult r = chromium.Screenshot(serve.Url(path), png);
    EXPECT_EQ(r.exit_code, 0) << Tail(r.stderr_text);
    EXPECT_TRUE(IsPng(png)) << png << " is not a PNG screenshot";
    std::cout << "[ screenshot ] " << path << " -> " << png << "\n";
  }
  std::cout << "[ numbers ] " << chromium.runs() << " Chromium runs took " << chromium.seconds()
            << " s\n";
  EXPECT_TRUE(serve.Alive()) << serve.Log();
}

// ---- acceptance 2: the store ---------------------------------------------------------------

// Runs before a SIGTERM are in the file after it: the restarted serve shows them in the
// history API and restores each key's state on /status before the key runs again (its first
// run falls 20 s or more into a 60 s interval).
TEST_F(StatusPageTest, HistorySurvivesARestartAndTheStateShowsBeforeTheFirstNewRun) {
  listeners_ = std::make_unique<Listeners>(12);
  std::string up, down;
  for (const int port : listeners_->ports()) {
    const std::string t = "127.0.0.1:" + std::to_string(port);
    if (const double phase = PhaseAt60s(t, "tcp_connect"); phase >= 20 && phase <= 58) {
      up = t;
      break;
    }
  }
  for (int port = 20001; port < 21000 && down.empty(); ++port) {
    const std::string t = "127.0.0.1:" + std::to_string(port);
    const double phase = PhaseAt60s(t, "tcp_connect");
    if (phase >= 20 && phase <= 58 && Refused(port)) down = t;
  }
  ASSERT_FALSE(up.empty() || down.empty()) << "no key with a late first run found";
  const std::string up_id = KeyId(up, "tcp_connect"), down_id = KeyId(down, "tcp_connect");
  const std::string storage = Path("data/history.db");  // data/ does not exist yet
  const double before_start = std::floor(UnixNow()) - 1;

  const std::string config = WriteConfig("config.yml", LoopbackConfig(up, down, "2s"));
  Serve& first = LaunchHost("first", config, storage);
  ASSERT_TRUE(first.WaitHealthy()) << first.Log();
  Exposition runs;
  const bool ran = WaitFor(10s, [&] {
    runs = first.Metrics();
    return SumFor(runs, "probe_runs_total", up) >= 2 && SumFor(runs, "probe_runs_total", down) >= 2;
  });
  ASSERT_TRUE(ran) << "the keys did not run twice" << first.Log();
  json before = first.Json("/api/v1/targets");
  json up_before = RowOf(before, up_id), down_before = RowOf(before, down_id);
  ASSERT_TRUE(up_before.is_object() && down_before.is_object()) << before.dump();
  ASSERT_EQ(up_before["state"], "up");
  ASSERT_EQ(down_before["state"], "down");
  const double runs_up = SumFor(runs, "probe_runs_total", up);
  const double runs_down = SumFor(runs, "probe_runs_total", down);

  // SIGTERM right away: the last second's batch is written on the way out, not lost.
  const std::optional<int> code = first.Terminate();
  ASSERT_TRUE(code.has_value()) << "serve did not exit within 15 s of SIGTERM" << first.Log();
  EXPECT_EQ(*code, 0) << first.Log();
  ASSERT_TRUE(fs::exists(storage)) << storage << " was not created";
  const double restart = UnixNow();

  WriteConfig("config.yml", LoopbackConfig(up, down, "60s"));
  Serve& second = LaunchHost("second", config, storage);
  const auto second_started = Clock::now();
  ASSERT_TRUE(second.WaitHealthy()) << second.Log();
  json after;
  const bool restored = WaitFor(5s, [&] {
    after = second.Json("/api/v1/targets");
    return Str(RowOf(after, up_id), "state") == "up" &&
           Str(RowOf(after, down_id), "state") == "down";
  });
  ASSERT_TRUE(restored) << "the states were not restored from the store: " << after.dump()
                        << second.Log();
  std::cout << "[ numbers ] states restored " << Seconds(Clock::now() - second_started)
            << " s after the restart\n";
  for (const auto& [id, was] : {std::pair{up_id, up_before}, std::pair{down_id, down_before}}) {
    json now = RowOf(after, id);
    EXPECT_EQ(now["verdict"], Field(was, "verdict")) << now.dump();
    EXPECT_NEAR(Num(now, "since"), Num(was, "since"), 0.002)
        << "since moved across the restart: " << was.dump() << " -> " << now.dump();
    ASSERT_TRUE(now["last_run"].is_number()) << now.dump();
    EXPECT_LT(now["last_run"].get<double>(), restart)
        << "the key already ran again (the test needs the state to come from the store)";
    const double avail = id == up_id ? 1.0 : 0.0;
    EXPECT_EQ(now["availability"]["1h"], avail) << now.dump();
    EXPECT_EQ(now["availability"]["24h"], avail) << now.dump();
  }
  const Answer page = second.Get("/status");
  ASSERT_EQ(page.status, 200) << page.error;
  const HtmlDocument dom(page.body);
  std::map<std::string, const HtmlNode*> row_of;
  for (const HtmlNode* row : dom.select("tr", "key")) row_of[row->attr("data-key")] = row;
  ASSERT_TRUE(row_of.count(up_id) && row_of.count(down_id)) << Tail(page.body);
  EXPECT_EQ(row_of[up_id]->attr("data-state"), "up");
  EXPECT_EQ(Cell(*row_of[up_id], "verdict"), "ok");
  EXPECT_EQ(Cell(*row_of[up_id], "avail-1h"), "100 %");
  EXPECT_EQ(Cell(*row_of[up_id], "avail-24h"), "100 %");
  EXPECT_EQ(row_of[down_id]->attr("data-state"), "down");
  EXPECT_EQ(Cell(*row_of[down_id], "verdict"), "tcp/refused");
  EXPECT_EQ(Cell(*row_of[down_id], "avail-1h"), "0 %");
  EXPECT_EQ(Cell(*row_of[down_id], "avail-24h"), "0 %");
  EXPECT_EQ(Text(dom.by_id("summary")), "1 up, 1 down (failing at tcp: 1)");
  EXPECT_EQ(dom.by_id("storage-banner"), nullptr) << Text(dom.by_id("storage-banner"));

  // The runs from before the restart, by Unix seconds and by RFC 3339.
  for (const std::string& from :
       {std::to_string(static_cast<long long>(before_start)), Rfc3339(before_start)}) {
    for (const auto& [id, count] : {std::pair{up_id, runs_up}, std::pair{down_id, runs_down}}) {
      json history = second.Json("/api/v1/targets/" + id + "/history?from=" + from);
      ASSERT_TRUE(history.is_object()) << "history?from=" << from;
      EXPECT_GE(static_cast<double>(history["runs"].size()), count)
          << "fewer runs than /metrics counted before the SIGTERM: " << history.dump();
      for (const json& run : history["runs"]) {
        EXPECT_GE(Num(run, "time"), before_start) << run.dump();
        EXPECT_LT(Num(run, "time"), restart) << "a run after the restart: " << run.dump();
        EXPECT_EQ(Field(run, "success"), id == up_id) << run.dump();
      }
      EXPECT_GE(history["events"].size(), 1u) << history.dump();
    }
  }
  const Answer key_page = second.Get("/status/" + down_id);
  ASSERT_EQ(key_page.status, 200);
  const HtmlDocument key_dom(key_page.body);
  EXPECT_GE(key_dom.select("tr", "event").size(), 1u) << "the restarted key page has no events";
  EXPECT_EQ(key_dom.by_id("state") ? key_dom.by_id("state")->attr("data-state") : "", "down");

  // Everything above came from the store: neither key has run in the second serve yet.
  json last = second.Json("/api/v1/targets");
  for (const std::string& id : {up_id, down_id}) {
    EXPECT_LT(Num(RowOf(last, id), "last_run"), restart)
        << "a key ran during the checks; they may have seen a fresh run, not the store";
  }
}

// A store path in a read-only directory (a read-only tmpfs over it, in a mount namespace of
// serve's own): logged with the path, counted, shown in the banner; probing goes on.
TEST_F(StatusPageTest, ReadOnlyStoreDirectoryIsReportedAndProbingGoesOn) {
  if (access("/usr/bin/unshare", X_OK) != 0) GTEST_SKIP() << "needs unshare (util-linux)";
  listeners_ = std::make_unique<Listeners>(1);
  const std::string up = "127.0.0.1:" + std::to_string(listeners_->ports()[0]);
  const std::string down = "127.0.0.1:" + std::to_string(FreePort());
  const std::string ro = Path("readonly");
  fs::create_directories(ro);
  const std::string storage = ro + "/history.db";
  // `mount` in a private mount namespace (unshare's default propagation): the host never sees
  // the read-only tmpfs, and it goes away with serve.
  const std::vector<std::string> wrap = {
      "unshare", "--mount", "sh", "-c", "mount -t tmpfs -o ro none \"$0\" && exec \"$@\"", ro};
  Serve& serve = LaunchHost("readonly", WriteConfig("config.yml", LoopbackConfig(up, down, "1s")),
                            storage, wrap);
  ASSERT_TRUE(serve.WaitHealthy()) << serve.Log();
  ExpectStoreProblemShownAndProbingGoesOn(serve, storage, {}, up, down);
  const std::optional<int> code = serve.Terminate();
  EXPECT_EQ(code, std::optional<int>(0)) << serve.Log();
  EXPECT_FALSE(fs::exists(storage)) << "the file was created: the read-only mount did not hold";
}

// A corrupt store file (4 KiB that are not SQLite): logged with the path and the way out,
// counted, shown; probing goes on; the file's bytes are the same after serve stopped.
TEST_F(StatusPageTest, CorruptStoreFileIsReportedLeftUntouchedAndProbingGoesOn) {
  listeners_ = std::make_unique<Listeners>(1);
  const std::string up = "127.0.0.1:" + std::to_string(listeners_->ports()[0]);
  const std::string down = "127.0.0.1:" + std::to_string(FreePort());
  const std::string storage = Path("corrupt.db");
  std::string bytes = "this is not a reachprobe history, and not SQLite either\n";
  std::uint32_t x = 12345;
  while (bytes.size() < 4096) {
    x = x * 1103515245u + 12345u;
    bytes += static_cast<char>(x >> 24);
  }
  WriteFile(storage, bytes);
  Serve& serve =
      LaunchHost("corrupt", WriteConfig("config.yml", LoopbackConfig(up, down, "1s")), storage);
  ASSERT_TRUE(serve.WaitHealthy()) << serve.Log();
  ExpectStoreProblemShownAndProbingGoesOn(serve, storage, {"move it away"}, up, down);
  const std::optional<int> code = serve.Terminate();
  EXPECT_EQ(code, std::optional<int>(0)) << serve.Log();
  EXPECT_TRUE(ReadFile(storage) == bytes) << storage << " was changed by serve";
  for (const char* sidecar : {"-wal", "-shm", "-journal"}) {
    if (fs::exists(storage + sidecar)) {
      std::cout << "[ note ] serve left " << storage << sidecar << " ("
                << fs::file_size(storage + sidecar) << " bytes) beside the corrupt file\n";
    }
  }
}

// Two instances on one file: the second is told the file is in use and probes all the same;
// the first keeps writing.
TEST_F(StatusPageTest, SecondInstanceOnTheSameFileIsToldItIsInUseAndProbes) {
  listeners_ = std::make_unique<Listeners>(1);
  const std::string up = "127.0.0.1:" + std::to_string(listeners_->ports()[0]);
  const std::string down = "127.0.0.1:" + std::to_string(FreePort());
  const std::string storage = Path("shared.db");
  const std::string config = WriteConfig("config.yml", LoopbackConfig(up, down, "1s"));
  Serve& first = LaunchHost("first", config, storage);
  ASSERT_TRUE(first.WaitHealthy()) << first.Log();
  const std::string up_id = KeyId(up, "tcp_connect");
  // The first holds the file once its runs are in it.
  const bool writing = WaitFor(6s, [&] {
    json h = first.Json("/api/v1/targets/" + up_id + "/history");
    return h.is_object() && !h["runs"].empty();
  });
  ASSERT_TRUE(writing) << "the first instance never wrote a run" << first.Log();

  Serve& second = LaunchHost("second", config, storage);
  ASSERT_TRUE(second.WaitHealthy()) << second.Log();
  ExpectStoreProblemShownAndProbingGoesOn(second, storage, {"in use by another reachprobe"}, up,
                                          down);
  EXPECT_EQ(Plain(first.Metrics(), "reachprobe_storage_errors_total"), std::optional<double>(0))
      << "the first instance counts store errors" << first.Log();
  const std::size_t stored = first.Json("/api/v1/targets/" + up_id + "/history")["runs"].size();
  const bool still = WaitFor(4s, [&] {
    return first.Json("/api/v1/targets/" + up_id + "/history")["runs"].size() > stored;
  });
  EXPECT_TRUE(still) << "the first instance stopped writing" << first.Log();
}

}  // namespace
}  // namespace reachprobe::lab
