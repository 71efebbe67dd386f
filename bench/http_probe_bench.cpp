// http_probe_bench: what one HTTP(S) probe costs the client. Runs N probes of one URL on one
// io_context with at most C in flight and prints the wall time, the process's CPU (user+sys,
// getrusage) per probe, probes/s and the verdicts of the probes that failed.
//
// Each probe is what `reachprobe check URL --no-path` does, minus the icmp layer (dropped from
// the plan so that only dns, tcp, tls and http run): a fresh TCP connection, and for https a
// fresh TLS handshake (a new curl easy handle per transfer, FRESH_CONNECT and FORBID_REUSE,
// so no connection and no TLS session is ever reused).
//
// usage: http_probe_bench --url URL --count N --concurrency C [--ca-file F] [--insecure]
//                         [--timeout SECONDS] [--warmup W]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "layers/runner.hpp"
#include "targets/target_parser.hpp"

namespace {

using namespace reachprobe;

struct Args {
  std::string url;
  std::size_t count = 0;
  std::size_t concurrency = 1;
  std::size_t warmup = 1;
  double timeout_s = 10.0;
  std::optional<std::string> ca_file;
  bool insecure = false;
};

[[noreturn]] void usage(const std::string& message) {
  std::cerr << "http_probe_bench: " << message << "\n"
            << "usage: http_probe_bench --url URL --count N --concurrency C [--ca-file F]\n"
               "                        [--insecure] [--timeout SECONDS] [--warmup W]\n";
  std::exit(2);
}

std::size_t parse_size(std::string_view flag, const std::string& text, std::size_t min,
                       std::size_t max) {
  char* end = nullptr;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || end == nullptr || *end != '\0' || text[0] == '-' || v < min || v > max) {
    usage(std::string(flag) + ": expected an integer " + std::to_string(min) + ".." +
          std::to_string(max) + ", got \"" + text + "\"");
  }
  return static_cast<std::size_t>(v);
}

Args parse_args(int argc, char** argv) {
  Args a;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "--insecure") {
      a.insecure = true;
      continue;
    }
    if (flag == "-h" || flag == "--help") usage("help");
    if (i + 1 >= args.size()) usage(flag + " needs a value (or is unknown)");
    const std::string& value = args[++i];
    if (flag == "--url") {
      a.url = value;
    } else if (flag == "--count") {
      a.count = parse_size(flag, value, 1, 10'000'000);
    } else if (flag == "--concurrency") {
      a.concurrency = parse_size(flag, value, 1, 10'000);
    } else if (flag == "--warmup") {
      a.warmup = parse_size(flag, value, 0, 1'000);
    } else if (flag == "--ca-file") {
      a.ca_file = value;
    } else if (flag == "--timeout") {
      char* end = nullptr;
      a.timeout_s = std::strtod(value.c_str(), &end);
      if (end == nullptr || *end != '\0' || !(a.timeout_s > 0.0) || a.timeout_s > 3600.0) {
        usage("--timeout: expected seconds in (0, 3600], got \"" + value + "\"");
      }
    } else {
      usage("unknown flag " + flag);
    }
  }
  if (a.url.empty()) usage("--url is required");
  if (a.count == 0) usage("--count is required");
  return a;
}

double cpu_seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

struct Cpu {
  double user = 0;
  double sys = 0;
};

Cpu process_cpu() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return {cpu_seconds(ru.ru_utime), cpu_seconds(ru.ru_stime)};
}

std::string verdict_key(const engine::ProbeReport& r) {
  if (!r.verdict.layer) return "none/" + std::string(engine::to_string(r.verdict.reason));
  return std::string(engine::to_string(*r.verdict.layer)) + "/" +
         std::string(engine::to_string(r.verdict.reason));
}

