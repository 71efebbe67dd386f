#include "serve_fixture.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#ifndef REACHPROBE_BINARY
#error "REACHPROBE_BINARY must name the reachprobe executable"
#endif

namespace reachprobe::lab {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string Escape(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    out += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  return out;
}

// Reads `"..."` at `at` (which is on the opening quote) and unescapes it; moves `at` past it.
std::string QuotedValue(const std::string& line, std::size_t& at) {
  std::string out;
  for (++at; at < line.size() && line[at] != '"'; ++at) {
    if (line[at] == '\\' && at + 1 < line.size()) {
      ++at;
      out += line[at] == 'n' ? '\n' : line[at];
    } else {
      out += line[at];
    }
  }
  if (at >= line.size()) throw std::runtime_error("unterminated label value: " + line);
  ++at;
  return out;
}

// "a=\"x\",b=\"y\"" from the text after '{' at `at`; moves `at` past the closing '}'.
std::string CanonicalLabels(const std::string& line, std::size_t& at) {
  std::vector<std::pair<std::string, std::string>> labels;
  while (at < line.size() && line[at] != '}') {
    const std::size_t eq = line.find('=', at);
    if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
      throw std::runtime_error("malformed labels: " + line);
    }
    std::string name = line.substr(at, eq - at);
    at = eq + 1;
    labels.emplace_back(std::move(name), QuotedValue(line, at));
    if (at < line.size() && line[at] == ',') ++at;
  }
  if (at >= line.size()) throw std::runtime_error("unterminated labels: " + line);
  ++at;
  std::sort(labels.begin(), labels.end());
  std::string out;
  for (const auto& [name, value] : labels) {
    out += (out.empty() ? "" : ",") + name + "=\"" + Escape(value) + "\"";
  }
  return out;
}

}  // namespace

std::string SeriesKey(const std::string& name, const std::string& labels) {
  return labels.empty() ? name : name + "{" + labels + "}";
}

std::string NameOf(const std::string& series_key) {
  return series_key.substr(0, series_key.find('{'));
}

std::optional<double> Find(const Exposition& e, const std::string& series_key) {
  const auto it = e.find(series_key);
  return it == e.end() ? std::nullopt : std::optional<double>(it->second);
}

std::string Show(const std::optional<double>& v) {
  if (!v) return "-";
  std::ostringstream out;
  out << std::setprecision(12) << *v;
  return out.str();
}

Exposition ParseExposition(const std::string& text) {
  Exposition out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::size_t at = line.find_first_of("{ ");
    if (at == std::string::npos) throw std::runtime_error("no value: " + line);
    const std::string name = line.substr(0, at);
    std::string labels;
    if (line[at] == '{') labels = CanonicalLabels(line, ++at);
    const std::string value = line.substr(line.find_first_not_of(' ', at));
    char* end = nullptr;
    errno = 0;
    const double number = std::strtod(value.c_str(), &end);
    if (end == value.c_str() || errno == ERANGE) throw std::runtime_error("bad value: " + line);
    out[SeriesKey(name, labels)] = number;
  }
  return out;
}

std::string MissingServePrerequisite() {
  for (const char* tool : {kBlackboxBinary, "/usr/bin/prometheus", "/usr/bin/promtool"}) {
    if (access(tool, X_OK) != 0) {
      return std::string("the serve lab needs ") + tool +
             " (Debian packages prometheus-blackbox-exporter and prometheus)";
    }
  }
  if (access("/usr/bin/curl", X_OK) != 0) return "the serve lab needs /usr/bin/curl";
  return "";
}

int PortOf(ServeLab::Exporter which) {
  return which == ServeLab::Exporter::kReachprobe ? kReachprobePort : kBlackboxPort;
}

ServeLab::ServeLab(Lab& lab, const std::string& config)
    : lab_(lab),
      dir_(lab.scratch_dir() + "/serve"),
      netns_etc_("/etc/netns/" + lab.ns(Node::kProber)),
      config_file_(dir_ + "/modules.yml") {
  try {
    fs::create_directories(dir_);
    made_netns_etc_root_ = !fs::exists("/etc/netns");
    fs::create_directories(netns_etc_);
    WriteFile(netns_etc_ + "/resolv.conf", "nameserver 198.18.1.1\n");
    WriteConfig(config);
    const std::string listen =
        " --config.file " + config_file_ + " --web.listen-address 127.0.0.1:";
    lab_.spawn(Node::kProber,
               std::string(REACHPROBE_BINARY) + " serve" + listen + std::to_string(kReachprobePort),
               "serve/reachprobe");
    lab_.spawn(Node::kProber, std::string(kBlackboxBinary) + listen + std::to_string(kBlackboxPort),
               "serve/blackbox");
    WaitHealthy(kReachprobePort, "serve/reachprobe");
    WaitHealthy(kBlackboxPort, "serve/blackbox");
  } catch (...) {
    RemoveResolvConf();  // the destructor does not run for a throwing constructor
    throw;
  }
}

