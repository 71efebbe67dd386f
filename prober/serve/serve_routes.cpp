#include "serve/serve_routes.hpp"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>
#include <vector>

#include "engine/exception_barrier.hpp"
#include "exporters/blackbox_metrics.hpp"
#include "exporters/config_yaml.hpp"
#include "serve/landing_page.hpp"
#include "serve/probe_handler.hpp"
#include "serve/status_routes.hpp"

namespace reachprobe::serve {
namespace {

using exporters::HttpRequest;
using exporters::HttpResponse;

HttpResponse plain(unsigned status, std::string body) {
  return HttpResponse{status, "text/plain; charset=utf-8", std::move(body)};
}

// The process metrics blackbox's Go client exports that matter here: CPU time and RSS.
std::string process_metrics() {
  std::ostringstream out;
  std::ifstream stat("/proc/self/stat");
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = content.rfind(')');
  if (close == std::string::npos || close + 2 > content.size()) return "";
  std::istringstream fields(content.substr(close + 2));
  std::vector<std::string> f((std::istream_iterator<std::string>(fields)),
                             std::istream_iterator<std::string>());
  if (f.size() <= 22) return "";
  double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  double cpu = (std::stod(f[11]) + std::stod(f[12])) / tick;
  double rss = std::stod(f[21]) * static_cast<double>(sysconf(_SC_PAGESIZE));
  out << "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
      << "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total " << cpu << "\n"
      << "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
      << "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes " << rss
      << "\n";
  return out.str();
}

// GET /logs?id=N: the debug output of a probe the history still keeps.
HttpResponse probe_logs(const ServeState& state, const std::string& text) {
  std::uint64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size())
    return plain(400, "Invalid probe id\n");
  const ProbeHistory::Entry* entry = state.history.find(id);
  if (entry == nullptr) return plain(404, "Probe id not found\n");
  return plain(200, entry->debug_output());
}

// POST /-/reload: always answered, 500 with the one-line reason when the new config is refused
// (as blackbox does); the old config keeps running.
net::awaitable<HttpResponse> reload_endpoint(std::shared_ptr<ServeState> state, HttpRequest req) {
  if (req.method != "POST") co_return plain(405, "This endpoint requires a POST request.\n");
  auto error = co_await reload(state);
  if (error) co_return plain(500, "failed to reload config: " + *error + "\n");
  co_return plain(200, "OK\n");
}

}  // namespace

std::optional<std::string> strip_route_prefix(const std::string& path, const std::string& prefix) {
  if (prefix == "/") return path;
  const std::string_view bare(prefix.data(), prefix.size() - 1);  // "/bb/" -> "/bb"
  if (path == bare) return "/";
  if (path.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  return path.substr(bare.size());
}

namespace {

net::awaitable<HttpResponse> route_unguarded(std::shared_ptr<ServeState> state, HttpRequest req) {
  auto endpoint = strip_route_prefix(req.path, state->flags.route_prefix);
  if (!endpoint) co_return plain(404, "404 page not found\n");
  const std::string& path = *endpoint;
  if (path == "/probe") co_return co_await handle_probe(state, std::move(req));
  if (path == "/metrics") {
    // Appended in place: at 10,000 keys the scheduled part is tens of MB, and a concatenation
    // of temporaries would hold it twice.
    std::string body = exporters::serialize(state->registry) + process_metrics();
    append_scheduled_exposition(*state, body);
    co_return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", std::move(body)};
  }
  if (auto status = co_await route_status(state, req, path)) co_return std::move(*status);
  if (path == "/config") co_return plain(200, exporters::config_to_yaml(state->config));
  if (path == "/logs") co_return probe_logs(*state, req.query["id"]);
  if (path == "/-/healthy") co_return plain(200, "Healthy\n");
  if (path == "/-/ready") co_return plain(200, "Ready\n");
  if (path == "/-/reload") co_return co_await reload_endpoint(state, std::move(req));
  if (path == "/") {
    co_return HttpResponse{200, "text/html; charset=utf-8",
                           landing_page(state->history, state->flags.link_prefix)};
  }
  co_return plain(404, "404 page not found\n");
}

}  // namespace

// Every request passes the exception barrier: a bug answers 500, is logged and counted, and the
// exporter goes on serving.
net::awaitable<HttpResponse> route(std::shared_ptr<ServeState> state, HttpRequest req) {
  std::string path = req.path;
  auto answered = co_await engine::catch_bugs(route_unguarded(state, std::move(req)));
  if (answered) co_return std::move(answered).value();
  state->internal_errors.Add({}).Increment();
  state->log.log(exporters::Logger::Level::error, "Internal error answering a request",
                 {{"path", path}, {"err", answered.error()}});
  co_return plain(500, "internal error: " + answered.error() + "\n");
}

}  // namespace reachprobe::serve
