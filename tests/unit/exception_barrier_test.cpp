#include "engine/exception_barrier.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <stdexcept>

namespace reachprobe::engine {
namespace {

net::awaitable<int> answers() {
  co_return 42;
}

net::awaitable<int> throws() {
  throw std::runtime_error("bug in a layer");
  co_return 0;
}

net::awaitable<int> throws_nothing_std() {
  throw 7;
  co_return 0;
}

using Outcome = std::optional<targets::Expected<int>>;

// A named coroutine, not a capturing lambda (STYLE R15b).
net::awaitable<void> guarded(std::shared_ptr<Outcome> out, net::awaitable<int> (*work)()) {
  *out = co_await catch_bugs(work());
}

// Runs `work` behind the barrier on a fresh io_context, as a detached coroutine would.
targets::Expected<int> run(net::awaitable<int> (*work)()) {
  net::io_context io;
  auto out = std::make_shared<Outcome>();
  net::co_spawn(io, guarded(out, work), net::detached);
  io.run();
  return **out;
}

TEST(ExceptionBarrier, ValueAndExceptionsBecomeResults) {
  auto ok = run(&answers);
  ASSERT_TRUE(ok);
  EXPECT_EQ(*ok, 42);
  auto bug = run(&throws);
  ASSERT_FALSE(bug);
  EXPECT_EQ(bug.error(), "bug in a layer");
  auto odd = run(&throws_nothing_std);
  ASSERT_FALSE(odd);
  EXPECT_EQ(odd.error(), "unknown exception");
}

}  // namespace
}  // namespace reachprobe::engine
