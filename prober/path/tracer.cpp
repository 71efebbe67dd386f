#include "path/tracer.hpp"

#include <algorithm>
#include <cerrno>

#include "net/tcp_connect.hpp"

namespace reachprobe::path {
namespace {

using clock = std::chrono::steady_clock;
using Kind = ProbeRecord::Kind;

// What an ICMP error or a connect outcome says about the probe that drew it.
void classify_answer(ProbeRecord& record, const engine::IcmpError& error,
                     const net::ip::address& target) {
  record.from = error.offender;
  record.error = error;
  if (error.kind() == engine::IcmpErrorKind::time_exceeded)
    record.kind = Kind::hop;
  else if (error.offender == target)
    record.kind = Kind::destination;
  else
    record.kind = Kind::unreachable;
}

void settle_silence(ProbeRecord& record, std::chrono::nanoseconds wait) {
  record.kind = clock::now() >= record.sent_at + wait ? Kind::lost : Kind::in_flight;
}

struct TcpTrace {
  TcpTrace(net::any_io_executor executor, std::size_t capacity) : wake(std::move(executor)) {
    records.reserve(capacity);
  }
  std::vector<ProbeRecord> records;
  std::size_t outstanding = 0;
  net::steady_timer wake;
};

net::awaitable<void> tcp_probe(std::shared_ptr<TcpTrace> state, std::size_t index,
                               net::ip::tcp::endpoint endpoint, engine::Deadline deadline,
                               std::chrono::nanoseconds wait) {
  int ttl = state->records[index].ttl;
  auto probe_deadline = deadline.capped(wait);
  auto outcome = co_await net_io::tcp_connect(endpoint, ttl, probe_deadline);
  ProbeRecord& record = state->records[index];
  record.rtt_seconds = std::chrono::duration<double>(outcome.elapsed).count();
  if (!outcome.error) {
    record.kind = Kind::destination;
    record.from = endpoint.address();
    net_io::abort_connection(*outcome.socket);
  } else if (outcome.timed_out) {
    settle_silence(record, wait);
  } else if (outcome.icmp) {
    classify_answer(record, *outcome.icmp, endpoint.address());
  } else if (outcome.error.value() == ECONNREFUSED) {
    record.kind = Kind::destination;  // a RST from the target
    record.from = endpoint.address();
  } else if (outcome.error.value() == EHOSTUNREACH) {
    record.kind = Kind::unreachable;  // this host could not resolve the next hop (ARP)
    record.local_errno = EHOSTUNREACH;
  } else {
    record.kind = Kind::send_failed;
    record.local_errno = outcome.error.value();
  }
  --state->outstanding;
  state->wake.cancel();
}

// The two probe methods behind one shape: send(ttl, round), wait_until(t), snapshot().
class TcpProber {
 public:
  TcpProber(net::any_io_executor executor, const TraceConfig& config, engine::Deadline deadline)
      : executor_(executor),
        state_(std::make_shared<TcpTrace>(
            executor, static_cast<std::size_t>(config.rounds * config.max_ttl))),
        endpoint_(config.target, *config.port),
        deadline_(deadline),
        wait_(config.probe_wait) {}

  net::awaitable<void> send(int ttl, int round) {
    ProbeRecord record;
    record.ttl = ttl;
    record.round = round;
    record.sent_at = clock::now();
    state_->records.push_back(record);
    ++state_->outstanding;
    // Probes run side by side; each owns a share of the state and ends by its own deadline.
    net::co_spawn(executor_,
                  tcp_probe(state_, state_->records.size() - 1, endpoint_, deadline_, wait_),
                  net::detached);
    co_return;
  }
  net::awaitable<void> wait_until(clock::time_point until) {
    state_->wake.expires_at(until);
    co_await state_->wake.async_wait(use_result);
  }
  bool all_settled() const { return state_->outstanding == 0; }
  const std::vector<ProbeRecord>& snapshot() { return state_->records; }
  std::vector<ProbeRecord> finish() {
    auto records = state_->records;
    for (auto& r : records) {
      if (r.kind == Kind::pending) settle_silence(r, wait_);
    }
    return records;
  }

 private:
  net::any_io_executor executor_;
  std::shared_ptr<TcpTrace> state_;
  net::ip::tcp::endpoint endpoint_;
  engine::Deadline deadline_;
  std::chrono::nanoseconds wait_;
};

class IcmpProber {
 public:
  IcmpProber(net::any_io_executor executor, net_io::IcmpService& icmp, const TraceConfig& config)
      : icmp_(icmp),
        target_(config.target),
        wait_(config.probe_wait),
        batch_(std::make_shared<net_io::EchoBatch>(
            executor, static_cast<std::size_t>(config.rounds * config.max_ttl))) {}