// "TLS 1.3 TLS_AES_256_GCM_SHA384, HTTP/1.1 200": what the first successful probe got.
std::string negotiated(const engine::ProbeReport& r) {
  std::string out;
  if (const auto* tls = r.find(engine::Layer::tls)) {
    if (const auto* e = engine::evidence_of<engine::TlsEvidence>(*tls)) {
      out = e->version + " " + e->cipher + ", ";
    }
  }
  if (const auto* http = r.find(engine::Layer::http)) {
    if (const auto* e = engine::evidence_of<engine::HttpEvidence>(*http)) {
      out += e->http_version + " " + std::to_string(e->status_code);
    }
  }
  return out;
}

// Shared by the workers of one run.
struct Run {
  explicit Run(net::any_io_executor ex) : done(std::move(ex)) {}
  std::shared_ptr<layers::Services> services;
  targets::Target target;
  engine::LayerPlan plan;
  layers::ProbeOptions options;
  std::size_t total = 0;
  std::size_t next = 0;     // the next probe to start
  std::size_t workers = 0;  // workers still running
  std::size_t successes = 0;
  std::map<std::string, std::size_t> tally;
  std::vector<std::string> samples;  // a few failing verdicts' summaries
  std::vector<double> durations;     // seconds, per probe
  std::string negotiated;            // of the first successful probe: TLS and HTTP versions
  net::steady_timer done;            // cancelled by the last worker
};

// One of C workers: takes the next probe while any remain, so at most C are in flight.
net::awaitable<void> worker(std::shared_ptr<Run> run) {
  while (run->next < run->total) {
    ++run->next;
    try {
      auto report =
          co_await layers::run_target(run->services, run->target, run->plan,
                                      std::make_shared<const layers::ProbeOptions>(run->options));
      run->durations.push_back(std::chrono::duration<double>(report.duration).count());
      if (report.success) {
        ++run->successes;
        if (run->negotiated.empty()) run->negotiated = negotiated(report);
      } else {
        ++run->tally[verdict_key(report)];
        if (run->samples.size() < 3) run->samples.push_back(report.verdict.summary);
      }
    } catch (const std::exception& e) {
      // A bug, never a network outcome.
      ++run->tally["internal_error"];
      if (run->samples.size() < 3) run->samples.push_back(std::string("exception: ") + e.what());
    }
  }
  if (--run->workers == 0) run->done.cancel();
}

// Runs `count` probes, `concurrency` at a time, and returns when they are all done.
net::awaitable<std::shared_ptr<Run>> run_probes(std::shared_ptr<layers::Services> services,
                                                targets::Target target, engine::LayerPlan plan,
                                                layers::ProbeOptions options, std::size_t count,
                                                std::size_t concurrency) {
  auto executor = co_await net::this_coro::executor;
  auto run = std::make_shared<Run>(executor);
  run->services = std::move(services);
  run->target = std::move(target);
  run->plan = std::move(plan);
  run->options = std::move(options);
  run->total = count;
  run->workers = std::min(count, concurrency);
  run->durations.reserve(count);
  for (std::size_t i = 0; i < run->workers; ++i) {
    net::co_spawn(executor, worker(run), net::detached);
  }
  while (run->workers > 0) {
    run->done.expires_after(std::chrono::seconds(1));
    co_await run->done.async_wait(use_result);
  }
  co_return run;
}

struct Measured {
  std::size_t warm_ok = 0;
  std::shared_ptr<Run> run;
  double wall = 0;
  Cpu cpu0;
  Cpu cpu1;
};

