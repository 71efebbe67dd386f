#include "layers/admitted_run.hpp"

#include <chrono>
#include <cstdio>

#include "classify/classifier.hpp"
#include "engine/fd_budget.hpp"
#include "layers/runner.hpp"

namespace reachprobe::layers {
using engine::FdBudget;
using engine::process_fd_budget;

namespace {

std::size_t in_flight = 0;

// Counts a probe for as long as it runs, whichever way its coroutine ends.
struct InFlight {
  InFlight() { ++in_flight; }
  ~InFlight() { --in_flight; }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;
};

ProbeReport not_run(const targets::Target& target, const LayerPlan& plan,
                    const ProbeOptions& options, std::string why) {
  ProbeReport report;
  report.target = target;
  report.module = plan.module;
  report.timeout = options.timeout;
  report.prober_error = std::move(why);
  classify::apply_verdict(report);
  return report;
}

}  // namespace

std::size_t probes_in_flight() {
  return in_flight;
}

net::awaitable<ProbeReport> run_admitted(std::shared_ptr<Services> services, targets::Target target,
                                         LayerPlan plan,
                                         std::shared_ptr<const ProbeOptions> shared_options,
                                         std::shared_ptr<AbortSignal> abort) {
  using namespace net::experimental::awaitable_operators;
  if (FdBudget* budget = process_fd_budget()) {
    if (auto refused = budget->admit_probe(in_flight, std::chrono::steady_clock::now())) {
      co_return not_run(target, plan, *shared_options, std::move(*refused));
    }
  }
  InFlight counted;
  if (!abort)
    co_return co_await run_target(std::move(services), std::move(target), std::move(plan),
                                  std::move(shared_options));
  auto started = std::chrono::steady_clock::now();
  auto kept_target = target;
  auto kept_plan = plan;
  // The loser of `||` is cancelled and awaited before the race returns (a parallel_group):
  // when the client is gone, every socket of the probe has been closed by then. run_target
  // returns its outcome as a value; under cancellation it may unwind with operation_aborted,
  // which `||` discards because the abort side has already won.
  auto outcome = co_await (
      run_target(std::move(services), std::move(target), std::move(plan), shared_options) ||
      abort->wait());
  if (outcome.index() == 0) co_return std::get<0>(std::move(outcome));
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.3f",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  auto report = not_run(
      kept_target, kept_plan, *shared_options,
      std::string("the client closed the connection: probe cancelled after ") + seconds + " s");
  report.duration = std::chrono::steady_clock::now() - started;
  co_return report;
}

}  // namespace reachprobe::layers
