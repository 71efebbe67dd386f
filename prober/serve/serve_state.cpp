#include "serve/serve_state.hpp"

#include <unistd.h>

#include <ctime>
#include <exception>
#include <utility>

#include "targets/config_loader.hpp"

namespace reachprobe::serve {
namespace {

// The thread that loads configs for reload(). An io_context service, so io_context's destructor
// joins it (shutdown()) before the scheduler drops its handlers: a load still running at exit
// then posts its result to a live io_context, never to a destroyed one. One thread: loads are
// serialized.
class ReloadWorker : public net::execution_context::service {
 public:
  static net::execution_context::id id;
  explicit ReloadWorker(net::execution_context& owner) : net::execution_context::service(owner) {}
  net::thread_pool::executor_type executor() { return pool_.get_executor(); }

 private:
  void shutdown() override { pool_.join(); }
  net::thread_pool pool_{1};
};
net::execution_context::id ReloadWorker::id;

// What a worker load hands back (default-constructible, as co_spawn's result must be).
struct LoadOutcome {
  std::optional<targets::Config> config;
  std::string error;
};

// Runs on the reload worker. Takes and returns values only: it shares nothing with the
// io_context thread. Catches everything, so no load can end the process.
net::awaitable<LoadOutcome> load_on_worker(std::string file) {
  LoadOutcome outcome;
  try {
    auto loaded = load_serve_config(file);
    if (loaded)
      outcome.config = std::move(loaded).value();
    else
      outcome.error = loaded.error();
  } catch (const std::exception& e) {
    outcome.error = file + ": cannot load: " + e.what();
  } catch (...) {
    outcome.error = file + ": cannot load: unknown error";
  }
  co_return outcome;
}

// The board after a restart: states, since-when and the 24 h timelines from the store. A store
// that cannot be read restores nothing (its problem is logged by the store).
net::awaitable<void> restore_board(std::shared_ptr<ServeState> state) {
  try {
    auto snapshot = co_await state->store->board_snapshot();
    state->board.restore(snapshot);
  } catch (const std::exception& e) {
    state->log.log(exporters::Logger::Level::error, "Cannot restore the status board",
                   {{"err", e.what()}});
  }
}

}  // namespace

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
  auto config = targets::load_config_file(file);
  if (!config) return config;
  // Every target parsed against its module now, so a bad entry refuses the load (and a reload).
  auto keys = schedule::build_config_keys(*config, "check");
  if (!keys) return targets::Expected<targets::Config>::failure(keys.error());
  return config;
}

void start_schedule(const std::shared_ptr<ServeState>& state) {
  std::weak_ptr<ServeState> weak = state;
  auto on_bug = [weak](const std::string& target, const std::string& what) {
    auto s = weak.lock();
    if (!s) return;
    s->internal_errors.Add({}).Increment();
    s->log.log(exporters::Logger::Level::error, "Scheduled probe failed with an internal error",
               {{"target", target}, {"err", what}});
  };
  auto warn = [weak](const std::string& what, const std::string& detail) {
    if (auto s = weak.lock()) s->log.log(exporters::Logger::Level::warn, what, {{"err", detail}});
  };
  auto store_log = [weak](history::HistoryStore::Severity severity, const std::string& message,
                          const std::string& detail) {
    auto s = weak.lock();
    if (!s) return;
    auto level = severity == history::HistoryStore::Severity::error
                     ? exporters::Logger::Level::error
                     : exporters::Logger::Level::warn;
    s->log.log(level, message, {{"path", s->flags.storage_path}, {"err", detail}});
  };
  state->store =
      std::make_unique<history::HistoryStore>(state->services->executor, state->flags.storage_path,
                                              state->flags.storage_retention, store_log);
  state->store->start();
  state->history_sink = std::make_unique<HistorySink>(state->board, state->store.get());
  state->schedule = std::make_unique<schedule::ScheduleService>(state->services, on_bug, warn);
  state->schedule->add_sink(&state->scheduled_metrics);
  state->schedule->add_sink(state->history_sink.get());
  if (auto error = state->schedule->configure(state->config)) {
    state->log.log(exporters::Logger::Level::error, "Scheduled targets refused", {{"err", *error}});
  }
  net::co_spawn(state->services->executor, restore_board(state), net::detached);
}

void append_scheduled_exposition(const ServeState& state, std::string& out) {
  if (!state.schedule) return;
  exporters::SchedulerFigures figures;
  figures.keys = state.schedule->keys();
  figures.in_flight = state.schedule->in_flight();
  figures.start_lag = state.schedule->start_lag();
  figures.sd_file_read_errors = state.schedule->sd_file_read_errors();
  exporters::render_scheduler_figures(figures, out);
  if (state.store) {
    auto health = state.store->health();
    out +=
        "# HELP reachprobe_storage_errors_total Errors opening, writing or reading the history "
        "store\n# TYPE reachprobe_storage_errors_total counter\nreachprobe_storage_errors_total " +
        std::to_string(health.errors) +
        "\n# HELP reachprobe_storage_runs_dropped_total Scheduled runs the history store could "
        "not record\n# TYPE reachprobe_storage_runs_dropped_total counter\n"
        "reachprobe_storage_runs_dropped_total " +
        std::to_string(health.dropped_runs) + "\n";
  }
  state.scheduled_metrics.render(out);
}

void use_config(ServeState& state, targets::Config config) {
  state.config = std::move(config);
  state.modules.clear();
  for (const auto& [name, module] : state.config.modules)
    state.modules.emplace(name, std::make_shared<const targets::Module>(module));
  state.allow_list = state.config.allowed_targets.empty()
                         ? nullptr
                         : std::make_shared<const targets::AllowList>(state.config.allowed_targets);
  state.probe_options.clear();
}

void record_reload(ServeState& state, bool ok) {
  state.reload_ok.Add({}).Set(ok ? 1 : 0);
  if (ok) state.reload_time.Add({}).Set(static_cast<double>(std::time(nullptr)));
}

net::awaitable<std::optional<std::string>> reload(std::shared_ptr<ServeState> state) {
  auto executor = co_await net::this_coro::executor;
  auto& worker = net::use_service<ReloadWorker>(net::query(executor, net::execution::context));
  LoadOutcome outcome;
  try {
    outcome = co_await net::co_spawn(worker.executor(), load_on_worker(state->flags.config_file),
                                     net::use_awaitable);
  } catch (const std::exception& e) {
    outcome.error = std::string("reload failed: ") + e.what();
  }
  // Back on the io_context thread: the only thread that touches the state.
  if (!outcome.config) {
    state->log.log(exporters::Logger::Level::error, "Error reloading config",
                   {{"err", outcome.error}});
    record_reload(*state, false);
    co_return outcome.error;
  }
  if (state->schedule) {
    // Checked on the worker already; a refusal here would be a bug, and keeps the old config.
    if (auto error = state->schedule->configure(*outcome.config)) {
      state->log.log(exporters::Logger::Level::error, "Error reloading config", {{"err", *error}});
      record_reload(*state, false);
      co_return *error;
    }
  }
  use_config(*state, std::move(*outcome.config));
  record_reload(*state, true);
  state->log.log(exporters::Logger::Level::info, "Loaded config file",
                 {{"file", state->flags.config_file}});
  co_return std::nullopt;
}

}  // namespace reachprobe::serve
