#include "cli/serve_state.hpp"

#include <unistd.h>

#include <ctime>
#include <utility>

#include "targets/config_loader.hpp"

namespace reachprobe::cli {

ServeState::ServeState(ServeFlags serve_flags)
    : flags(std::move(serve_flags)),
      reload_ok(prometheus::BuildGauge()
                    .Name("reachprobe_config_last_reload_successful")
                    .Help("Whether the last configuration reload attempt was successful")
                    .Register(registry)),
      reload_time(prometheus::BuildGauge()
                      .Name("reachprobe_config_last_reload_success_timestamp_seconds")
                      .Help("Timestamp of the last successful configuration reload")
                      .Register(registry)),
      unknown_module(prometheus::BuildCounter()
                         .Name("blackbox_module_unknown_total")
                         .Help("Count of unknown modules requested by probes")
                         .Register(registry)),
      probes(prometheus::BuildCounter()
                 .Name("reachprobe_probes_total")
                 .Help("Probes run, by module and result")
                 .Register(registry)),
      internal_errors(prometheus::BuildCounter()
                          .Name("reachprobe_internal_errors_total")
                          .Help("Exceptions caught by the exporter's barrier: bugs, reported "
                                "and survived")
                          .Register(registry)),
      history(flags.history_limit) {
  log.set_level(flags.log_level);
  log.set_json(flags.log_json);
  unknown_module.Add({});  // exported as 0 from the start, as blackbox does
  internal_errors.Add({});
}

targets::Expected<targets::Config> load_serve_config(const std::string& file) {
  if (access(file.c_str(), F_OK) != 0) return targets::default_config();
  return targets::load_config_file(file);
}

void record_reload(ServeState& state, bool ok) {
  state.reload_ok.Add({}).Set(ok ? 1 : 0);
  if (ok) state.reload_time.Add({}).Set(static_cast<double>(std::time(nullptr)));
}

bool reload(ServeState& state) {
  auto loaded = load_serve_config(state.flags.config_file);
  if (!loaded) {
    state.log.log(exporters::Logger::Level::error, "Error reloading config",
                  {{"err", loaded.error()}});
    record_reload(state, false);
    return false;
  }
  state.config = std::move(loaded).value();
  record_reload(state, true);
  state.log.log(exporters::Logger::Level::info, "Loaded config file",
                {{"file", state.flags.config_file}});
  return true;
}

}  // namespace reachprobe::cli
