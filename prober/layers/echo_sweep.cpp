#include "layers/echo_sweep.hpp"

#include <algorithm>
#include <functional>
#include <memory>
#include <queue>
#include <span>
#include <string>
#include <utility>

#include "layers/dns_server_query.hpp"
#include "layers/echo_judgement.hpp"
#include "layers/runner.hpp"

namespace reachprobe::layers {
namespace {

using clock = std::chrono::steady_clock;
using engine::Status;
using net_io::EchoOutcome;

// Echoes sent between two turns of the receive loop: the replies to a burst wait in the
// socket's buffer meanwhile, and the loop would drop them once it is full.
constexpr std::size_t kSendsPerTurn = 64;

// Echoes the sweep has in flight at most: the shared socket matches answers by a 16-bit
// sequence number, and probes beside the sweep need some of them too. Targets wait for a free
// slot of `count` outcomes, so memory stays bounded whatever the number of targets.
constexpr std::size_t kEchoesInFlight = 24576;
constexpr std::size_t kNoSlot = static_cast<std::size_t>(-1);

struct Swept {
  SweepTarget planned;
  net::ip::address address;
  std::size_t slot = kNoSlot;   // its outcomes in the batch, while it is probed
  clock::time_point started{};  // its first echo; its deadline is options.timeout later
  clock::time_point deadline{};
  std::size_t sent = 0;       // echoes sent so far
  bool sending_done = false;  // no further echo: all sent, deadline near, or answered
  bool reported = false;
};

// (when, target index); the earliest first, ties in target order.
using TimeQueue =
    std::priority_queue<std::pair<clock::time_point, std::size_t>,
                        std::vector<std::pair<clock::time_point, std::size_t>>, std::greater<>>;

// The report of a target a bug kept from being probed; a failure to hand it on is not
// allowed to stop the others' (the caller counts on one report per target).
void report_internal_error(const SweepTarget& planned, const std::string& what,
                           SweepDone& done) noexcept {
  try {
    targets::Target target;
    target.text = planned.text;
    target.host = planned.host;
    target.host_is_ip_literal = true;
    done(planned.index, internal_error_report(std::move(target), planned.module, what));
  } catch (...) {
  }
}

class Sweep {
 public:
  Sweep(Services& services, std::vector<SweepTarget>& targets, const ProbeOptions& options,
        SweepDone& done)
      : services_(services),
        options_(options),
        done_(done),
        count_(static_cast<std::size_t>(std::max(options.count, 1))),
        interval_(probe_interval(options)),
        wait_(probe_wait(options)),
        slots_(std::clamp<std::size_t>(kEchoesInFlight / count_, 1,
                                       std::max<std::size_t>(targets.size(), 1))),
        batch_(std::make_shared<net_io::EchoBatch>(services.executor, slots_ * count_)),
        slot_owner_(slots_, kNoSlot) {
    batch_->track_settled = true;
    free_slots_.reserve(slots_);
    for (std::size_t s = slots_; s > 0; --s) free_slots_.push_back(s - 1);
    swept_.reserve(targets.size());
    for (auto& t : targets) {
      boost::system::error_code ec;
      auto address = net::ip::make_address(t.host, ec);
      swept_.push_back(Swept{std::move(t), address});
    }
    remaining_ = swept_.size();
    // Only the families the targets use (an unused raw ICMPv6 socket would read all of the
    // host's ICMPv6 traffic); the caller made sure they open.
    for (bool v6 : {false, true}) {
      if (std::any_of(swept_.begin(), swept_.end(),
                      [v6](const Swept& t) { return t.address.is_v6() == v6; })) {
        auto kind = services_.icmp.open(v6);
        socket_kind_[v6 ? 1 : 0] = kind ? *kind : std::string();
      }
    }
  }

  bool finished() const { return remaining_ == 0; }
  std::shared_ptr<net_io::EchoBatch> batch() const { return batch_; }

  // The next target with an echo due at `now` (later echoes first, to keep their interval,
  // then first echoes in target order while a slot is free), or nothing; a target that needs
  // no further echo is judged instead.
  std::optional<std::size_t> next_due(clock::time_point now) {
    while (!due_.empty() && due_.top().first <= now) {
      auto i = due_.top().second;
      due_.pop();
      auto& t = swept_[i];
      if (t.reported || t.sending_done) continue;
      if (options_.echoes_until_reply && answered(i)) {
        t.sending_done = true;
        judge(i, now);
        continue;
      }
      return i;
    }
    if (can_start()) {
      auto i = next_first_++;
      auto& t = swept_[i];
      t.slot = free_slots_.back();
      free_slots_.pop_back();
      slot_owner_[t.slot] = i;
      for (std::size_t k = 0; k < count_; ++k) batch_->outcomes[t.slot * count_ + k] = {};
      t.started = now;
      t.deadline = now + options_.timeout;
      return i;
    }
    return std::nullopt;
  }

