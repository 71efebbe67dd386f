#include "host/triage_parser.hpp"

#include <charconv>
#include <cstdlib>
#include <string>
#include <vector>

namespace reachprobe::host {
namespace {

using engine::HostEvidence;

constexpr std::size_t kMaxNeighbors = 64;
constexpr std::size_t kMaxMounts = 16;
constexpr std::size_t kMaxBlocked = 20;
constexpr std::size_t kMaxHungLines = 5;
constexpr std::size_t kMaxNotes = 16;
constexpr double kHungTaskWindowSeconds = 3600;

// Printable ASCII only: the facts end up in JSON, HTML and log lines.
std::string printable(std::string_view text) {
  std::string out(text.substr(0, kMaxTriageLineBytes));
  for (char& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) c = '?';
  }
  return out;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// What follows the first `count` words of `line`.
std::string_view after_words(std::string_view line, std::size_t count) {
  std::size_t i = 0;
  for (std::size_t n = 0; n < count; ++n) {
    while (i < line.size() && line[i] == ' ') ++i;
    while (i < line.size() && line[i] != ' ') ++i;
  }
  while (i < line.size() && line[i] == ' ') ++i;
  return line.substr(i);
}

std::optional<int> to_int(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> to_double(std::string_view text) {
  if (text.empty() || text.size() > 32) return std::nullopt;
  std::string copy(text);
  char* end = nullptr;
  double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || !(value == value)) return std::nullopt;
  return value;
}

std::optional<double> centiseconds(std::string_view text) {
  auto value = to_int(text);
  if (!value || *value < 0) return std::nullopt;
  return *value / 100.0;
}

void note(HostEvidence& e, std::string text) {
  if (e.not_measured.size() < kMaxNotes) e.not_measured.push_back(printable(text));
}

// "198.18.1.2 from 198.18.4.2 via 198.18.3.1 dev tr uid 1000" or ip's error.
void read_route(HostEvidence& e, std::string_view rest) {
  if (!e.route.empty() || !e.route_error.empty()) return;  // the first line; "cache" follows
  auto w = words(rest);
  if (w.empty() || w[0] == "cache") return;
  // ip's own errors, and IPv6 route types that send nothing ("prohibit ... dev lo ... error -13").
  bool error = w[0] == "RTNETLINK" || w[0] == "Error:" || rest.find("nreachable") != rest.npos ||
               rest.find("Invalid") != rest.npos || rest.find("denied") != rest.npos ||
               rest.find(" error -") != rest.npos || w[0] == "prohibit" || w[0] == "blackhole";
  if (error) {
    e.route_error = printable(rest);
    return;
  }
  e.route = printable(rest);
  for (std::size_t i = 0; i + 1 < w.size(); ++i) {
    if (w[i] == "dev") e.route_device = printable(w[i + 1]);
    if (w[i] == "via") e.route_gateway = printable(w[i + 1]);
  }
  // Route types that send nothing ("unreachable ...", "prohibit ...", "blackhole ...") name no
  // device: there is no way back.
  if (e.route_device.empty()) {
    e.route_error = e.route;
    e.route.clear();
  }
}

// "3: tr    inet 198.18.3.2/24 brd ... scope global tr\       valid_lft ..."
void read_address(HostEvidence& e, std::string_view rest) {
  auto w = words(rest);
  if (w.size() < 4 || (w[2] != "inet" && w[2] != "inet6")) return;
  std::string_view address = w[3].substr(0, w[3].find('/'));
  if (!e.server.empty() && e.address_device.empty() && same_address(address, e.server)) {
    std::string_view device = w[1];
    if (auto at = device.find('@'); at != device.npos) device = device.substr(0, at);
    if (!device.empty() && device.back() == ':') device.remove_suffix(1);
    e.address_device = printable(device);
  }
}

// "198.18.3.77 dev tr FAILED", "198.18.3.9 dev tr lladdr 02:.. REACHABLE"
void read_neighbor(HostEvidence& e, std::string_view rest) {
  auto w = words(rest);
  if (w.size() < 2) return;
  std::string_view state = w.back();
  if (state != "FAILED" && state != "INCOMPLETE") return;
  std::string device;
  for (std::size_t i = 0; i + 1 < w.size(); ++i) {
    if (w[i] == "dev") device = printable(w[i + 1]);
  }
  if (e.failed_neighbors.size() < kMaxNeighbors)
    e.failed_neighbors.push_back(printable(w[0]) + " dev " + device + " " + printable(state));
}

// /proc/net/arp: "IP HWtype Flags HWaddress Mask Device"; flags 0x0 is an unresolved entry.
void read_arp(HostEvidence& e, std::string_view rest) {
  auto w = words(rest);
  if (w.size() < 6 || w[0] == "IP" || w[2] != "0x0") return;
  if (e.failed_neighbors.size() < kMaxNeighbors)
    e.failed_neighbors.push_back(printable(w[0]) + " dev " + printable(w[5]) + " INCOMPLETE");
}

// "io some avg10=1.50 avg60=0.20 avg300=0.00 total=123"
void read_psi(HostEvidence& e, std::string_view rest) {
  auto w = words(rest);
  if (w.size() < 3 || w[2].rfind("avg10=", 0) != 0) return;
  auto value = to_double(w[2].substr(6));
  if (!value) return;
  if (w[0] == "cpu" && w[1] == "some") e.psi_cpu_some_avg10 = value;
  if (w[0] == "memory" && w[1] == "some") e.psi_memory_some_avg10 = value;
  if (w[0] == "io" && w[1] == "some") e.psi_io_some_avg10 = value;
  if (w[0] == "io" && w[1] == "full") e.psi_io_full_avg10 = value;
}

// "[ 1234.567890] INFO: task stat:812 blocked for more than 120 seconds."
void read_hung(HostEvidence& e, std::string_view rest, std::optional<double> uptime) {
  if (e.hung_task_lines.size() >= kMaxHungLines) return;
  if (uptime && rest.size() > 1 && rest[0] == '[') {
    auto close = rest.find(']');
    std::string_view stamp = rest.substr(1, close == rest.npos ? 0 : close - 1);
    while (!stamp.empty() && stamp[0] == ' ') stamp.remove_prefix(1);
    auto at = to_double(stamp);
    if (at && *uptime - *at > kHungTaskWindowSeconds) return;
  }
  e.hung_task_lines.push_back(printable(rest));
}

engine::HostMount* find_mount(HostEvidence& e, std::string_view mountpoint) {
  for (auto& m : e.mounts) {
    if (m.mountpoint == mountpoint) return &m;
  }
  return nullptr;
}

struct LineReader {
  HostEvidence& e;
  std::optional<double> uptime;

