#include "cli/serve_command.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <ctime>
#include <deque>
#include <fstream>
#include <iostream>

#include "engine/module_plan.hpp"
#include "engine/runner.hpp"
#include "exporters/blackbox_metrics.hpp"
#include "exporters/http_server.hpp"
#include "exporters/json_report.hpp"
#include "exporters/logger.hpp"
#include "targets/config_loader.hpp"
#include "targets/target_parser.hpp"

namespace reachprobe::cli {
namespace {

using exporters::HttpRequest;
using exporters::HttpResponse;

struct ServeFlags {
  std::string config_file = "reachprobe.yml";
  std::optional<std::string> web_config_file;
  std::string listen = ":9115";
  double timeout_offset = 0.5;
  bool config_check = false;
  exporters::Logger::Level log_level = exporters::Logger::Level::info;
  bool log_json = false;
};

// The exporter's own state: the running config and the /metrics registry.
struct Exporter {
  ServeFlags flags;
  std::shared_ptr<engine::Services> services;
  targets::Config config;
  exporters::Logger log;
  prometheus::Registry registry;
  prometheus::Family<prometheus::Gauge>* reload_ok = nullptr;
  prometheus::Family<prometheus::Gauge>* reload_time = nullptr;
  prometheus::Family<prometheus::Counter>* unknown_module = nullptr;
  prometheus::Family<prometheus::Counter>* probes = nullptr;
  // Recent probes for the landing page, newest last; bounded like blackbox's --history.limit.
  struct Recent {
    std::uint64_t id;
    std::string module;
    std::string target;
    bool success;
    std::string debug;
  };
  std::deque<Recent> history;
  std::uint64_t next_id = 0;
  static constexpr std::size_t kHistoryLimit = 100;
};

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

targets::Expected<targets::Config> load(const std::string& file) {
  if (access(file.c_str(), F_OK) != 0) return targets::default_config();  // as the contract says
  return targets::load_config_file(file);
}

void record_reload(Exporter& e, bool ok) {
  e.reload_ok->Add({}).Set(ok ? 1 : 0);
  if (ok) e.reload_time->Add({}).Set(static_cast<double>(std::time(nullptr)));
}

bool reload(Exporter& e) {
  auto loaded = load(e.flags.config_file);
  if (!loaded) {
    e.log.log(exporters::Logger::Level::error, "Error reloading config", {{"err", loaded.error()}});
    record_reload(e, false);
    return false;  // the running config stays
  }
  e.config = std::move(loaded).value();
  record_reload(e, true);
  e.log.log(exporters::Logger::Level::info, "Loaded config file", {{"file", e.flags.config_file}});
  return true;
}

// blackbox's rule: the scrape timeout (default 120 s) minus the offset, unless the module's
// own timeout is shorter (or the difference is negative).
targets::Expected<std::chrono::nanoseconds> probe_timeout(const HttpRequest& req,
                                                          const targets::Module& module,
                                                          double offset) {
  double scrape = 120;
  if (req.scrape_timeout) {
    const auto& text = *req.scrape_timeout;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), scrape);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(scrape)) {
      return targets::Expected<std::chrono::nanoseconds>::failure(
          "Failed to parse timeout from Prometheus header: " + text);
    }
    if (scrape == 0) scrape = 120;
  }
  double max = scrape - offset;
  double module_seconds = std::chrono::duration<double>(module.timeout).count();
  double chosen = ((module_seconds > 0 && module_seconds < max) || max < 0) ? module_seconds : max;
  if (chosen <= 0) chosen = 0.001;
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(chosen));
}

net::awaitable<HttpResponse> handle_probe(std::shared_ptr<Exporter> e, HttpRequest req) {
  std::string module_name = req.query.contains("module") ? req.query["module"] : "http_2xx";
  auto it = e->config.modules.find(module_name);
  if (it == e->config.modules.end()) {
    e->unknown_module->Add({}).Increment();
    co_return HttpResponse{400, "text/plain; charset=utf-8",
                           "Unknown module \"" + module_name + "\"\n"};
  }
  if (!req.query.contains("target") || req.query["target"].empty()) {
    co_return HttpResponse{400, "text/plain; charset=utf-8", "Target parameter is missing\n"};
  }
  const targets::Module module = it->second;
  {
    // The allow-list judges the host the probe would contact, before any packet is sent.
    auto probe_text = req.query["target"];
    auto parsed = targets::parse_target(probe_text.find("://") == std::string::npos &&
                                                module.prober == targets::ProberKind::http
                                            ? "http://" + probe_text
                                            : probe_text);
    if (parsed && !targets::target_allowed(e->config, parsed->host, parsed->host_is_ip_literal)) {
      co_return HttpResponse{400, "text/plain; charset=utf-8",
                             "Target \"" + parsed->host + "\" is not in allowed_targets\n"};
    }
  }
  auto timeout = probe_timeout(req, module, e->flags.timeout_offset);
  if (!timeout) co_return HttpResponse{500, "text/plain; charset=utf-8", timeout.error() + "\n"};
  engine::ProbeOptions options;
  options.trace_path = module.prober == targets::ProberKind::path;
  auto applied = engine::apply_module(module, req.query["target"], options);
  if (!applied) co_return HttpResponse{400, "text/plain; charset=utf-8", applied.error() + "\n"};
  options.timeout = *timeout;
  auto report = co_await engine::run_target(e->services, applied->target, applied->plan, options);
  e->log.log(exporters::Logger::Level::debug, "Probe finished",
             {{"module", module_name},
              {"target", req.query["target"]},
              {"success", report.success ? "true" : "false"},
              {"summary", report.verdict.summary}});
  e->probes->Add({{"module", module_name}, {"result", report.success ? "success" : "failure"}})
      .Increment();
  auto registry = exporters::probe_registry(report, targets::to_string(module.prober));
  std::string body = exporters::serialize(*registry);
  std::string debug = "Layered report:\n" + exporters::to_json(report).dump(2) +
                      "\n\n\n\nMetrics that would have been returned:\n" + body;
  e->history.push_back({e->next_id++, module_name, req.query["target"], report.success, debug});
  if (e->history.size() > Exporter::kHistoryLimit) e->history.pop_front();
  if (req.query["debug"] == "true") body = debug;
  co_return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", body};
}