  // After echo `t.sent` of target i left (or failed to): when it is waited for until, and
  // when the next one is due.
  void sent(std::size_t i) {
    auto& t = swept_[i];
    const auto& outcome = batch_->outcomes[echo_index(i)];
    ++t.sent;
    if (outcome.kind == EchoOutcome::Kind::send_failed) batch_->settled.push_back(t.slot * count_);
    expiries_.emplace(std::min(outcome.sent_at + wait_, t.deadline), i);
    auto next_at = t.started + interval_ * static_cast<long>(t.sent);
    if (t.sent >= count_ || next_at >= t.deadline)
      t.sending_done = true;
    else
      due_.emplace(next_at, i);
  }

  // Judges every target whose echo settled or whose wait or deadline passed by `now`.
  void judge_ready(clock::time_point now) {
    for (auto index : batch_->settled) {
      // An answer settled before its target was reported may name a slot given up since.
      auto owner = slot_owner_[index / count_];
      if (owner != kNoSlot) judge(owner, now);
    }
    batch_->settled.clear();
    while (!expiries_.empty() && expiries_.top().first <= now) {
      auto i = expiries_.top().second;
      expiries_.pop();
      judge(i, now);
    }
  }

  // When the sweep next has something to do unless an answer comes first.
  clock::time_point next_wake() const {
    if (can_start()) return clock::time_point{};
    auto wake = clock::time_point::max();
    if (!due_.empty()) wake = std::min(wake, due_.top().first);
    if (!expiries_.empty()) wake = std::min(wake, expiries_.top().first);
    return wake;
  }

  const Swept& target(std::size_t i) const { return swept_[i]; }
  std::size_t echo_index(std::size_t i) const { return swept_[i].slot * count_ + swept_[i].sent; }

  // After a bug stopped the sweep: every target not yet reported says so.
  void abandon(const std::string& what) {
    for (auto& t : swept_) {
      if (t.reported) continue;
      t.reported = true;
      --remaining_;
      if (t.slot != kNoSlot)
        services_.icmp.release(*batch_, t.slot * count_, (t.slot + 1) * count_);
      report_internal_error(t.planned, what, done_);
    }
  }

 private:
  bool can_start() const { return next_first_ < swept_.size() && !free_slots_.empty(); }

  std::span<const EchoOutcome> outcomes(std::size_t i) const {
    return std::span<const EchoOutcome>(batch_->outcomes).subspan(swept_[i].slot * count_, count_);
  }

  bool answered(std::size_t i) const {
    auto o = outcomes(i);
    return std::any_of(o.begin(), o.end(),
                       [](const EchoOutcome& e) { return e.kind == EchoOutcome::Kind::reply; });
  }

  // As the icmp layer's loops: done at the first reply for a module, else once every echo is
  // sent and each is answered or waited for; in any case at the deadline.
  void judge(std::size_t i, clock::time_point now) {
    auto& t = swept_[i];
    if (t.reported || t.sent == 0) return;
    bool done = now >= t.deadline || (options_.echoes_until_reply && answered(i));
    if (!done && t.sending_done) {
      auto o = outcomes(i);
      done = std::none_of(o.begin(), o.end(), [&](const EchoOutcome& e) {
        return e.kind == EchoOutcome::Kind::pending && now < e.sent_at + wait_;
      });
    }
    if (done) report(i, now);
  }

