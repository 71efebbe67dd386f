#include "host/triage_assessment.hpp"

#include "host/triage_parser.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>

namespace reachprobe::host {
namespace {

using engine::HostEvidence;
using engine::Reason;

// `timeout -s KILL` answers 137 for a killed command (124 for a plain TERM timeout).
bool timed_out(std::optional<int> status) {
  return status && (*status == 137 || *status == 124);
}

std::string seconds_text(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, seconds < 10 ? "%.2f s" : "%.1f s", seconds);
  return buffer;
}

std::string percent_text(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f %%", value);
  return buffer;
}

void add(HostEvidence& e, Reason reason, std::string text) {
  e.findings.push_back({reason, std::move(text)});
}

void return_route(HostEvidence& e) {
  if (e.client.empty() || e.server.empty()) return;
  // The address asked about is not this host's (NAT in front, a VIP elsewhere, a side door that
  // is another machine): its return route cannot be judged here.
  if (e.address_device.empty()) {
    if (e.not_measured.size() < 16)
      e.not_measured.push_back("return route: " + e.server + " is not an address of this host");
    return;
  }
  if (!e.route_error.empty()) {
    add(e, Reason::return_route_mismatch,
        "there is no route back to " + e.client + " from " + e.server + " (" + e.route_error + ")");
    return;
  }
  // An address on lo (a service address, anycast) is answered from whatever interface routes.
  if (e.route_device.empty() || e.address_device.empty() || e.address_device == "lo" ||
      e.route_device == "lo" || e.route_device == e.address_device) {
    return;
  }
  add(e, Reason::return_route_mismatch,
      "replies to " + e.client + " leave " + e.route_device + " with source " + e.server +
          ", not " + e.address_device + " where " + e.server +
          " lives: an asymmetric return route");
}

bool is_critical(const targets::HostTriageSpec& spec, const std::string& entry) {
  if (spec.critical_peers.empty()) return true;
  std::string address = entry.substr(0, entry.find(' '));
  return std::any_of(spec.critical_peers.begin(), spec.critical_peers.end(),
                     [&address](const std::string& peer) { return same_address(peer, address); });
}

void neighbors(HostEvidence& e, const targets::HostTriageSpec& spec) {
  std::vector<std::string> clauses;
  for (const auto& entry : e.failed_neighbors) {
    if (!is_critical(spec, entry)) continue;
    // "198.18.3.77 dev tr FAILED" -> "198.18.3.77 on tr is FAILED"
    auto first = entry.find(" dev ");
    auto last = entry.rfind(' ');
    if (first == std::string::npos || last <= first + 5) continue;
    clauses.push_back(entry.substr(0, first) + " on " + entry.substr(first + 5, last - first - 5) +
                      " is " + entry.substr(last + 1));
  }
  if (clauses.empty()) return;
  std::string text = "the neighbour entry of " + clauses[0];
  for (std::size_t i = 1; i < clauses.size() && i < 3; ++i) text += ", of " + clauses[i];
  if (clauses.size() > 3) text += " and " + std::to_string(clauses.size() - 3) + " more";
  add(e, Reason::neighbor_failed, text);
}

void mounts(HostEvidence& e, bool stats_started) {
  std::vector<std::string> hung;
  for (const auto& m : e.mounts) {
    // No answer at all from a script cut off after the stats' own 2 s counts as hung.
    bool never = !m.stat_status && !e.complete && stats_started;
    if (timed_out(m.stat_status) || never)
      hung.push_back("the " + m.fstype + " mount at " + m.mountpoint);
  }
  bool home_hung = timed_out(e.home_stat_status) ||
                   (!e.home_stat_status && !e.complete && stats_started && !e.home.empty());
  if (home_hung) hung.push_back("the home directory " + e.home);
  if (hung.empty()) return;
  std::string text = hung[0];
  for (std::size_t i = 1; i < hung.size() && i < 3; ++i) text += ", " + hung[i];
  if (hung.size() > 3) text += " and " + std::to_string(hung.size() - 3) + " more";
  add(e, Reason::hung_mount,
      text + (hung.size() == 1 ? " does" : " do") + " not answer a stat in 2 s: a hung mount");
}

void blocked(HostEvidence& e, const targets::HostTriageSpec& spec) {
  if (e.blocked_tasks && spec.blocked_tasks > 0 && *e.blocked_tasks >= spec.blocked_tasks) {
    std::map<std::string, int> channels;
    for (const auto& task : e.blocked) ++channels[task.wait_channel];
    std::vector<std::pair<int, std::string>> top;
    for (const auto& [channel, count] : channels) top.emplace_back(count, channel);
    std::sort(top.begin(), top.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
    std::string text = std::to_string(*e.blocked_tasks) +
                       (*e.blocked_tasks == 1 ? " task is" : " tasks are") +
                       " stuck in D state (uninterruptible I/O wait)";
    if (!top.empty()) {
      text += ", waiting in ";
      for (std::size_t i = 0; i < top.size() && i < 3; ++i) {
        if (i > 0) text += ", ";
        text += top[i].second + " x" + std::to_string(top[i].first);
      }
      if (!e.blocked.empty())
        text += " (e.g. pid " + std::to_string(e.blocked[0].pid) + " " + e.blocked[0].command + ")";
    }
    add(e, Reason::blocked_tasks, text);
  } else if (!e.hung_task_lines.empty() && spec.blocked_tasks > 0) {
    add(e, Reason::blocked_tasks,
        "the kernel reported hung tasks in the last hour (\"" + e.hung_task_lines.back() + "\")");
  }
}

void pressure(HostEvidence& e, const targets::HostTriageSpec& spec) {
  if (spec.psi_io_some_avg10 <= 0) return;  // 0 turns the check off
  if (!e.psi_io_some_avg10 || *e.psi_io_some_avg10 < spec.psi_io_some_avg10) return;
  add(e, Reason::io_pressure,
      "tasks waited on I/O " + percent_text(*e.psi_io_some_avg10) +
          " of the last 10 s (PSI io some avg10; threshold " +
          percent_text(spec.psi_io_some_avg10) + ")");
}

void name_service(HostEvidence& e, const targets::HostTriageSpec& spec) {
  double threshold = std::chrono::duration<double>(spec.nss_threshold).count();
  if (threshold <= 0) return;  // 0 turns the check off
  std::vector<std::string> clauses;
  if (timed_out(e.nss_status)) {
    clauses.push_back("getent passwd did not answer in 5 s");
  } else if (e.nss_seconds && *e.nss_seconds >= threshold) {
    clauses.push_back("getent passwd took " + seconds_text(*e.nss_seconds));
  }
  if (e.auth_seconds && *e.auth_seconds >= threshold) {
    clauses.push_back("the SSH login's authentication took " + seconds_text(*e.auth_seconds) +
                      " (an NSS, PAM or AuthorizedKeysCommand lookup)");
  }
  if (clauses.empty()) return;
  std::string text = clauses[0];
  if (clauses.size() > 1) text += " and " + clauses[1];
  add(e, Reason::slow_nss,
      text + ", above the " + seconds_text(threshold) + " threshold: a slow name service");
}

}  // namespace

void assess(HostEvidence& evidence, const targets::HostTriageSpec& spec) {
  evidence.findings.clear();
  // Cut off before the stats' own 2 s, a mount without an answer is only unmeasured.
  bool stats_started =
      evidence.triage_seconds && *evidence.triage_seconds >= 2.5 &&
      std::none_of(evidence.not_measured.begin(), evidence.not_measured.end(),
                   [](const std::string& n) { return n.rfind("timeout:", 0) == 0; });
  return_route(evidence);
  neighbors(evidence, spec);
  mounts(evidence, stats_started);
  blocked(evidence, spec);
  pressure(evidence, spec);
  name_service(evidence, spec);
}

std::string findings_text(const HostEvidence& evidence) {
  std::string text;
  for (const auto& f : evidence.findings) {
    if (!text.empty()) text += "; ";
    text += f.text;
  }
  return text;
}

}  // namespace reachprobe::host
