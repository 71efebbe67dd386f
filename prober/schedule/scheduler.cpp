#include "schedule/scheduler.hpp"

#include <sys/resource.h>

#include <algorithm>

#include <chrono>
#include <deque>
#include <exception>
#include <utility>

#include "engine/exception_barrier.hpp"
#include "layers/runner.hpp"

namespace reachprobe::schedule {
namespace {

using Clock = std::chrono::steady_clock;

struct KeyState {
  KeyState(net::any_io_executor executor, std::shared_ptr<const KeySpec> key)
      : spec(std::move(key)), timer(executor) {}
  std::shared_ptr<const KeySpec> spec;  // replaced, never changed, by apply()
  net::steady_timer timer;
  bool running = false;  // a run (waiting for a slot or probing) is under way
  bool removed = false;
  bool rephase = false;  // the interval changed: the loop starts a new phase
};

// Where in its interval a key's ticks fall: stable, so a restart keeps the spread.
std::chrono::nanoseconds phase_of(const KeySpec& key) {
  auto interval = static_cast<std::uint64_t>(key.interval.count());
  return std::chrono::nanoseconds(static_cast<std::int64_t>(key.hash % interval));
}

}  // namespace

struct Scheduler::Core {
  std::shared_ptr<layers::Services> services;
  BugReporter on_bug;
  std::vector<engine::ResultSink*> sinks;
  std::map<std::string, std::shared_ptr<KeyState>> keys;
  std::size_t in_flight = 0;  // runs holding a concurrency slot
  std::size_t max_concurrency = 1000;
  // Runs waiting for a slot, oldest first; a finishing run hands its slot to the front one.
  std::deque<std::shared_ptr<net::steady_timer>> waiting;
  engine::HistogramCounts<engine::kStartLagBuckets.size()> start_lag;
  bool stopped = false;
};

namespace {

using Core = Scheduler::Core;

net::awaitable<void> acquire_slot(std::shared_ptr<Core> core) {
  if (core->in_flight < core->max_concurrency) {
    ++core->in_flight;
    co_return;
  }
  auto wake =
      std::make_shared<net::steady_timer>(core->services->executor, Clock::time_point::max());
  core->waiting.push_back(wake);
  co_await wake->async_wait(use_result);  // cancelled by release_slot: the slot is ours
}

void release_slot(Core& core) {
  if (!core.waiting.empty()) {
    auto next = core.waiting.front();
    core.waiting.pop_front();
    next->cancel();  // the slot passes on: in_flight stays
    return;
  }
  --core.in_flight;
}


net::awaitable<void> run_once(std::shared_ptr<Core> core, std::shared_ptr<KeyState> state,
                              Clock::time_point intended) {
  co_await acquire_slot(core);
  if (core->stopped) co_return;
  if (state->removed) {
    release_slot(*core);
    co_return;
  }
  double lag = std::chrono::duration<double>(Clock::now() - intended).count();
  core->start_lag.observe(engine::kStartLagBuckets, std::max(lag, 0.0));
  const auto key = state->spec;  // a reload while this runs must not change it under it
  auto outcome = co_await engine::catch_bugs(
      layers::run_target(core->services, key->target, key->plan, key->options));
  release_slot(*core);
  state->running = false;
  engine::ProbeReport report;
  if (outcome) {
    report = std::move(outcome).value();
  } else {
    core->on_bug(key->target_text, outcome.error());
    report = layers::internal_error_report(key->target, key->module_name, outcome.error());
  }
  if (state->removed || core->stopped) co_return;  // its series already left
  const auto shared = std::make_shared<const engine::ProbeReport>(std::move(report));
  for (auto* sink : core->sinks) sink->run_finished(key->identity.id, shared);
}

void skipped(Core& core, const KeyState& state) {
  for (auto* sink : core.sinks) sink->run_skipped(state.spec->identity.id);
}

void report_loop_bug(const std::shared_ptr<Core>& core, const std::string& id,
                     std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    core->on_bug(id, ex.what());
  } catch (...) {
    core->on_bug(id, "unknown exception");
  }
}

net::awaitable<void> key_loop(std::shared_ptr<Core> core, std::shared_ptr<KeyState> state) {
  auto next = Clock::now() + phase_of(*state->spec);
  for (;;) {
    state->timer.expires_at(next);
    co_await state->timer.async_wait(use_result);
    if (state->removed || core->stopped) co_return;
    if (state->rephase) {
      state->rephase = false;
      next = Clock::now() + phase_of(*state->spec);
      continue;
    }
    if (state->running) {
      skipped(*core, *state);
    } else {
      state->running = true;
      net::co_spawn(core->services->executor, run_once(core, state, next),
                    [core, id = state->spec->target_text](std::exception_ptr e) {
                      report_loop_bug(core, id, e);
                    });
    }
    next += state->spec->interval;
    // The loop fell more than an interval behind (the process was stopped or starved): those
    // ticks did not run, and say so.
    for (auto now = Clock::now(); next < now; next += state->spec->interval) skipped(*core, *state);
  }
}

}  // namespace

