#pragma once
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <cstdint>
#include <map>
#include <utility>

#include "targets/allow_list.hpp"

#include <memory>
#include <optional>
#include <string>

#include "engine/asio.hpp"
#include "exporters/logger.hpp"
#include "exporters/scheduled_metrics.hpp"
#include "history/history_store.hpp"
#include "history/status_board.hpp"
#include "layers/probe_session.hpp"
#include "schedule/schedule_service.hpp"
#include "serve/history_sink.hpp"
#include "serve/probe_history.hpp"
#include "serve/serve_settings.hpp"
#include "targets/expected.hpp"
#include "targets/module.hpp"

namespace reachprobe::serve {

// Everything `reachprobe serve` keeps between requests: the running config, the exporter's own
// /metrics registry and the landing page's history. One io_context thread touches it.
struct ServeState {
  explicit ServeState(ServeFlags serve_flags);

  ServeFlags flags;
  std::shared_ptr<layers::Services> services;
  targets::Config config;
  // Of the running config, made once per (re)load rather than per /probe: each module (a
  // probe keeps its own across a reload), the allowed_targets list (null when empty), and the
  // options a module gives a probe at a given timeout (a scrape's timeout is nearly always
  // the same), which were most of a light probe's allocations.
  std::map<std::string, std::shared_ptr<const targets::Module>> modules;
  std::shared_ptr<const targets::AllowList> allow_list;
  std::map<std::pair<std::string, std::int64_t>, std::shared_ptr<const layers::ProbeOptions>>
      probe_options;
  exporters::Logger log;
  prometheus::Registry registry;
  prometheus::Family<prometheus::Gauge>& reload_ok;
  prometheus::Family<prometheus::Gauge>& reload_time;
  prometheus::Family<prometheus::Counter>& unknown_module;
  prometheus::Family<prometheus::Counter>& probes;
  // Exceptions caught by the barrier around each request (bugs, never network outcomes).
  prometheus::Family<prometheus::Counter>& internal_errors;
  ProbeHistory history;
  // The scheduled keys' /metrics families, fed by the schedule (declared first: it outlives it).
  exporters::ScheduledMetrics scheduled_metrics;
  // The history of scheduled runs and the status page's view of them (also fed by the
  // schedule, so declared before it).
  history::StatusBoard board;
  std::unique_ptr<history::HistoryStore> store;  // set by start_schedule
  std::unique_ptr<HistorySink> history_sink;
  std::unique_ptr<schedule::ScheduleService> schedule;  // set once the Services exist
};

// Makes `config` the running one, with its modules, allow-list and an empty options cache.
void use_config(ServeState& state, targets::Config config);

// Starts the scheduled half (CONTRACT §7) on state.services with state.config's targets, and
// its history: the store at --storage.path (opened on its worker) and the status board,
// restored from the store once it has been read.
void start_schedule(const std::shared_ptr<ServeState>& state);

// Appends the scheduler's families and the scheduled keys', in the text format, for /metrics:
// in place, because at 10,000 keys they are tens of MB and every copy is RSS.
void append_scheduled_exposition(const ServeState& state, std::string& out);

// The config file, or the built-in default modules when it does not exist (CONTRACT §2), with
// its scheduled targets checked against their modules (FILE:LINE errors). Reads
// every file the config names (bounded, non-blocking) and imports its SSH keys, so it may take
// a while: once serving, call it only through reload(), off the io_context thread.
targets::Expected<targets::Config> load_serve_config(const std::string& file);

// Sets the reload gauges after an attempt.
void record_reload(ServeState& state, bool ok);

// SIGHUP and POST /-/reload. The file is loaded on a one-thread reload worker (reading files and
// decrypting keys never stalls probes on the io_context), then applied back on the io_context
// thread. Reloads are serialized: the worker runs one load at a time, and results are applied
// in the order the loads ran. A bad file, or any exception while loading, is logged and refused,
// sets reachprobe_config_last_reload_successful 0, and the running config stays. Nullopt on
// success, else the one-line reason. Never throws.
net::awaitable<std::optional<std::string>> reload(std::shared_ptr<ServeState> state);

}  // namespace reachprobe::serve
