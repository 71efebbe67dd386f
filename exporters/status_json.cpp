#include "exporters/status_json.hpp"

#include "exporters/json_report.hpp"

namespace reachprobe::exporters {
namespace {

using nlohmann::ordered_json;

ordered_json optional_number(const std::optional<double>& v) {
  return v ? ordered_json(*v) : ordered_json(nullptr);
}

double seconds(std::int64_t ms) {
  return static_cast<double>(ms) / 1000.0;
}

ordered_json key_fields(const history::KeyInfo& info) {
  ordered_json labels = ordered_json::object();
  for (const auto& [name, value] : info.labels) labels[name] = value;
  return {{"id", info.id}, {"target", info.target}, {"module", info.module}, {"labels", labels}};
}

ordered_json row_json(const history::KeyStatus& k, const history::LongWindows& w,
                      std::int64_t now_ms) {
  ordered_json row = key_fields(k.info);
  row["state"] = std::string(history::to_string(k.state));
  row["verdict"] = k.state == history::KeyState::down ? k.verdict : "";
  row["since"] = k.since_ms > 0 ? ordered_json(seconds(k.since_ms)) : ordered_json(nullptr);
  row["last_run"] = k.last_ms > 0 ? ordered_json(seconds(k.last_ms)) : ordered_json(nullptr);
  row["summary"] = k.summary;
  row["availability"] = {{"1h", optional_number(k.availability(now_ms, 6))},
                         {"24h", optional_number(k.availability(now_ms, history::kTimelineSlots))},
                         {"7d", optional_number(w.d7)},
                         {"30d", optional_number(w.d30)}};
  row["duration_seconds_24h"] = {{"p50", optional_number(w.p50_24h)},
                                 {"p95", optional_number(w.p95_24h)}};
  return row;
}

ordered_json bucket_json(const history::Bucket& b) {
  return {{"start", static_cast<double>(b.start_s)},
          {"runs", b.runs},
          {"failures", b.failures},
          {"duration_seconds_mean", b.runs ? b.duration_sum_s / b.runs : 0.0},
          {"duration_seconds_max", b.duration_max_s}};
}

ordered_json event_json(const history::Event& e) {
  ordered_json event = {{"from", seconds(e.first_ms)},
                        {"to", seconds(e.last_ms)},
                        {"runs", e.count},
                        {"state_change", e.state_change},
                        {"success", e.success},
                        {"verdict", e.verdict},
                        {"summary", e.summary},
                        {"last_summary", e.last_summary.empty() ? e.summary : e.last_summary}};
  auto evidence = nlohmann::ordered_json::parse(e.evidence_json, nullptr, false);
  event["evidence"] = evidence.is_discarded() ? ordered_json(nullptr) : evidence;
  return event;
}

}  // namespace

ordered_json status_overview_json(const StatusOverview& view) {
  ordered_json out;
  const auto& c = view.counts;
  ordered_json by_layer = ordered_json::object();
  for (const auto& [layer, n] : c.down_by_layer) by_layer[layer] = n;
  out["summary"] = {
      {"up", c.up}, {"down", c.down}, {"unknown", c.unknown}, {"down_by_layer", by_layer}};
  out["storage"] = {
      {"problem", view.banner.empty() ? ordered_json(nullptr) : ordered_json(view.banner)}};
  out["page"] = view.page;
  out["pages"] = view.pages;
  out["per_page"] = view.per_page;
  out["total"] = view.matched;
  ordered_json rows = ordered_json::array();
  for (const auto& row : view.rows) rows.push_back(row_json(*row.key, row.windows, view.now_ms));
  out["targets"] = std::move(rows);
  return out;
}

ordered_json key_json(const KeyPageView& view) {
  ordered_json out;
  if (view.live != nullptr) {
    out = row_json(*view.live, view.windows, view.now_ms);
    out["scheduled"] = true;
    const auto& latest = view.live->latest;
    out["latest"] = latest ? to_json(*latest) : ordered_json(nullptr);
  } else if (view.history.key) {
    out = key_fields(*view.history.key);
    out["scheduled"] = false;
  }
  ordered_json events = ordered_json::array();
  for (const auto& e : view.history.events) events.push_back(event_json(e));
  out["events"] = std::move(events);
  ordered_json runs = ordered_json::array();
  for (const auto& r : view.history.runs) {
    runs.push_back({{"time", seconds(r.time_ms)},
                    {"success", r.success},
                    {"verdict", r.verdict},
                    {"duration_seconds", r.duration_s}});
  }
  out["runs"] = std::move(runs);
  return out;
}

ordered_json key_history_json(const history::KeyHistory& history) {
  ordered_json out;
  if (history.key) out = key_fields(*history.key);
  ordered_json runs = ordered_json::array();
  for (const auto& r : history.runs) {
    runs.push_back({{"time", seconds(r.time_ms)},
                    {"success", r.success},
                    {"verdict", r.verdict},
                    {"duration_seconds", r.duration_s}});
  }
  out["runs"] = std::move(runs);
  ordered_json events = ordered_json::array();
  for (const auto& e : history.events) events.push_back(event_json(e));
  out["events"] = std::move(events);
  ordered_json fine = ordered_json::array(), hourly = ordered_json::array();
  for (const auto& b : history.fine) fine.push_back(bucket_json(b));
  for (const auto& b : history.hourly) hourly.push_back(bucket_json(b));
  out["buckets_10m"] = std::move(fine);
  out["buckets_1h"] = std::move(hourly);
  return out;
}

}  // namespace reachprobe::exporters