// The unmeasured warm-up (library initialisation on first use, e.g. OpenSSL's, is not a
// per-probe cost), then the measured run between two getrusage() readings.
net::awaitable<void> bench(std::shared_ptr<layers::Services> services, targets::Target target,
                           engine::LayerPlan plan, layers::ProbeOptions options, Args args,
                           std::shared_ptr<Measured> out) {
  if (args.warmup > 0) {
    auto warm = co_await run_probes(services, target, plan, options, args.warmup, 1);
    out->warm_ok = warm->successes;
  }
  out->cpu0 = process_cpu();
  auto t0 = std::chrono::steady_clock::now();
  out->run = co_await run_probes(services, target, plan, options, args.count, args.concurrency);
  auto t1 = std::chrono::steady_clock::now();
  out->cpu1 = process_cpu();
  out->wall = std::chrono::duration<double>(t1 - t0).count();
  services->shutdown();  // lets io_context::run() return
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(rank, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  Args args = parse_args(argc, argv);

  auto target = targets::parse_target(args.url);
  if (!target) usage("--url: " + target.error());
  if (target->scheme != targets::Scheme::http && target->scheme != targets::Scheme::https) {
    usage("--url: an http:// or https:// URL is expected, got \"" + args.url + "\"");
  }
  auto planned = engine::plan_for(*target, false, false);
  if (!planned) usage("--url: " + planned.error());
  engine::LayerPlan plan = std::move(planned).value();
  // dns, tcp, tls, http: ICMP echoes are not what this measures.
  std::erase_if(plan.layers,
                [](const engine::PlannedLayer& p) { return p.layer == engine::Layer::icmp; });

  layers::ProbeOptions options;
  options.trace_path = false;
  options.timeout = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::duration<double>(args.timeout_s));
  options.tls.ca_file = args.ca_file;
  options.tls.insecure_skip_verify = args.insecure;

  net::io_context io(1);
  auto services = std::make_shared<layers::Services>(io.get_executor());
  if (!target->host_is_ip_literal) {
    auto resolver = net_io::DnsResolver::create(io.get_executor(), std::nullopt);
    if (!resolver) {
      std::cerr << "http_probe_bench: resolver: " << resolver.error() << "\n";
      return 2;
    }
    services->resolver = std::move(resolver).value();
  }

  auto measured = std::make_shared<Measured>();
  net::co_spawn(io, bench(services, *target, plan, options, args, measured), net::detached);
  io.run();
  if (!measured->run) {
    std::cerr << "http_probe_bench: the run did not complete\n";
    return 2;
  }
  const Run* run = measured->run.get();
  Cpu cpu0 = measured->cpu0;
  Cpu cpu1 = measured->cpu1;
  std::size_t warm_ok = measured->warm_ok;

  double wall = measured->wall;
  double user = cpu1.user - cpu0.user;
  double sys = cpu1.sys - cpu0.sys;
  double cpu = user + sys;
  auto n = static_cast<double>(args.count);
  std::string layers;
  for (const auto& p : plan.layers) {
    if (!layers.empty()) layers += ",";
    layers += std::string(engine::to_string(p.layer));
  }

  std::printf("url: %s\n", args.url.c_str());
  std::printf("layers: %s\n", layers.c_str());
  std::printf("warmup: %zu (%zu ok, not measured)\n", args.warmup, warm_ok);
  std::printf("negotiated: %s\n", run->negotiated.empty() ? "-" : run->negotiated.c_str());
  std::printf("concurrency: %zu\n", args.concurrency);
  std::printf("probes: %zu\n", args.count);
  std::printf("successes: %zu\n", run->successes);
  std::printf("wall_s: %.3f\n", wall);
  std::printf("client_cpu_s: %.3f\n", cpu);
  std::printf("client_user_s: %.3f\n", user);
  std::printf("client_sys_s: %.3f\n", sys);
  std::printf("cpu_ms_per_probe: %.3f\n", cpu * 1000.0 / n);
  std::printf("probes_per_s: %.1f\n", wall > 0 ? n / wall : 0.0);
  std::printf("probe_ms_p50: %.3f\n", percentile(run->durations, 0.50) * 1000.0);
  std::printf("probe_ms_p99: %.3f\n", percentile(run->durations, 0.99) * 1000.0);
  std::printf("probe_ms_max: %.3f\n", percentile(run->durations, 1.0) * 1000.0);
  std::string tally;
  for (const auto& [key, value] : run->tally) {
    if (!tally.empty()) tally += " ";
    tally += key + "=" + std::to_string(value);
  }
  std::printf("failures: %zu%s%s\n", args.count - run->successes, tally.empty() ? "" : " ",
              tally.c_str());
  for (const auto& s : run->samples) std::printf("failure_sample: %s\n", s.c_str());
  return run->successes == args.count ? 0 : 1;
}
