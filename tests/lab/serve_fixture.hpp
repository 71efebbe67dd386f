// `reachprobe serve` and the reference blackbox_exporter (Debian's 0.23) side by side in the
// lab's prober namespace, on 127.0.0.1, reading the same module file, for differential tests.
//
// Both resolve names with the system resolver, so the prober namespace gets a private
// resolv.conf pointing at the lab's dnsmasq: `ip netns exec` bind-mounts
// /etc/netns/<namespace>/resolv.conf over /etc/resolv.conf. That directory is removed at
// teardown (tests/lab-tools/lab-cleanup.sh removes those of runs that died).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "netns_fixture.hpp"

namespace reachprobe::lab {

inline constexpr int kReachprobePort = 19115;
inline constexpr int kBlackboxPort = 19116;
inline constexpr int kPrometheusPort = 19090;
inline constexpr const char* kBlackboxBinary = "/usr/bin/prometheus-blackbox-exporter";

// One text exposition: "name{label=\"value\",...}" (labels sorted by name, as written by both
// exporters) -> value. Comment lines are dropped.
using Exposition = std::map<std::string, double>;

// Parses the Prometheus text format; throws std::runtime_error on a malformed sample line.
Exposition ParseExposition(const std::string& text);
// "name" or "name{a=\"x\"}" for a series key, from a name and "a=\"x\"" label text.
std::string SeriesKey(const std::string& name, const std::string& labels = "");
// The metric name of a series key.
std::string NameOf(const std::string& series_key);
// One series' value, or nullopt when the exposition lacks it (a family absent on one side).
std::optional<double> Find(const Exposition& e, const std::string& series_key);
// A value for tables and failure messages: "-" when absent.
std::string Show(const std::optional<double>& v);

// An HTTP answer from one of the exporters, read with curl in the prober namespace.
struct HttpAnswer {
  int status = 0;  // 0 when curl got no answer at all
  std::string body;
  std::string error;  // curl's stderr
};

// Empty when the serve lab can run here (on top of the Lab's own prerequisites); else why not.
std::string MissingServePrerequisite();

class ServeLab {
 public:
  enum class Exporter { kReachprobe, kBlackbox };

  // Writes the prober namespace's resolv.conf and `config` (YAML), starts both exporters and
  // waits until both answer /-/healthy. Throws std::runtime_error (with their logs) otherwise.
  ServeLab(Lab& lab, const std::string& config);
  ~ServeLab();
  ServeLab(const ServeLab&) = delete;
  ServeLab& operator=(const ServeLab&) = delete;

  const std::string& config_file() const { return config_file_; }
  void WriteConfig(const std::string& text) const;

  // GET /probe?target=&module= with `X-Prometheus-Scrape-Timeout-Seconds: <scrape_timeout>`.
  HttpAnswer Probe(Exporter which, const std::string& target, const std::string& module,
                   const std::string& scrape_timeout = "4");
  // Any request to 127.0.0.1:<port><path> from the prober namespace; `curl_args` go before
  // the URL (e.g. {"-X", "POST"}, or {"-G", "--data-urlencode", "query=up"}).
  HttpAnswer Request(int port, const std::string& path,
                     const std::vector<std::string>& curl_args = {});

  // Starts Prometheus in the prober namespace with this config (YAML) on kPrometheusPort and
  // waits until it is ready.
  void StartPrometheus(const std::string& config);

  // `promtool check metrics` on `exposition`: exit code and what it printed.
  CmdResult PromtoolCheckMetrics(const std::string& exposition) const;

  // The exporters' (and Prometheus') logs, for failure messages.
  std::string Logs() const;

 private:
  void WaitHealthy(int port, const std::string& log_name);
  void RemoveResolvConf() noexcept;

  Lab& lab_;
  std::string dir_;                   // <lab scratch dir>/serve
  std::string netns_etc_;             // /etc/netns/<prober namespace>; "" once removed
  bool made_netns_etc_root_ = false;  // /etc/netns did not exist before
  std::string config_file_;
  int requests_ = 0;  // numbers the body files of Request()
};

// The port an exporter listens on.
int PortOf(ServeLab::Exporter which);

}  // namespace reachprobe::lab