std::string process_metrics() {
  std::ostringstream out;
  std::ifstream stat("/proc/self/stat");
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = content.rfind(')');
  if (close != std::string::npos) {
    std::istringstream fields(content.substr(close + 2));
    std::vector<std::string> f((std::istream_iterator<std::string>(fields)),
                               std::istream_iterator<std::string>());
    if (f.size() > 22) {
      double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
      double cpu = (std::stod(f[11]) + std::stod(f[12])) / tick;
      double rss = std::stod(f[21]) * static_cast<double>(sysconf(_SC_PAGESIZE));
      out << "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
          << "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total " << cpu << "\n"
          << "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
          << "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes " << rss
          << "\n";
    }
  }
  return out.str();
}

std::string landing_page(const Exporter& e) {
  std::string html =
      "<html><head><title>reachprobe</title></head><body><h1>reachprobe</h1>"
      "<p><a href=\"metrics\">Metrics</a></p><h2>Recent probes</h2>"
      "<table border=\"1\"><tr><th>Module</th><th>Target</th><th>Result</th><th>Debug</th></tr>";
  for (auto it = e.history.rbegin(); it != e.history.rend(); ++it) {
    html += "<tr><td>" + html_escape(it->module) + "</td><td>" + html_escape(it->target) +
            "</td><td>" + (it->success ? "Success" : "<strong>Failure</strong>") +
            "</td><td><a href=\"logs?id=" + std::to_string(it->id) + "\">Logs</a></td></tr>";
  }
  return html + "</table></body></html>\n";
}

net::awaitable<HttpResponse> route(std::shared_ptr<Exporter> e, HttpRequest req) {
  if (req.path == "/probe") co_return co_await handle_probe(e, std::move(req));
  if (req.path == "/metrics") {
    co_return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8",
                           exporters::serialize(e->registry) + process_metrics()};
  }
  if (req.path == "/-/healthy")
    co_return HttpResponse{200, "text/plain; charset=utf-8", "Healthy\n"};
  if (req.path == "/-/ready") co_return HttpResponse{200, "text/plain; charset=utf-8", "Ready\n"};
  if (req.path == "/-/reload") {
    if (req.method != "POST") {
      co_return HttpResponse{405, "text/plain; charset=utf-8",
                             "This endpoint requires a POST request.\n"};
    }
    bool ok = reload(*e);
    co_return HttpResponse{ok ? 200u : 500u, "text/plain; charset=utf-8",
                           ok ? "OK\n" : "failed to reload config\n"};
  }
  if (req.path == "/") co_return HttpResponse{200, "text/html; charset=utf-8", landing_page(*e)};
  if (req.path == "/logs") {
    std::uint64_t id = 0;
    const std::string& text = req.query["id"];
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size()) {
      co_return HttpResponse{400, "text/plain; charset=utf-8", "Invalid probe id\n"};
    }
    for (const auto& recent : e->history) {
      if (recent.id == id) co_return HttpResponse{200, "text/plain; charset=utf-8", recent.debug};
    }
    co_return HttpResponse{404, "text/plain; charset=utf-8", "Probe id not found\n"};
  }
  co_return HttpResponse{404, "text/plain; charset=utf-8", "404 page not found\n"};
}

