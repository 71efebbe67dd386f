// The Scheduler against a real loopback peer: a listener that accepts and never answers, so a
// key's run lasts exactly its timeout. The peer counts connections open at once, which is what
// "never two runs of a key at once" and "at most max_concurrency in flight" mean on the wire.
#include "schedule/scheduler.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "targets/config_loader.hpp"

namespace reachprobe::schedule {
namespace {

using namespace std::chrono_literals;

// Accepts every connection, reads until the client closes, and tracks how many are open.
struct SilentPeer {
  explicit SilentPeer(net::io_context& io)
      : acceptor(io, net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {}
  net::ip::tcp::acceptor acceptor;
  int open = 0;
  int most_open = 0;
  int accepted = 0;
  unsigned short port() const { return acceptor.local_endpoint().port(); }
};

net::awaitable<void> hold(std::shared_ptr<SilentPeer> peer, net::ip::tcp::socket socket) {
  char buffer[256];
  for (;;) {
    auto [ec, n] = co_await socket.async_read_some(net::buffer(buffer), use_result);
    if (ec) break;
  }
  --peer->open;
}

net::awaitable<void> accept_all(std::shared_ptr<SilentPeer> peer) {
  for (;;) {
    auto [ec, socket] = co_await peer->acceptor.async_accept(use_result);
    if (ec) co_return;
    ++peer->accepted;
    peer->most_open = std::max(peer->most_open, ++peer->open);
    net::co_spawn(peer->acceptor.get_executor(), hold(peer, std::move(socket)), net::detached);
  }
}

struct CountingSink : engine::ResultSink {
  void key_added(const engine::KeyIdentity&) override {}
  void key_removed(const std::string&) override {}
  void run_finished(const std::string& id, const engine::ReportPtr&) override { ++runs[id]; }
  void run_skipped(const std::string& id) override { ++skipped[id]; }
  std::map<std::string, int> runs;
  std::map<std::string, int> skipped;
};

// Keys of a tcp module that waits for a banner the peer never sends: each run lasts `timeout`.
KeyList hanging_keys(unsigned short port, int count, std::chrono::nanoseconds interval,
                     std::chrono::nanoseconds timeout) {
  std::string text =
      "modules:\n  banner:\n    prober: tcp\n    tcp:\n      query_response:\n"
      "        - expect: '^HELLO'\ntargets:\n  - module: banner\n    targets:\n";
  for (int i = 0; i < count; ++i) text += "      - 127.0.0.1:" + std::to_string(port) + "\n";
  // The same address and port make one key; the ids below are made distinct by hand.
  auto config = targets::load_config_text(text, "t.yml");
  EXPECT_TRUE(config) << config.error();
  auto group = config->target_groups.front();
  group.targets.resize(1);
  auto keys = build_keys(group, *config, "test");
  EXPECT_TRUE(keys) << keys.error();
  auto options = std::make_shared<layers::ProbeOptions>(*keys->front().options);
  options->timeout = timeout;  // longer than the interval, which the config would refuse
  KeyList out;
  for (int i = 0; i < count; ++i) {
    auto key = keys->front();
    key.identity.id += std::to_string(i);
    key.hash = static_cast<std::uint64_t>(i) * 7919u;
    key.interval = interval;
    key.options = options;
    out.push_back(std::make_shared<const KeySpec>(std::move(key)));
  }
  return out;
}

void run_for(net::io_context& io, std::chrono::milliseconds how_long) {
  io.restart();
  io.run_for(how_long);
}

TEST(Scheduler, AKeyStillRunningAtItsNextTickSkipsItAndNeverRunsTwiceAtOnce) {
  net::io_context io(1);
  auto peer = std::make_shared<SilentPeer>(io);
  net::co_spawn(io, accept_all(peer), net::detached);
  auto services = std::make_shared<layers::Services>(io.get_executor());
  CountingSink sink;
  Scheduler scheduler(services, [](const std::string&, const std::string& what) {
    ADD_FAILURE() << "bug: " << what;
  });
  scheduler.add_sink(&sink);
  // Each run lasts 700 ms, ticks come every 200 ms.
  scheduler.apply(hanging_keys(peer->port(), 1, 200ms, 700ms));
  run_for(io, 2300ms);
  scheduler.stop();
  services->shutdown();
  run_for(io, 100ms);
  EXPECT_EQ(peer->most_open, 1) << "two runs of one key overlapped";
  EXPECT_GE(sink.runs.begin()->second, 2);
  EXPECT_GE(sink.skipped.begin()->second, 4) << "ticks during a run must be skipped and counted";
}

TEST(Scheduler, MaxConcurrencyBoundsProbesInFlightAcrossKeys) {
  net::io_context io(1);
  auto peer = std::make_shared<SilentPeer>(io);
  net::co_spawn(io, accept_all(peer), net::detached);
  auto services = std::make_shared<layers::Services>(io.get_executor());
  CountingSink sink;
  Scheduler scheduler(services, [](const std::string&, const std::string& what) {
    ADD_FAILURE() << "bug: " << what;
  });
  scheduler.add_sink(&sink);
  scheduler.set_max_concurrency(3);
  scheduler.apply(hanging_keys(peer->port(), 12, 1s, 300ms));
  run_for(io, 2200ms);
  EXPECT_LE(scheduler.in_flight(), 3u);
  scheduler.stop();
  services->shutdown();
  run_for(io, 100ms);
  EXPECT_EQ(peer->most_open, 3) << "the limit is 3 probes at once";
  EXPECT_GE(peer->accepted, 12) << "every key got its turn";
}

TEST(Scheduler, ApplyingASetIsADiffThatKeepsUnchangedKeys) {
  net::io_context io(1);
  auto peer = std::make_shared<SilentPeer>(io);
  net::co_spawn(io, accept_all(peer), net::detached);
  auto services = std::make_shared<layers::Services>(io.get_executor());
  CountingSink sink;
  Scheduler scheduler(services, [](const std::string&, const std::string&) {});
  scheduler.add_sink(&sink);
  auto keys = hanging_keys(peer->port(), 3, 300ms, 50ms);
  scheduler.apply(keys);
  run_for(io, 1000ms);
  auto kept = keys[0]->identity.id;
  int before = sink.runs[kept];
  EXPECT_GE(before, 2);
  // Drop the last key, keep the first two (one with a new interval).
  KeyList next(keys.begin(), keys.begin() + 2);
  auto faster = *next[1];
  faster.interval = 200ms;
  next[1] = std::make_shared<const KeySpec>(std::move(faster));
  scheduler.apply(next);
  EXPECT_EQ(scheduler.keys(), 2u);
  int removed_runs = sink.runs[keys[2]->identity.id];
  run_for(io, 700ms);
  EXPECT_GT(sink.runs[kept], before) << "an unchanged key keeps running";
  EXPECT_EQ(sink.runs[keys[2]->identity.id], removed_runs) << "a removed key stops";
  scheduler.stop();
  services->shutdown();
  run_for(io, 100ms);
}

}  // namespace
}  // namespace reachprobe::schedule
