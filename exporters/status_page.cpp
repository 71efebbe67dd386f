#include "exporters/status_page.hpp"

#include "exporters/html_text.hpp"
#include "exporters/svg_chart.hpp"

namespace reachprobe::exporters {
namespace {

std::string options(const std::vector<std::string>& choices, const std::string& selected,
                    const std::string& all) {
  std::string html = "<option value=\"\">" + html_escape(all) + "</option>";
  for (const auto& c : choices) {
    html += "<option value=\"" + html_escape(c) + "\"" + (c == selected ? " selected" : "") + ">" +
            html_escape(c) + "</option>";
  }
  return html;
}

// The vantage label's value when every row has the same one (one instance probes from one
// vantage): said once above the table rather than in every row.
std::optional<std::string> common_vantage(const std::vector<StatusRow>& rows) {
  std::optional<std::string> common;
  for (const auto& row : rows) {
    std::optional<std::string> mine;
    for (const auto& [name, value] : row.key->info.labels)
      if (name == "vantage") mine = value;
    if (!mine || (common && *common != *mine)) return std::nullopt;
    common = mine;
  }
  return common;
}

std::string labels_text(const history::KeyInfo& info, bool skip_vantage) {
  std::string text;
  for (const auto& [name, value] : info.labels) {
    if (skip_vantage && name == "vantage") continue;
    if (!text.empty()) text += ", ";
    text += name + "=" + value;
  }
  return text;
}

std::string filter_query(const history::BoardFilter& f) {
  std::string q;
  auto add = [&q](const char* name, const std::string& value) {
    if (!value.empty()) q += std::string("&") + name + "=" + url_encode(value);
  };
  add("state", f.state);
  add("module", f.module);
  add("layer", f.layer);
  add("label", f.label);
  return q;
}

std::string timeline(const history::KeyStatus& key, std::int64_t now_ms) {
  std::vector<ChartPoint> points;
  for (const auto& slot : key.timeline_oldest_first(now_ms)) {
    ChartPoint p;
    const std::int64_t start_ms = std::int64_t{slot.bucket} * 600 * 1000;
    if (slot.runs > 0) {
      p.value = 1.0 - static_cast<double>(slot.failures) / slot.runs;
      p.title = utc_time(start_ms) + ": " + std::to_string(slot.runs - slot.failures) + "/" +
                std::to_string(slot.runs) + " runs succeeded";
    } else {
      p.title = utc_time(start_ms) + ": no runs";
    }
    points.push_back(std::move(p));
  }
  return svg_strip(points, 288, 14);
}

}  // namespace

std::string status_head(const std::string& title) {
  return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
         html_escape(title) +
         "</title><style>"
         "body{font-family:sans-serif;margin:1em 2em;color:#222}"
         "table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #ddd;"
         "text-align:left;vertical-align:top}th{background:#f3f3f3}"
         ".up{color:#1d7a33;font-weight:bold}.down{color:#c0211c;font-weight:bold}"
         ".unknown{color:#777}.banner{background:#fde2e1;border:1px solid #c0211c;padding:8px;"
         "margin-bottom:1em}.summary{font-size:1.1em;margin:.5em 0 1em}"
         "pre{background:#f6f6f6;padding:8px;overflow-x:auto}.num{text-align:right;white-space:"
         "nowrap}td.since,td.verdict{white-space:nowrap}"
         "form.filters{margin-bottom:1em}form.filters label{margin-right:1em}"
         "</style></head><body>";
}

std::string render_status_overview(const StatusOverview& view) {
  const std::string base = html_escape(view.link_prefix);
  std::string html = status_head("reachprobe status");
  html += "<h1>Scheduled targets</h1><p><a href=\"" + base +
          "\">reachprobe</a> &middot; <a href=\"" + base + "api/v1/targets\">JSON</a></p>";
  if (!view.banner.empty())
    html += "<div class=\"banner\" id=\"storage-banner\">" + html_escape(view.banner) + "</div>";
  const auto& c = view.counts;
  html += "<p class=\"summary\" id=\"summary\">" + std::to_string(c.up) + " up, " +
          std::to_string(c.down) + " down";
  if (c.unknown > 0) html += ", " + std::to_string(c.unknown) + " not run yet";
  if (!c.down_by_layer.empty()) {
    html += " (failing at";
    bool first = true;
    for (const auto& [layer, n] : c.down_by_layer) {
      html += std::string(first ? " " : ", ") + html_escape(layer) + ": " + std::to_string(n);
      first = false;
    }
    html += ")";
  }
  html += "</p>";

  const auto& f = view.filter;
  html += "<form class=\"filters\" method=\"get\" action=\"" + base + "status\">";
  html += "<label>State <select name=\"state\">" +
          options({"down", "up", "unknown"}, f.state, "any") + "</select></label>";
  html += "<label>Module <select name=\"module\">" + options(view.modules, f.module, "any") +
          "</select></label>";
  html += "<label>Failing layer <select name=\"layer\">" + options(view.layers, f.layer, "any") +
          "</select></label>";
  html += "<label>Label <input name=\"label\" placeholder=\"team=db\" value=\"" +
          html_escape(f.label) + "\"></label><button type=\"submit\">Filter</button></form>";

  const auto vantage = common_vantage(view.rows);
  html += "<p id=\"matched\">" + std::to_string(view.matched) + " matching, page " +
          std::to_string(view.page) + " of " + std::to_string(view.pages);
  html += "</p>";
  if (vantage)
    html += "<p id=\"vantage\">Probed from vantage <code>" + html_escape(*vantage) + "</code></p>";
  html +=
      "<table id=\"targets\"><thead><tr><th>State</th><th>Target</th><th>Module</th>"
      "<th>Labels</th><th>Verdict</th><th>Since</th><th>1h</th><th>24h</th><th>7d</th>"
      "<th>30d</th><th>p50 24h</th><th>p95 24h</th><th>Last 24 h</th></tr></thead><tbody>";
  for (const auto& row : view.rows) {
    const auto& k = *row.key;
    const std::string state(history::to_string(k.state));
    html += "<tr class=\"key\" data-key=\"" + html_escape(k.info.id) + "\" data-state=\"" + state +
            "\" data-layer=\"" +
            html_escape(k.state == history::KeyState::down ? k.failing_layer() : "") +
            "\" data-module=\"" + html_escape(k.info.module) + "\">";
    html += "<td class=\"state " + state + "\">" + state + "</td>";
    html += "<td class=\"target\"><a href=\"" + base + "status/" + url_encode(k.info.id) + "\">" +
            html_escape(k.info.target) + "</a></td>";
    html += "<td class=\"module\">" + html_escape(k.info.module) + "</td>";
    html +=
        "<td class=\"labels\">" + html_escape(labels_text(k.info, vantage.has_value())) + "</td>";
    html += "<td class=\"verdict\" title=\"" + html_escape(k.summary) + "\">" +
            html_escape(k.state == history::KeyState::down
                            ? k.verdict
                            : (k.state == history::KeyState::up ? "ok" : "-")) +
            "</td>";
    html += "<td class=\"since\" title=\"" + utc_time(k.since_ms) + "\">" +
            elapsed(k.since_ms, view.now_ms) + "</td>";
    html += "<td class=\"num avail-1h\">" + percent(k.availability(view.now_ms, 6)) + "</td>";
    html += "<td class=\"num avail-24h\">" +
            percent(k.availability(view.now_ms, history::kTimelineSlots)) + "</td>";
    html += "<td class=\"num avail-7d\">" + percent(row.windows.d7) + "</td>";
    html += "<td class=\"num avail-30d\">" + percent(row.windows.d30) + "</td>";
    html += "<td class=\"num p50\">" + duration_text(row.windows.p50_24h) + "</td>";
    html += "<td class=\"num p95\">" + duration_text(row.windows.p95_24h) + "</td>";
    html += "<td>" + timeline(k, view.now_ms) + "</td></tr>";
  }
  html += "</tbody></table>";
  if (view.pages > 1) {
    html += "<p class=\"pages\">";
    const std::string query = filter_query(f);
    if (view.page > 1)
      html += "<a rel=\"prev\" href=\"" + base + "status?page=" + std::to_string(view.page - 1) +
              html_escape(query) + "\">previous</a> ";
    if (view.page < view.pages)
      html += "<a rel=\"next\" href=\"" + base + "status?page=" + std::to_string(view.page + 1) +
              html_escape(query) + "\">next</a>";
    html += "</p>";
  }
  return html + "</body></html>\n";
}

}  // namespace reachprobe::exporters
