#include "cli/check_command.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/flags.hpp"
#include "exporters/json_report.hpp"
#include "exporters/text_report.hpp"
#include "layers/echo_sweep.hpp"
#include "layers/module_plan.hpp"
#include "layers/runner.hpp"
#include "targets/config_loader.hpp"
#include "targets/target_parser.hpp"

namespace reachprobe::cli {
namespace {

using engine::ProbeReport;

struct PlannedTarget {
  std::size_t index;  // in the order given, for the printer
  targets::Target target;
  engine::LayerPlan plan;
};

int usage_error(const std::string& message) {
  std::cerr << "reachprobe: " << message << "\n";
  return 2;
}

// Raises the open-file limit to its hard maximum and sizes target concurrency from it: each
// target holds one TCP socket, plus up to a trace's worth of probe sockets.
std::size_t concurrency_limit(const layers::ProbeOptions& options) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  getrlimit(RLIMIT_NOFILE, &limit);
  auto available = limit.rlim_cur > 64 ? limit.rlim_cur - 64 : 1;
  rlim_t per_target = options.trace_path ? 2 + static_cast<rlim_t>(options.count) * 30 : 2;
  return static_cast<std::size_t>(std::clamp<rlim_t>(available / per_target, 1, 2000));
}

struct Progress {
  explicit Progress(net::any_io_executor executor) : wake(std::move(executor)) {}
  std::size_t active = 0;
  std::size_t remaining = 0;
  net::steady_timer wake;
};

// Prints each report once it and every report before it are done, in the order the targets
// were given, and lets it go: a sweep of 10,000 targets keeps only the reports that finished
// ahead of an earlier, slower one (and, for the text table, a few strings per target).
class OrderedPrinter {
 public:
  explicit OrderedPrinter(bool json) : json_(json) {
    if (json_) out_ += json_stream_.begin();
  }

  void finished(std::size_t index, ProbeReport report) {
    all_ok_ = all_ok_ && report.success;
    if (index != next_) {
      waiting_.emplace(index, std::move(report));
      return;
    }
    print(report);
    while (!waiting_.empty() && waiting_.begin()->first == next_) {
      print(waiting_.begin()->second);
      waiting_.erase(waiting_.begin());
    }
    if (out_.size() >= kFlushBytes) flush();
  }

  // The document's end or the side-by-side table, after the last report.
  void finish() {
    out_ += json_ ? json_stream_.end() + "\n" : text_stream_.finish();
    flush();
  }

  bool all_ok() const { return all_ok_; }

 private:
  // Written in blocks: one write per report would be a system call per target.
  static constexpr std::size_t kFlushBytes = 1 << 16;
  void flush() {
    std::cout.write(out_.data(), static_cast<std::streamsize>(out_.size()));
    out_.clear();
  }
  void print(const ProbeReport& report) {
    if (json_)
      json_stream_.append_element(report, out_);
    else
      out_ += text_stream_.add(report);
    ++next_;
  }

  bool json_;
  // Only the reports that finished ahead of an earlier, slower one.
  std::map<std::size_t, ProbeReport> waiting_;
  std::size_t next_ = 0;
  bool all_ok_ = true;
  std::string out_;
  exporters::JsonDocumentStream json_stream_;
  exporters::TextReportStream text_stream_;
};

net::awaitable<void> probe_one(std::shared_ptr<layers::Services> services,
                               std::shared_ptr<Progress> progress,
                               std::shared_ptr<OrderedPrinter> printer, std::size_t index,
                               PlannedTarget planned,
                               std::shared_ptr<const layers::ProbeOptions> options) {
  ProbeReport report;
  try {
    report = co_await layers::run_target(services, planned.target, planned.plan, options);
  } catch (const std::exception& e) {
    report = layers::internal_error_report(planned.target, planned.plan.module, e.what());
  }
  printer->finished(index, std::move(report));
  --progress->active;
  --progress->remaining;
  progress->wake.cancel();
}

// Targets that are nothing but an echo to an IP literal go to one sweep (fping's model); the
// rest get a coroutine tree each, at most `concurrency_limit` at a time.
net::awaitable<void> probe_all(std::shared_ptr<layers::Services> services,
                               std::vector<PlannedTarget> planned,
                               std::vector<layers::SweepTarget> swept, layers::ProbeOptions options,
                               std::shared_ptr<OrderedPrinter> printer) {
  auto executor = co_await net::this_coro::executor;
  auto progress = std::make_shared<Progress>(executor);
  progress->remaining = planned.size() + swept.size();
  std::size_t limit = concurrency_limit(options);
  auto shared_options = std::make_shared<const layers::ProbeOptions>(std::move(options));
  if (!swept.empty()) {
    // Counted before printing: a report that cannot be printed must not leave check waiting.
    auto done = [printer, progress](std::size_t index, ProbeReport report) {
      --progress->remaining;
      progress->wake.cancel();
      printer->finished(index, std::move(report));
    };
    net::co_spawn(executor,
                  layers::run_echo_sweep(services, std::move(swept), shared_options, done),
                  net::detached);
  }
  for (auto& p : planned) {
    while (progress->active >= limit) {
      progress->wake.expires_after(std::chrono::seconds(1));
      co_await progress->wake.async_wait(use_result);
    }
    ++progress->active;
    auto index = p.index;
    net::co_spawn(executor,
                  probe_one(services, progress, printer, index, std::move(p), shared_options),
                  net::detached);
  }
  while (progress->remaining > 0) {
    progress->wake.expires_after(std::chrono::seconds(1));
    co_await progress->wake.async_wait(use_result);
  }
  services->shutdown();  // ends the ICMP receive loops so io_context::run() returns
}

}  // namespace