  void operator()(std::string_view key, std::string_view line) {
    auto w = words(line);
    std::string_view rest = after_words(line, 2);  // after "rpt <key>"
    if (key == "route_for") {
      if (w.size() > 2) e.client = printable(w[2]);
      if (w.size() > 3) e.server = printable(w[3]);
    } else if (key == "route") {
      read_route(e, rest);
    } else if (key == "addr") {
      read_address(e, rest);
    } else if (key == "neigh") {
      read_neighbor(e, rest);
    } else if (key == "arp") {
      read_arp(e, rest);
    } else if (key == "psi") {
      read_psi(e, rest);
    } else if (key == "load" && w.size() > 2) {
      e.load1 = to_double(w[2]);
    } else if (key == "cpus" && w.size() > 2) {
      e.cpus = to_int(w[2]);
    } else if (key == "dstate" && w.size() > 4 && e.blocked.size() < kMaxBlocked) {
      e.blocked.push_back(
          {to_int(w[2]).value_or(0), printable(w[3]), printable(after_words(line, 4))});
    } else if (key == "dcount" && w.size() > 2) {
      e.blocked_tasks = to_int(w[2]);
    } else if (key == "uptime" && w.size() > 2) {
      uptime = to_double(w[2]);
    } else if (key == "hung") {
      read_hung(e, rest, uptime);
    } else if (key == "user" && w.size() > 3) {
      e.home = printable(after_words(line, 3));
    } else if (key == "mount" && w.size() > 3 && e.mounts.size() < kMaxMounts) {
      std::string mountpoint = printable(after_words(line, 3));
      if (!find_mount(e, mountpoint)) e.mounts.push_back({printable(w[2]), mountpoint, {}, {}});
    } else if (key == "stat" && w.size() > 4) {
      if (auto* m = find_mount(e, printable(after_words(line, 4)))) {
        m->stat_status = to_int(w[2]);
        m->stat_seconds = centiseconds(w[3]);
      }
    } else if (key == "home" && w.size() > 3) {
      e.home_stat_status = to_int(w[2]);
      e.home_stat_seconds = centiseconds(w[3]);
    } else if (key == "nss" && w.size() > 3) {
      e.nss_status = to_int(w[2]);
      e.nss_seconds = centiseconds(w[3]);
    } else if (key == "skip" && w.size() > 2) {
      note(e, std::string(w[2]) + ": " + std::string(after_words(line, 3)));
    } else if (key == "end") {
      e.complete = true;
    }
  }
};

}  // namespace

bool same_address(std::string_view a, std::string_view b) {
  boost::system::error_code ea, eb;
  auto x = net::ip::make_address(std::string(a), ea);
  auto y = net::ip::make_address(std::string(b), eb);
  if (ea || eb) return a == b;
  return x == y;
}

engine::HostEvidence parse_triage_output(std::string_view output, std::string_view nonce) {
  HostEvidence e;
  e.output_bytes = output.size();
  LineReader reader{e, std::nullopt};
  std::size_t lines = 0;
  bool begun = false;
  while (!output.empty()) {
    auto newline = output.find('\n');
    std::string_view line = output.substr(0, newline);
    output.remove_prefix(newline == output.npos ? output.size() : newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > kMaxTriageLineBytes) line = line.substr(0, kMaxTriageLineBytes);
    if (line.rfind("rpt ", 0) != 0) continue;  // a shell's own noise
    auto w = words(line);
    if (w.size() < 2) continue;
    // Only the script's lines count toward the limit; noise is bounded by the output cap.
    if (++lines > kMaxTriageLines) {
      e.output_truncated = true;
      break;
    }
    bool marked = nonce.empty() ||
                  (w[1] == "begin" ? w.size() > 3 && w[3] == nonce : w.size() > 2 && w[2] == nonce);
    if (w[1] == "begin" && marked) begun = true;
    // Lines before the begin marker are not the script's; after the end, nothing counts.
    if (!begun || e.complete) continue;
    if (w[1] == "end" && !marked) continue;
    reader(w[1], line);
  }
  return e;
}

}  // namespace reachprobe::host
