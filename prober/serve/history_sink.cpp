#include "serve/history_sink.hpp"

#include <chrono>
#include <cstdio>

#include "exporters/json_report.hpp"
#include "schedule/key_spec.hpp"

namespace reachprobe::serve {

std::string history_id(const std::string& target, const std::string& module) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx",
                static_cast<unsigned long long>(schedule::key_hash(target, module)));
  return buffer;
}

void HistorySink::key_added(const engine::KeyIdentity& key) {
  history::KeyInfo info;
  for (const auto& [name, value] : key.labels) {
    if (name == "target")
      info.target = value;
    else if (name == "module")
      info.module = value;
    else
      info.labels.emplace_back(name, value);
  }
  info.id = history_id(info.target, info.module);
  hex_by_id_[key.id] = info.id;
  if (store_ != nullptr) store_->key_seen(info);
  board_.add(std::move(info));
}

void HistorySink::key_removed(const std::string& id) {
  auto it = hex_by_id_.find(id);
  if (it == hex_by_id_.end()) return;
  board_.remove(it->second);  // the store keeps its history until the retention
  hex_by_id_.erase(it);
}

void HistorySink::run_finished(const std::string& id, const engine::ReportPtr& shared) {
  auto it = hex_by_id_.find(id);
  if (it == hex_by_id_.end()) return;
  const engine::ProbeReport& report = *shared;
  history::RunRecord run;
  run.key_id = it->second;
  run.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  run.success = report.success;
  run.layer = report.verdict.layer;
  run.reason = report.verdict.reason;
  run.duration_s = std::chrono::duration<double>(report.duration).count();
  const auto before = board_.state(run.key_id);
  run.state_change = before != (run.success ? history::KeyState::up : history::KeyState::down);
  run.summary = report.prober_error ? *report.prober_error : report.verdict.summary;
  // Only failures and state changes keep their evidence: rendering every success's JSON at
  // 10,000 keys would be most of the io_context thread's work.
  if (store_ != nullptr && (!run.success || run.state_change)) {
    run.evidence_json =
        exporters::to_json(report).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  board_.record(run, shared);
  if (store_ != nullptr) store_->record(std::move(run));
}

}  // namespace reachprobe::serve
