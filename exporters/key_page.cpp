#include <algorithm>

#include "exporters/html_text.hpp"
#include "exporters/json_report.hpp"
#include "exporters/status_page.hpp"
#include "exporters/svg_chart.hpp"
#include "exporters/text_report.hpp"

namespace reachprobe::exporters {
namespace {

// Availability and mean duration charts of buckets, with empty periods shown as gaps.
std::string charts(const std::vector<history::Bucket>& buckets, std::int64_t from_s,
                   std::int64_t step_s, std::size_t count, const std::string& span) {
  std::vector<ChartPoint> availability(count), latency(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::int64_t start = from_s + static_cast<std::int64_t>(i) * step_s;
    availability[i].title = latency[i].title = utc_time(start * 1000) + ": no runs";
  }
  for (const auto& b : buckets) {
    if (b.start_s < from_s || b.runs == 0) continue;
    auto i = static_cast<std::size_t>((b.start_s - from_s) / step_s);
    if (i >= count) continue;
    const double a = 1.0 - static_cast<double>(b.failures) / b.runs;
    const double mean = b.duration_sum_s / b.runs;
    availability[i] = {a, utc_time(b.start_s * 1000) + ": " + percent(a) + " of " +
                              std::to_string(b.runs) + " runs"};
    latency[i] = {mean, utc_time(b.start_s * 1000) + ": mean " + duration_text(mean) + ", max " +
                            duration_text(b.duration_max_s)};
  }
  return "<h3>Availability, " + span + "</h3>" +
         svg_bars(
             availability, 1.0, [](double v) { return percent(v); }, "#2e9e44", "#d0312d") +
         "<h3>Mean duration, " + span + "</h3>" +
         svg_bars(
             latency, 0, [](double v) { return duration_text(v); }, "#3b6fb6");
}

// The host layer's findings of the latest run (CONTRACT §8), one line each with its reason;
// nothing when no triage ran.
std::string host_section(const engine::ProbeReport& report) {
  const auto* layer = report.find(engine::Layer::host);
  const auto* host = layer ? engine::evidence_of<engine::HostEvidence>(*layer) : nullptr;
  if (host == nullptr || (host->findings.empty() && layer->detail.empty())) return "";
  std::string html = "<h2>Inside the host</h2><ul id=\"host-findings\">";
  if (!host->via.empty())
    html += "<li class=\"via\">by the side door " + html_escape(host->via) + "</li>";
  for (const auto& f : host->findings) {
    html += "<li class=\"finding\" data-reason=\"" + std::string(engine::to_string(f.reason)) +
            "\"><b>" + std::string(engine::to_string(f.reason)) + "</b> " + html_escape(f.text) +
            "</li>";
  }
  if (host->findings.empty()) html += "<li>" + html_escape(layer->detail) + "</li>";
  return html + "</ul>";
}

}  // namespace

std::string render_key_page(const KeyPageView& view) {
  const std::string base = html_escape(view.link_prefix);
  const history::KeyInfo* info =
      view.live ? &view.live->info : (view.history.key ? &*view.history.key : nullptr);
  if (info == nullptr) {
    return status_head("reachprobe: unknown key") + "<h1>Unknown key</h1><p><a href=\"" + base +
           "status\">All targets</a></p></body></html>\n";
  }
  std::string html = status_head(info->target + " " + info->module);
  html += "<p><a href=\"" + base + "status\">All targets</a> &middot; <a href=\"" + base +
          "api/v1/targets/" + url_encode(info->id) + "\">JSON</a></p>";
  if (!view.banner.empty())
    html += "<div class=\"banner\" id=\"storage-banner\">" + html_escape(view.banner) + "</div>";
  html += "<h1 id=\"key-title\">" + html_escape(info->target) + " <small>" +
          html_escape(info->module) + "</small></h1><p class=\"labels\">";
  for (const auto& [name, value] : info->labels)
    html += "<code>" + html_escape(name) + "=" + html_escape(value) + "</code> ";
  html += "</p>";

  if (view.live != nullptr) {
    const auto& k = *view.live;
    const std::string state(history::to_string(k.state));
    html += "<p class=\"summary\" id=\"state\" data-state=\"" + state + "\"><span class=\"" +
            state + "\">" + state + "</span>";
    if (k.state == history::KeyState::down)
      html += " <span class=\"verdict\">" + html_escape(k.verdict) + "</span>";
    html += " since " + utc_time(k.since_ms) + " (" + elapsed(k.since_ms, view.now_ms) +
            "); last run " + utc_time(k.last_ms) + "</p>";
    if (!k.summary.empty()) html += "<p id=\"sentence\">" + html_escape(k.summary) + "</p>";
    html +=
        "<table><tr><th>1h</th><th>24h</th><th>7d</th><th>30d</th><th>p50 24h</th>"
        "<th>p95 24h</th></tr><tr><td>" +
        percent(k.availability(view.now_ms, 6)) + "</td><td>" +
        percent(k.availability(view.now_ms, history::kTimelineSlots)) + "</td><td>" +
        percent(view.windows.d7) + "</td><td>" + percent(view.windows.d30) + "</td><td>" +
        duration_text(view.windows.p50_24h) + "</td><td>" + duration_text(view.windows.p95_24h) +
        "</td></tr></table>";
    if (k.latest) {
      html += "<h2>Latest run</h2><pre id=\"ladder\">" + html_escape(render_ladder(*k.latest)) +
              "</pre>";
      html += host_section(*k.latest);
    }
  } else {
    html += "<p class=\"unknown\">Not scheduled now; its history is kept until the retention.</p>";
  }

  const std::int64_t now_s = view.now_ms / 1000;
  const std::int64_t day_from = (now_s - 86400) / 600 * 600 + 600;
  const std::int64_t week_from = (now_s - 7 * 86400) / 3600 * 3600 + 3600;
  html += charts(view.history.fine, day_from, 600, 144, "24 h (10 minutes a bar)");
  html += charts(view.history.hourly, week_from, 3600, 168, "7 days (an hour a bar)");

  html +=
      "<h2>State changes and failures</h2><table id=\"events\"><thead><tr><th>From</th>"
      "<th>To</th><th>Runs</th><th>State</th><th>Verdict</th><th>Summary</th></tr></thead><tbody>";
  for (const auto& e : view.history.events) {
    const char* state = e.success ? "up" : "down";
    html += "<tr class=\"event" + std::string(e.state_change ? " change" : "") + "\"><td>" +
            utc_time(e.first_ms) + "</td><td>" + utc_time(e.last_ms) + "</td><td class=\"num\">" +
            std::to_string(e.count) + "</td><td class=\"" + state + "\">" +
            (e.state_change ? std::string("became ") + state : std::string(state)) + "</td><td>" +
            html_escape(e.verdict) + "</td><td>" + html_escape(e.summary) +
            (e.count > 1 && !e.last_summary.empty() && e.last_summary != e.summary
                 ? "<br><small>latest: " + html_escape(e.last_summary) + "</small>"
                 : "") +
            "</td></tr>";
  }
  html +=
      "</tbody></table><h2>Recent runs</h2><table id=\"runs\"><thead><tr><th>Time</th>"
      "<th>Result</th><th>Duration</th></tr></thead><tbody>";
  for (const auto& r : view.history.runs) {
    html += "<tr><td>" + utc_time(r.time_ms) + "</td><td class=\"" +
            (r.success ? "up\">ok" : "down\">" + html_escape(r.verdict)) +
            "</td><td class=\"num\">" + duration_text(r.duration_s) + "</td></tr>";
  }
  return html + "</tbody></table></body></html>\n";
}

}  // namespace reachprobe::exporters