  // The report run_target would write; the target's slot is given up once it is judged.
  void report(std::size_t i, clock::time_point now) {
    auto& t = swept_[i];
    const auto& planned = t.planned;
    targets::Target target{planned.text, targets::Scheme::host, planned.host, std::nullopt,
                           std::nullopt, std::string(),         true};
    LayerPlan plan{planned.module,
                   {{Layer::dns, planned.dns_required}, {Layer::icmp, planned.icmp_required}}};
    ProbeSession session{services_, std::move(target), options_, std::move(plan),
                         engine::Deadline::at(t.deadline)};
    ProbeReport report;
    report.target = session.target;
    report.module = session.plan.module;
    report.timeout = options_.timeout;
    auto dns = resolve_ip_literal(session);
    dns.required = planned.dns_required;
    report.layers.push_back(std::move(dns));
    report.address = session.address;
    report.allow_list_refusal = session.allow_list_refusal;

    engine::IcmpEvidence evidence;
    evidence.socket_kind = socket_kind(t.address.is_v6());
    auto icmp = judge_echoes(outcomes(i), std::move(evidence), now, wait_);
    icmp.duration = now - t.started;
    icmp.required = planned.icmp_required;
    report.layers.push_back(std::move(icmp));
    report.layers.push_back(LayerResult::skipped(Layer::path, "not asked for"));
    report.layers.push_back(LayerResult::skipped(Layer::tcp, "not asked for"));
    finish_report(session, report, t.started);

    t.reported = true;
    --remaining_;
    services_.icmp.release(*batch_, t.slot * count_, (t.slot + 1) * count_);
    slot_owner_[t.slot] = kNoSlot;
    free_slots_.push_back(t.slot);
    done_(planned.index, std::move(report));
  }

  // "raw" or "dgram", as the family's socket opened.
  const std::string& socket_kind(bool v6) const { return socket_kind_[v6 ? 1 : 0]; }

  Services& services_;
  const ProbeOptions& options_;
  SweepDone& done_;
  std::size_t count_;
  std::chrono::nanoseconds interval_;
  std::chrono::nanoseconds wait_;
  std::size_t slots_;
  std::shared_ptr<net_io::EchoBatch> batch_;
  std::vector<std::size_t> slot_owner_;  // slot -> target index, kNoSlot when free
  std::vector<std::size_t> free_slots_;
  std::vector<Swept> swept_;
  std::size_t remaining_ = 0;
  std::size_t next_first_ = 0;  // the first target whose first echo is still to go
  TimeQueue due_;               // the later echoes of targets, when each is due
  TimeQueue expiries_;          // when each echo's wait (or its target's deadline) ends
  std::string socket_kind_[2];
};

// The sweep's loop: due echoes out (a turn of the receive loop every kSendsPerTurn), settled
// targets reported, then asleep until the next due echo, wait or deadline, or an answer.
// Sweep is the caller's frame's, which outlives this one.
net::awaitable<void> sweep_until_reported(std::shared_ptr<Services> services, Sweep& sweep,
                                          std::shared_ptr<const ProbeOptions> options) {
  auto batch = sweep.batch();
  std::size_t since_turn = 0;
  while (!sweep.finished()) {
    while (auto i = sweep.next_due(clock::now())) {
      co_await services->icmp.send_echo(batch, sweep.echo_index(*i), sweep.target(*i).address,
                                        options->icmp_ttl);
      sweep.sent(*i);
      if (++since_turn >= kSendsPerTurn) {
        since_turn = 0;
        sweep.judge_ready(clock::now());
        co_await net::post(services->executor, net::use_awaitable);
      }
    }
    sweep.judge_ready(clock::now());
    if (sweep.finished()) break;
    co_await batch->wait_until(sweep.next_wake());
  }
}

}  // namespace

std::optional<SweepTarget> as_sweep_target(std::size_t index, const targets::Target& target,
                                           const LayerPlan& plan, const ProbeOptions& options) {
  if (!target.host_is_ip_literal || target.port || target.user || !target.path.empty() ||
      target.scheme != targets::Scheme::host)
    return std::nullopt;
  if (options.dns_query || options.ssh.triage.via || options.allow_list) return std::nullopt;
  if (plan.layers.size() != 2 || plan.layers[0].layer != Layer::dns ||
      plan.layers[1].layer != Layer::icmp)
    return std::nullopt;
  return SweepTarget{index,
                     target.text,
                     target.host,
                     plan.module,
                     plan.layers[0].required,
                     plan.layers[1].required};
}

net::awaitable<void> run_echo_sweep(std::shared_ptr<Services> services,
                                    std::vector<SweepTarget> targets,
                                    std::shared_ptr<const ProbeOptions> options, SweepDone done) {
  std::unique_ptr<Sweep> sweep;
  std::string failure;
  try {
    sweep = std::make_unique<Sweep>(*services, targets, *options, done);
    std::vector<SweepTarget>().swap(targets);  // moved into the sweep: not kept twice
    co_await sweep_until_reported(services, *sweep, options);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (failure.empty()) co_return;
  if (sweep) {
    sweep->abandon(failure);
  } else {  // the sweep could not even be set up: the targets are still ours
    for (const auto& t : targets) report_internal_error(t, failure, done);
  }
}

}  // namespace reachprobe::layers
