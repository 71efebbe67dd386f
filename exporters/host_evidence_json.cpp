#include "exporters/host_evidence_json.hpp"

#include "exporters/json_values.hpp"

namespace reachprobe::exporters {

using nlohmann::json;

json host_evidence_json(const engine::HostEvidence& e) {
  json out;
  out["via"] = text_or_null(e.via);
  out["return_route"] = {{"client", text_or_null(e.client)},
                         {"server", text_or_null(e.server)},
                         {"route", text_or_null(e.route)},
                         {"device", text_or_null(e.route_device)},
                         {"gateway", text_or_null(e.route_gateway)},
                         {"address_device", text_or_null(e.address_device)},
                         {"error", text_or_null(e.route_error)}};
  out["failed_neighbors"] = e.failed_neighbors;
  out["psi"] = {{"cpu_some_avg10", or_null(e.psi_cpu_some_avg10)},
                {"memory_some_avg10", or_null(e.psi_memory_some_avg10)},
                {"io_some_avg10", or_null(e.psi_io_some_avg10)},
                {"io_full_avg10", or_null(e.psi_io_full_avg10)}};
  out["load1"] = or_null(e.load1);
  out["cpus"] = or_null(e.cpus);
  out["blocked_tasks"] = or_null(e.blocked_tasks);
  json blocked = json::array();
  for (const auto& t : e.blocked)
    blocked.push_back({{"pid", t.pid}, {"wait_channel", t.wait_channel}, {"command", t.command}});
  out["blocked"] = blocked;
  out["hung_task_lines"] = e.hung_task_lines;
  json mounts = json::array();
  for (const auto& m : e.mounts) {
    mounts.push_back({{"fstype", m.fstype},
                      {"mountpoint", m.mountpoint},
                      {"stat_status", or_null(m.stat_status)},
                      {"stat_seconds", or_null(m.stat_seconds)}});
  }
  out["network_mounts"] = mounts;
  out["home"] = {{"path", text_or_null(e.home)},
                 {"stat_status", or_null(e.home_stat_status)},
                 {"stat_seconds", or_null(e.home_stat_seconds)}};
  out["nss"] = {{"status", or_null(e.nss_status)}, {"seconds", or_null(e.nss_seconds)}};
  out["auth_seconds"] = or_null(e.auth_seconds);
  out["triage_seconds"] = or_null(e.triage_seconds);
  out["not_measured"] = e.not_measured;
  out["complete"] = e.complete;
  out["output_bytes"] = e.output_bytes;
  out["output_truncated"] = e.output_truncated;
  json findings = json::array();
  for (const auto& f : e.findings)
    findings.push_back({{"reason", engine::to_string(f.reason)}, {"text", f.text}});
  out["findings"] = findings;
  return out;
}

}  // namespace reachprobe::exporters
