#include "serve/probe_handler.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>
#include <string>
#include <utility>

#include "exporters/blackbox_metrics.hpp"
#include "exporters/config_yaml.hpp"
#include "exporters/json_report.hpp"
#include "layers/admitted_run.hpp"
#include "layers/module_plan.hpp"
#include "layers/runner.hpp"
#include "targets/printable.hpp"
#include "targets/target_parser.hpp"

namespace reachprobe::serve {
namespace {

using exporters::HttpRequest;
using exporters::HttpResponse;

HttpResponse plain(unsigned status, std::string body) {
  return HttpResponse{status, "text/plain; charset=utf-8", std::move(body)};
}

// What /probe?debug=true answers and /logs?id= serves, as blackbox lays it out.
std::string debug_output(const engine::ProbeReport& report, const targets::Module& module) {
  return "Layered report:\n" +
         exporters::to_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n\n\n\nMetrics that would have been returned:\n" +
         exporters::probe_exposition(report, targets::to_string(module.prober)) +
         "\n\n\nModule configuration:\n" + exporters::module_to_yaml(module);
}

}  // namespace

targets::Expected<std::chrono::nanoseconds> probe_timeout(const HttpRequest& req,
                                                          const targets::Module& module,
                                                          double offset) {
  double scrape = 120;
  if (req.scrape_timeout) {
    const auto& text = *req.scrape_timeout;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), scrape);
    // "inf" and "nan" parse but are no timeout: answered 500 like any unparsable header.
    // A value too large for a double (1e400) is out of range: the same.
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(scrape)) {
      return targets::Expected<std::chrono::nanoseconds>::failure(
          "Failed to parse timeout from Prometheus header: " + text);
    }
    if (scrape == 0) scrape = 120;
  }
  double max = scrape - offset;
  double module_seconds = std::chrono::duration<double>(module.timeout).count();
  double chosen = ((module_seconds > 0 && module_seconds < max) || max < 0) ? module_seconds : max;
  // Clamped before the conversion: 1e10 s does not fit in int64 nanoseconds (it wrapped to a
  // 0.3 ms probe), and no probe is worth holding sockets for longer than kMaxProbeTimeout.
  chosen = std::clamp(chosen, 0.001, kMaxProbeTimeout.count());
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(chosen));
}

namespace {

// The options a module gives its probes at this timeout, made once per config: the module's
// specs (HTTP headers, regexps, TLS files) were copied into every probe's options before.
std::shared_ptr<const layers::ProbeOptions> options_for(ServeState& state,
                                                        const std::string& module_name,
                                                        const targets::Module& module,
                                                        std::chrono::nanoseconds timeout) {
  std::pair<std::string, std::int64_t> key{module_name, timeout.count()};
  if (auto it = state.probe_options.find(key); it != state.probe_options.end()) return it->second;
  // Timeouts come from a request header: a bounded cache, not one entry per value ever sent.
  constexpr std::size_t kMaxCached = 256;
  if (state.probe_options.size() >= kMaxCached) state.probe_options.clear();
  layers::ProbeOptions options;
  options.trace_path = module.prober == targets::ProberKind::path;
  layers::apply_module_options(module, options);
  options.allow_list = state.allow_list;  // a name's addresses and redirect hops, later
  options.timeout = timeout;
  auto shared = std::make_shared<const layers::ProbeOptions>(std::move(options));
  state.probe_options.emplace(std::move(key), shared);
  return shared;
}

}  // namespace

net::awaitable<HttpResponse> handle_probe(std::shared_ptr<ServeState> state, HttpRequest req) {
  std::string module_name = req.query.contains("module") ? req.query["module"] : "http_2xx";
  auto it = state->modules.find(module_name);
  if (it == state->modules.end()) {
    state->unknown_module.Add({}).Increment();
    co_return plain(400, "Unknown module " + targets::quote_printable(module_name) + "\n");
  }
  const std::string target = req.query["target"];
  if (target.empty()) co_return plain(400, "Target parameter is missing\n");
  // Shared, not copied: a reload while this probe runs replaces the map's entry, not the
  // module under it; the history entry renders its debug text from it when asked.
  std::shared_ptr<const targets::Module> kept_module = it->second;
  const targets::Module& module = *kept_module;
  auto timeout = probe_timeout(req, module, state->flags.timeout_offset);
  if (!timeout) co_return plain(500, timeout.error() + "\n");
  auto options = options_for(*state, module_name, module, *timeout);
  // One parse of the target, after the module has added its scheme and default port (R19):
  // the allow-list judges exactly the host the probe will contact, before any packet is sent.
  auto applied = layers::module_target(module, target, *options);
  if (!applied) co_return plain(400, applied.error() + "\n");
  if (const auto* allow = state->allow_list.get()) {
    const auto& host = applied->target;
    auto verdict = allow->judge_host(host.host, host.host_is_ip_literal);
    // A name's addresses are checked by the dns layer; a proxy that resolves for us (skip
    // the resolve phase) leaves nothing to check, so such a name must match a pattern.
    bool unresolved = !applied->plan.find(engine::Layer::dns);
    if (verdict == targets::AllowList::HostVerdict::refused ||
        (verdict == targets::AllowList::HostVerdict::check_addresses && unresolved)) {
      co_return plain(
          400, "Target " + targets::quote_printable(host.host) + " is not in allowed_targets\n");
    }
  }
  // Refused when the prober is short of descriptors; ended when the client goes away.
  auto report = co_await layers::run_admitted(state->services, std::move(applied->target),
                                              std::move(applied->plan), options, req.client_gone);
  if (report.allow_list_refusal) co_return plain(400, *report.allow_list_refusal + "\n");
  // The prober failed, not the target: a failed scrape (README "Exporter limits").
  if (report.prober_error) co_return plain(503, *report.prober_error + "\n");
  if (state->log.enabled(exporters::Logger::Level::debug)) {
    state->log.log(exporters::Logger::Level::debug, "Probe finished",
                   {{"module", module_name},
                    {"target", target},
                    {"success", report.success ? "true" : "false"},
                    {"summary", report.verdict.summary}});
  }
  state->probes.Add({{"module", module_name}, {"result", report.success ? "success" : "failure"}})
      .Increment();
  auto kept = std::make_shared<const engine::ProbeReport>(std::move(report));
  auto render_debug = [kept, kept_module] { return debug_output(*kept, *kept_module); };
  std::string body;
  if (req.query["debug"] == "true") {
    body = render_debug();
    state->history.add(module_name, target, kept->success, body);
  } else {
    body = exporters::probe_exposition(*kept, targets::to_string(module.prober));
    state->history.add(module_name, target, kept->success, std::move(render_debug));
  }
  co_return HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", std::move(body)};
}

}  // namespace reachprobe::serve