int run_check_command(std::span<const std::string> args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout
        << "usage: reachprobe check [--json] [--timeout 10s] [--count 3] [--no-path]\n"
           "                        [--ip-protocol ip4|ip6] [--dns.server HOST[:PORT]]\n"
           "                        [--ssh.user U] [--ssh.key-file F] [--ssh.password-file F]\n"
           "                        [--ssh.key-passphrase-file F] [--ssh.known-hosts F]\n"
           "                        [--ssh.command CMD] [--ssh.expect REGEX]\n"
           "                        [--ssh.triage] [--ssh.triage-via ssh://[user@]host[:port]]\n"
           "                        TARGET...\n"
           "TARGET: host | host:port | tcp://host:port | [IPv6]:port | "
           "ssh://[user@]host[:port]\n"
           "Secrets: REACHPROBE_SSH_PASSWORD, REACHPROBE_SSH_KEY_PASSPHRASE (or the *-file "
           "flags).\n";
    return 0;
  }
  auto flags = parse_check_flags(args);
  if (!flags) return usage_error(flags.error());

  std::optional<targets::Module> module;
  if (flags->config_file || flags->module) {
    targets::Config config;
    if (flags->config_file) {
      auto loaded = targets::load_config_file(*flags->config_file);
      if (!loaded) return usage_error(loaded.error());
      config = std::move(loaded).value();
    } else {
      config = targets::default_config();
    }
    if (!flags->module) return usage_error("--config.file needs --module NAME for check");
    auto it = config.modules.find(*flags->module);
    if (it == config.modules.end()) return usage_error("unknown module \"" + *flags->module + "\"");
    module = it->second;
  }

  net::io_context io(1);
  auto services = std::make_shared<layers::Services>(io.get_executor());
  std::vector<PlannedTarget> planned;
  std::vector<layers::SweepTarget> swept;
  const std::size_t target_count = flags->targets.size();
  bool needs_dns = false;
  for (std::size_t i = 0; i < target_count; ++i) {
    const auto& text = flags->targets[i];
    PlannedTarget p{i, {}, {}};
    if (module) {
      auto applied = layers::apply_module(*module, text, flags->probe);
      if (!applied) return usage_error(applied.error());
      p.target = std::move(applied->target);
      p.plan = std::move(applied->plan);
    } else {
      auto target = targets::parse_target(text);
      if (!target) return usage_error(target.error());
      auto plan =
          engine::plan_for(*target, flags->probe.trace_path, flags->probe.ssh.has_credentials());
      if (!plan) return usage_error(plan.error());
      layers::add_host_layer(flags->probe, *target, *plan);
      p.target = std::move(target).value();
      p.plan = std::move(plan).value();
    }
    // The ICMP socket is opened here, so a target that cannot have one is probed alone (its
    // path trace stands in for the echo).
    if (auto sweep = layers::as_sweep_target(i, p.target, p.plan, flags->probe);
        sweep && services->icmp.open(p.target.host.find(':') != std::string::npos)) {
      swept.push_back(std::move(*sweep));
      continue;
    }
    needs_dns = needs_dns || !p.target.host_is_ip_literal;
    planned.push_back(std::move(p));
  }
  flags->targets = {};  // the reports carry each target's text from here on
  if (const auto& via = flags->probe.ssh.triage.via) {
    auto door = targets::parse_target(*via);
    needs_dns = needs_dns || (door && !door->host_is_ip_literal);
  }

  if (needs_dns || flags->dns_server) {
    auto resolver = net_io::DnsResolver::create(io.get_executor(), flags->dns_server);
    if (!resolver) {
      if (flags->dns_server) return usage_error(resolver.error());
      services->resolver_error = resolver.error();
    } else {
      services->resolver = std::move(resolver).value();
    }
  }

  auto printer = std::make_shared<OrderedPrinter>(flags->json);
  net::co_spawn(io,
                probe_all(services, std::move(planned), std::move(swept), flags->probe, printer),
                net::detached);
  io.run();
  printer->finish();
  return printer->all_ok() ? 0 : 1;
}

}  // namespace reachprobe::cli
