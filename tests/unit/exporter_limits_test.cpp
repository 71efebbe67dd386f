// The exporter's limits without a network: the descriptor budget's numbers and its refusal
// sentences, the connection table's eviction order, and the prober's own exhaustion turned
// into prober_error (no layer blamed) by the classifier.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <vector>

#include "classify/classifier.hpp"
#include "engine/fd_budget.hpp"
#include "exporters/connection_table.hpp"
#include "report_builder.hpp"

namespace reachprobe::testing {
namespace {

TEST(FdBudget, NumbersForTheCommonLimits) {
  engine::FdBudget small(256, 512);
  EXPECT_EQ(small.max_connections(), 128u);  // half of the descriptors
  EXPECT_EQ(small.probe_reserve(), 32u);
  EXPECT_EQ(small.max_probes(), 112u);
  engine::FdBudget common(1024, 512);
  EXPECT_EQ(common.max_connections(), 512u);
  EXPECT_EQ(common.probe_reserve(), 128u);
  EXPECT_EQ(common.max_probes(), 448u);
  engine::FdBudget flag(1024, 10);
  EXPECT_EQ(flag.max_connections(), 10u);
  EXPECT_EQ(flag.max_probes(), 6u);
  EXPECT_EQ(engine::FdBudget(1 << 20, 512).probe_reserve(), 256u);
}

TEST(FdBudget, ProbesRefusedWhenTheReserveWouldBeTouched) {
  engine::FdBudget budget(256, 512);
  EXPECT_FALSE(budget.refuse_probe(220, 0));  // 220 + 4 + 32 = 256: still fits
  auto refused = budget.refuse_probe(221, 0);
  ASSERT_TRUE(refused);
  EXPECT_EQ(*refused,
            "prober out of file descriptors: 221 of 256 open, 32 kept for the exporter's own "
            "connections; probe not started");
  auto busy = budget.refuse_probe(10, 112);
  ASSERT_TRUE(busy);
  EXPECT_NE(busy->find("112 concurrent probes"), std::string::npos) << *busy;
}

TEST(FdBudget, CountsThisProcesssDescriptors) {
  engine::FdBudget budget(1024, 512);
  auto before = budget.count_open_fds();
  EXPECT_GE(before, 3u);  // stdin, stdout, stderr at least
  int extra = ::dup(0);
  EXPECT_EQ(budget.count_open_fds(), before + 1);
  ::close(extra);
}

TEST(FdBudget, AdmissionRereadsTheCountNearTheLimitAndWhenOld) {
  using std::chrono::milliseconds;
  auto t0 = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  // Far from the limit: one reading serves the probes admitted within kCountMaxAge.
  engine::FdBudget roomy(1 << 20, 512);
  auto open_now = roomy.count_open_fds();
  EXPECT_FALSE(roomy.admit_probe(0, t0));
  std::vector<int> extra;
  for (int i = 0; i < 8; ++i) extra.push_back(::dup(0));
  EXPECT_FALSE(roomy.admit_probe(1, t0 + milliseconds(1)));
  // Near it: every admission reads the directory, so descriptors opened a moment ago count.
  std::size_t limit = open_now + 8 + 4 + 16;  // room for the dups, one probe and the reserve
  engine::FdBudget tight(limit, 512);
  ASSERT_EQ(tight.probe_reserve(), 16u);
  EXPECT_FALSE(tight.admit_probe(0, t0));
  extra.push_back(::dup(0));
  auto refused = tight.admit_probe(0, t0 + milliseconds(1));
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->find("prober out of file descriptors: " + std::to_string(open_now + 9)),
            std::string::npos)
      << *refused;
  for (int fd : extra) ::close(fd);
  EXPECT_FALSE(tight.admit_probe(0, t0 + milliseconds(2)));
  // An old reading is read again even far from the limit; the probe cap still applies.
  EXPECT_FALSE(roomy.admit_probe(0, t0 + engine::FdBudget::kCountMaxAge * 2));
  EXPECT_TRUE(roomy.admit_probe(roomy.max_probes(), t0 + engine::FdBudget::kCountMaxAge * 2));
}

TEST(ConnectionTable, EvictsTheLongestIdleAndNeverABusyOne) {
  net::io_context io;
  net::ip::tcp::socket a(io), b(io), c(io);
  for (auto* s : {&a, &b, &c}) s->open(net::ip::tcp::v4());
  exporters::ConnectionTable table(2, 0);
  auto ha = table.add(a);
  auto hb = table.add(b);
  EXPECT_TRUE(table.full());
  table.set_idle(ha, false);  // a runs a request
  table.set_idle(hb, true);
  EXPECT_TRUE(table.evict_idle());  // b, the only idle one
  EXPECT_FALSE(b.is_open());
  EXPECT_TRUE(a.is_open());
  EXPECT_FALSE(table.full());  // b is on its way out
  EXPECT_FALSE(table.evict_idle());
  auto hc = table.add(c);
  table.remove(hb);
  EXPECT_EQ(table.size(), 2u);
  table.remove(ha);
  table.remove(hc);
  EXPECT_EQ(table.size(), 0u);
}

TEST(ConnectionTable, SparesAreGivenBackOneByOneAndRefilled) {
  net::io_context io;
  net::ip::tcp::socket s(io);
  engine::FdBudget counter(1024, 512);
  auto base = counter.count_open_fds();
  {
    exporters::ConnectionTable table(4, 2);
    EXPECT_EQ(counter.count_open_fds(), base + 2);
    EXPECT_TRUE(table.release_spare());
    EXPECT_TRUE(table.release_spare());
    EXPECT_FALSE(table.release_spare());
    EXPECT_EQ(counter.count_open_fds(), base);
    table.remove(table.add(s));  // a connection closing takes the spares back
    EXPECT_EQ(counter.count_open_fds(), base + 2);
  }
  EXPECT_EQ(counter.count_open_fds(), base);
}

TEST(ProberError, TcpSocketOutOfDescriptorsBlamesNoLayer) {
  for (int error : {EMFILE, ENFILE}) {
    auto r = ReportBuilder()
                 .icmp_replies(3, 3)
                 .path_skipped()
                 .tcp_fail(Reason::net_unreachable, std::nullopt, error)
                 .build();
    classify::apply_verdict(r);
    EXPECT_FALSE(r.success);
    EXPECT_FALSE(r.verdict.layer);  // formerly path/no_route
    EXPECT_EQ(r.verdict.reason, Reason::none);
    ASSERT_TRUE(r.prober_error);
    EXPECT_EQ(r.verdict.summary, *r.prober_error);
    EXPECT_EQ(*r.prober_error, std::string("reachprobe ran out of file descriptors (") +
                                   (error == EMFILE ? "EMFILE" : "ENFILE") +
                                   ") opening a TCP socket: the prober failed, not the target");
  }
}

TEST(ProberError, KernelMemoryExhaustionIsTheProbersToo) {
  auto r = ReportBuilder()
               .icmp_replies(0, 3)
               .path_skipped()
               .tcp_fail(Reason::net_unreachable, std::nullopt, ENOBUFS)
               .build();
  classify::apply_verdict(r);
  ASSERT_TRUE(r.prober_error);
  EXPECT_NE(r.prober_error->find("kernel memory (ENOBUFS)"), std::string::npos);
}

TEST(ProberError, AnExhaustedOptionalLayerDoesNotFailAWorkingProbe) {
  auto r = ReportBuilder().icmp_replies(0, 3).path_skipped().tcp_ok().build();
  for (auto& layer : r.layers) {
    if (auto* ev = std::get_if<IcmpEvidence>(&layer.evidence)) ev->local_error = EMFILE;
  }
  classify::apply_verdict(r);
  EXPECT_TRUE(r.success);
  EXPECT_FALSE(r.prober_error);
}

TEST(ProberError, SetBeforeClassificationWinsOverEveryLayer) {
  auto r = ReportBuilder().icmp_replies(3, 3).path_skipped().tcp_ok().build();
  r.prober_error = "the client closed the connection: probe cancelled after 0.500 s";
  classify::apply_verdict(r);
  EXPECT_FALSE(r.success);
  EXPECT_FALSE(r.verdict.layer);
  EXPECT_EQ(r.verdict.summary, *r.prober_error);
}

}  // namespace
}  // namespace reachprobe::testing