// The processes belong to the Lab, which kills them at its teardown.
ServeLab::~ServeLab() {
  RemoveResolvConf();
}

void ServeLab::RemoveResolvConf() noexcept {
  if (netns_etc_.empty()) return;
  std::error_code ignored;
  fs::remove_all(netns_etc_, ignored);
  if (made_netns_etc_root_) fs::remove("/etc/netns", ignored);  // only if still empty
  netns_etc_.clear();
  made_netns_etc_root_ = false;
}

void ServeLab::WriteConfig(const std::string& text) const {
  WriteFile(config_file_, text);
}

HttpAnswer ServeLab::Request(int port, const std::string& path,
                             const std::vector<std::string>& curl_args) {
  const std::string body_file = dir_ + "/body-" + std::to_string(++requests_);
  std::vector<std::string> argv = {"ip",  "netns",     "exec", lab_.ns(Node::kProber), "curl",
                                   "-sS", "--noproxy", "*",    "--max-time",           "15",
                                   "-o",  body_file,   "-w",   "%{http_code}"};
  argv.insert(argv.end(), curl_args.begin(), curl_args.end());
  argv.push_back("http://127.0.0.1:" + std::to_string(port) + path);
  const CmdResult r = RunArgv(argv, std::chrono::seconds(20));
  HttpAnswer answer;
  answer.status = std::atoi(r.stdout_text.c_str());
  answer.body = ReadFile(body_file);
  answer.error = r.stderr_text;
  std::error_code ignored;
  fs::remove(body_file, ignored);
  return answer;
}

HttpAnswer ServeLab::Probe(Exporter which, const std::string& target, const std::string& module,
                           const std::string& scrape_timeout) {
  return Request(PortOf(which), "/probe",
                 {"-G", "-H", "X-Prometheus-Scrape-Timeout-Seconds: " + scrape_timeout,
                  "--data-urlencode", "target=" + target, "--data-urlencode", "module=" + module});
}

void ServeLab::WaitHealthy(int port, const std::string& log_name) {
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  HttpAnswer last;
  while (Clock::now() < deadline) {
    last = Request(port, "/-/healthy");
    if (last.status == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::runtime_error("127.0.0.1:" + std::to_string(port) + " never answered /-/healthy (" +
                           last.error + ")\n--- log:\n" + lab_.log_tail(log_name));
}

void ServeLab::StartPrometheus(const std::string& config) {
  const std::string file = dir_ + "/prometheus.yml";
  WriteFile(file, config);
  fs::create_directories(dir_ + "/tsdb");
  lab_.spawn(Node::kProber,
             "/usr/bin/prometheus --config.file " + file + " --storage.tsdb.path " + dir_ +
                 "/tsdb --web.listen-address 127.0.0.1:" + std::to_string(kPrometheusPort),
             "serve/prometheus");
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline) {
    if (Request(kPrometheusPort, "/-/ready").status == 200) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  throw std::runtime_error("Prometheus never became ready\n--- log:\n" +
                           lab_.log_tail("serve/prometheus"));
}

CmdResult ServeLab::PromtoolCheckMetrics(const std::string& exposition) const {
  const std::string file = dir_ + "/promtool-input.txt";
  WriteFile(file, exposition);
  return RunArgv({"sh", "-c", "exec /usr/bin/promtool check metrics < " + file},
                 std::chrono::seconds(20));
}

std::string ServeLab::Logs() const {
  std::string out = "\n--- reachprobe serve log:\n" + lab_.log_tail("serve/reachprobe") +
                    "\n--- blackbox_exporter log:\n" + lab_.log_tail("serve/blackbox");
  if (fs::exists(dir_ + "/prometheus.log")) {
    out += "\n--- Prometheus log:\n" + lab_.log_tail("serve/prometheus");
  }
  return out;
}

}  // namespace reachprobe::lab