targets::Expected<ServeFlags> parse_serve_flags(std::span<const std::string> args) {
  using Result = targets::Expected<ServeFlags>;
  ServeFlags flags;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (name == "--config.check") {
      flags.config_check = true;
      continue;
    }
    if (!value) {
      if (i + 1 >= args.size()) return Result::failure("flag " + name + " needs a value");
      value = args[++i];
    }
    if (name == "--config.file")
      flags.config_file = *value;
    else if (name == "--web.listen-address")
      flags.listen = *value;
    else if (name == "--timeout-offset") {
      auto [end, ec] =
          std::from_chars(value->data(), value->data() + value->size(), flags.timeout_offset);
      if (ec != std::errc() || end != value->data() + value->size()) {
        return Result::failure("flag --timeout-offset: \"" + *value + "\" is not a number");
      }
    } else if (name == "--log.level") {
      if (!exporters::Logger::parse_level(*value, flags.log_level)) {
        return Result::failure("flag --log.level: \"" + *value +
                               "\" must be debug, info, warn or error");
      }
    } else if (name == "--log.format") {
      if (*value != "logfmt" && *value != "json") {
        return Result::failure("flag --log.format: \"" + *value + "\" must be logfmt or json");
      }
      flags.log_json = *value == "json";
    } else if (name == "--web.config.file") {
      flags.web_config_file = *value;
    } else {
      return Result::failure("unknown flag " + name);
    }
  }
  return flags;
}

}  // namespace

int run_serve_command(std::span<const std::string> args) {
  auto flags = parse_serve_flags(args);
  if (!flags) {
    std::cerr << "reachprobe: " << flags.error() << "\n";
    return 2;
  }
  auto e = std::make_shared<Exporter>();
  e->flags = *flags;
  e->log.set_level(flags->log_level);
  e->log.set_json(flags->log_json);
  auto loaded = load(e->flags.config_file);
  if (!loaded) {
    std::cerr << "reachprobe: " << loaded.error() << "\n";
    return 2;
  }
  if (e->flags.config_check) {
    std::cout << "Config file is ok\n";
    return 0;
  }
  e->config = std::move(loaded).value();
  e->reload_ok = &prometheus::BuildGauge()
                      .Name("reachprobe_config_last_reload_successful")
                      .Help("Whether the last configuration reload attempt was successful")
                      .Register(e->registry);
  e->reload_time = &prometheus::BuildGauge()
                        .Name("reachprobe_config_last_reload_success_timestamp_seconds")
                        .Help("Timestamp of the last successful configuration reload")
                        .Register(e->registry);
  e->unknown_module = &prometheus::BuildCounter()
                           .Name("blackbox_module_unknown_total")
                           .Help("Count of unknown modules requested by probes")
                           .Register(e->registry);
  e->probes = &prometheus::BuildCounter()
                   .Name("reachprobe_probes_total")
                   .Help("Probes run, by module and result")
                   .Register(e->registry);
  e->unknown_module->Add({});
  record_reload(*e, true);

  net::io_context io(1);
  e->services = std::make_shared<engine::Services>(io.get_executor());
  // The resolver uses the system configuration, as blackbox_exporter's Go resolver does.
  if (auto resolver = net_io::DnsResolver::create(io.get_executor(), std::nullopt)) {
    e->services->resolver = std::move(resolver).value();
  }
  std::string host = "0.0.0.0";
  std::string port = e->flags.listen;
  if (auto colon = e->flags.listen.rfind(':'); colon != std::string::npos) {
    host = e->flags.listen.substr(0, colon);
    port = e->flags.listen.substr(colon + 1);
    if (host.empty()) host = "0.0.0.0";
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  }
  boost::system::error_code ec;
  auto address = net::ip::make_address(host, ec);
  unsigned short port_number = 0;
  auto [end, perr] = std::from_chars(port.data(), port.data() + port.size(), port_number);
  if (ec || perr != std::errc() || end != port.data() + port.size()) {
    std::cerr << "reachprobe: flag --web.listen-address: \"" << e->flags.listen
              << "\" is not HOST:PORT\n";
    return 2;
  }
  net::ip::tcp::acceptor acceptor(io);
  net::ip::tcp::endpoint endpoint(address, port_number);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    std::cerr << "reachprobe: cannot listen on " << e->flags.listen << ": " << ec.message() << "\n";
    return 2;
  }
  e->log.log(exporters::Logger::Level::info, "Listening on address",
             {{"address", e->flags.listen}});
  auto handler = std::make_shared<exporters::HttpHandler>(
      [e](HttpRequest req) { return route(e, std::move(req)); });
  exporters::ServerSecurity security;
  if (e->flags.web_config_file) {
    auto web = exporters::load_web_config(*e->flags.web_config_file);
    if (!web) {
      std::cerr << "reachprobe: " << web.error() << "\n";
      return 2;
    }
    if (web->tls()) {
      auto tls = exporters::make_tls_context(*web);
      if (!tls) {
        std::cerr << "reachprobe: " << tls.error() << "\n";
        return 2;
      }
      security.tls = *tls;
    }
    if (!web->basic_auth_users.empty()) {
      security.auth = std::make_shared<exporters::BasicAuth>(web->basic_auth_users);
    }
  }
  net::co_spawn(io, exporters::serve_http(std::move(acceptor), handler, security), net::detached);
  net::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& error, int signal) {
        if (error) return;
        if (signal == SIGHUP) {
          reload(*e);
          signals.async_wait(on_signal);
          return;
        }
        e->services->shutdown();
        io.stop();
      };
  signals.async_wait(on_signal);
  io.run();
  return 0;
}

}  // namespace reachprobe::cli