  net::awaitable<void> send(int ttl, int round) {
    std::size_t index = records_.size();
    ProbeRecord record;
    record.ttl = ttl;
    record.round = round;
    records_.push_back(record);
    co_await icmp_.send_echo(batch_, index, target_, ttl);
    records_[index].sent_at = batch_->outcomes[index].sent_at;
  }
  net::awaitable<void> wait_until(clock::time_point until) { co_await batch_->wait_until(until); }
  bool all_settled() {
    auto now = clock::now();
    for (std::size_t i = 0; i < records_.size(); ++i) {
      const auto& o = batch_->outcomes[i];
      if (o.kind == net_io::EchoOutcome::Kind::pending && now < o.sent_at + wait_) return false;
    }
    return true;
  }
  const std::vector<ProbeRecord>& snapshot() {
    for (std::size_t i = 0; i < records_.size(); ++i) update(i, false);
    return records_;
  }
  std::vector<ProbeRecord> finish() {
    icmp_.release(*batch_);
    for (std::size_t i = 0; i < records_.size(); ++i) update(i, true);
    return records_;
  }

 private:
  void update(std::size_t i, bool final) {
    using Echo = net_io::EchoOutcome::Kind;
    const auto& o = batch_->outcomes[i];
    ProbeRecord& r = records_[i];
    r.rtt_seconds = o.rtt_seconds;
    switch (o.kind) {
      case Echo::reply:
        r.kind = Kind::destination;
        r.from = o.to;
        break;
      case Echo::error:
        classify_answer(r, *o.error, target_);
        break;
      case Echo::send_failed:
        r.kind = o.send_errno == EHOSTUNREACH ? Kind::unreachable : Kind::send_failed;
        r.local_errno = o.send_errno;
        break;
      case Echo::pending:
        if (final) settle_silence(r, wait_);
        break;
      case Echo::unsent:
        r.kind = Kind::send_failed;
        break;
    }
  }

  net_io::IcmpService& icmp_;
  net::ip::address target_;
  std::chrono::nanoseconds wait_;
  std::shared_ptr<net_io::EchoBatch> batch_;
  std::vector<ProbeRecord> records_;
};

// Where a round may stop: at the destination or at a router that refuses to forward.
struct Progress {
  std::optional<int> end_ttl;
  int highest_answer = 0;
  bool no_route = false;
};

Progress progress_of(const std::vector<ProbeRecord>& records) {
  Progress p;
  for (const auto& r : records) {
    bool ends = r.kind == Kind::destination || r.kind == Kind::unreachable;
    if (ends && (!p.end_ttl || r.ttl < *p.end_ttl)) p.end_ttl = r.ttl;
    if (r.kind == Kind::hop || r.kind == Kind::destination)
      p.highest_answer = std::max(p.highest_answer, r.ttl);
    if (r.kind == Kind::send_failed && r.local_errno == ENETUNREACH) p.no_route = true;
  }
  return p;
}

template <typename Prober>
net::awaitable<std::vector<ProbeRecord>> run_rounds(Prober& prober, const TraceConfig& config,
                                                    engine::Deadline deadline) {
  auto started = clock::now();
  for (int round = 0; round < config.rounds; ++round) {
    auto round_start = started + config.round_interval * round;
    while (clock::now() < round_start && !deadline.is_reached()) {
      co_await prober.wait_until(std::min(round_start, deadline.when()));
    }
    for (int ttl = 1; ttl <= config.max_ttl; ++ttl) {
      if (deadline.is_reached()) break;
      auto p = progress_of(prober.snapshot());
      if (p.no_route) break;
      if (p.end_ttl && ttl > *p.end_ttl) break;
      // After the first round, probing far beyond the last answer only adds silent sockets.
      if (round > 0 && !p.end_ttl && ttl > p.highest_answer + 2) break;
      co_await prober.send(ttl, round);
      auto next = clock::now() + config.pacing;
      while (clock::now() < next && !deadline.is_reached()) {
        co_await prober.wait_until(std::min(next, deadline.when()));
      }
    }
  }
  while (!prober.all_settled() && !deadline.is_reached()) {
    co_await prober.wait_until(std::min(clock::now() + config.probe_wait, deadline.when()));
  }
  co_return prober.finish();
}

}  // namespace

net::awaitable<std::vector<ProbeRecord>> trace(net_io::IcmpService& icmp, TraceConfig config,
                                               engine::Deadline deadline) {
  auto executor = co_await net::this_coro::executor;
  if (config.port) {
    TcpProber prober(executor, config, deadline);
    auto records = co_await run_rounds(prober, config, deadline);
    co_return records;
  }
  IcmpProber prober(executor, icmp, config);
  auto records = co_await run_rounds(prober, config, deadline);
  co_return records;
}

}  // namespace reachprobe::path