Scheduler::Scheduler(std::shared_ptr<layers::Services> services, BugReporter on_bug)
    : core_(std::make_shared<Core>()) {
  core_->services = std::move(services);
  core_->on_bug = std::move(on_bug);
}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::add_sink(engine::ResultSink* sink) {
  core_->sinks.push_back(sink);
}

std::size_t Scheduler::default_max_concurrency() {
  rlimit limit{};
  rlim_t soft = getrlimit(RLIMIT_NOFILE, &limit) == 0 ? limit.rlim_cur : 1024;
  if (soft == RLIM_INFINITY) soft = 16384;
  return std::clamp<std::size_t>(soft / 4, 64, 4096);
}

void Scheduler::set_max_concurrency(int max) {
  core_->max_concurrency = max > 0 ? static_cast<std::size_t>(max) : default_max_concurrency();
  // A raised limit lets waiting runs go now.
  while (!core_->waiting.empty() && core_->in_flight < core_->max_concurrency) {
    ++core_->in_flight;
    auto next = core_->waiting.front();
    core_->waiting.pop_front();
    next->cancel();
  }
}

void Scheduler::apply(const KeyList& keys) {
  auto& core = *core_;
  std::map<std::string, std::shared_ptr<const KeySpec>> incoming;
  for (const auto& key : keys) incoming.emplace(key->identity.id, key);  // the first of an id wins
  for (auto it = core.keys.begin(); it != core.keys.end();) {
    if (incoming.contains(it->first)) {
      ++it;
      continue;
    }
    it->second->removed = true;
    it->second->timer.cancel();
    for (auto* sink : core.sinks) sink->key_removed(it->first);
    it = core.keys.erase(it);
  }
  for (auto& [id, key] : incoming) {
    auto found = core.keys.find(id);
    if (found == core.keys.end()) {
      auto state = std::make_shared<KeyState>(core.services->executor, key);
      core.keys.emplace(id, state);
      for (auto* sink : core.sinks) sink->key_added(key->identity);
      net::co_spawn(core.services->executor, key_loop(core_, state),
                    [core = core_, id](std::exception_ptr e) { report_loop_bug(core, id, e); });
      continue;
    }
    auto& state = *found->second;
    bool rephase = state.spec->interval != key->interval;
    bool relabel = state.spec->identity.labels != key->identity.labels;
    state.spec = key;
    if (relabel) {
      for (auto* sink : core.sinks) sink->key_added(key->identity);
    }
    if (rephase) {
      state.rephase = true;
      state.timer.cancel();
    }
  }
}

std::size_t Scheduler::keys() const {
  return core_->keys.size();
}
std::size_t Scheduler::in_flight() const {
  return core_->in_flight;
}
const engine::HistogramCounts<engine::kStartLagBuckets.size()>& Scheduler::start_lag() const {
  return core_->start_lag;
}

void Scheduler::stop() {
  core_->stopped = true;
  for (auto& [id, state] : core_->keys) {
    state->removed = true;
    state->timer.cancel();
  }
  core_->keys.clear();
  for (auto& waiter : core_->waiting) waiter->cancel();
  core_->waiting.clear();
}

}  // namespace reachprobe::schedule
