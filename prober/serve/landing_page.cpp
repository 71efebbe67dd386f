#include "serve/landing_page.hpp"

#include "exporters/html_text.hpp"

namespace reachprobe::serve {

using exporters::html_escape;

std::string landing_page(const ProbeHistory& history, const std::string& link_prefix) {
  const std::string base = html_escape(link_prefix);
  std::string html =
      "<html><head><title>reachprobe</title></head><body><h1>reachprobe</h1>"
      "<p><a href=\"" +
      base +
      "status\">Status of scheduled targets</a></p>"
      "<p><a href=\"" +
      base +
      "metrics\">Metrics</a></p>"
      "<p><a href=\"" +
      base +
      "config\">Configuration</a></p>"
      "<h2>Recent probes</h2><table border=\"1\"><tr><th>Module</th>"
      "<th>Target</th><th>Result</th><th>Debug</th></tr>";
  for (const ProbeHistory::Entry* entry : history.newest_first()) {
    html += "<tr><td>" + html_escape(entry->module) + "</td><td>" + html_escape(entry->target) +
            "</td><td>" + (entry->success ? "Success" : "<strong>Failure</strong>") +
            "</td><td><a href=\"" + base + "logs?id=" + std::to_string(entry->id) +
            "\">Logs</a></td></tr>";
  }
  return html + "</table></body></html>\n";
}

}  // namespace reachprobe::serve
