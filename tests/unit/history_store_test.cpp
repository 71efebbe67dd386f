// The SQLite side of the history (prober/history/store_worker): what it writes is what it reads
// back, across a restart, past its tiers; and the files it must refuse (locked, corrupt,
// unopenable) are refused with the way out and left untouched.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "history/store_worker.hpp"

namespace reachprobe::history {
namespace {

constexpr std::int64_t kT0 = 1'780'000'000'000;  // a fixed wall-clock time, ms

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rp-store-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string file() const { return (dir_ / "history.db").string(); }

  static KeyInfo key(const std::string& id) {
    return {id, "198.18.0.1:22", "tcp_connect", {{"team", "db"}}};
  }
  static RunRecord run(const std::string& id, std::int64_t t, bool ok, bool change = false) {
    RunRecord r;
    r.key_id = id;
    r.time_ms = t;
    r.success = ok;
    r.layer = ok ? std::nullopt : std::optional<engine::Layer>(engine::Layer::tcp);
    r.reason = ok ? engine::Reason::none : engine::Reason::timeout;
    r.duration_s = ok ? 0.002 : 1.0;
    r.state_change = change;
    // Sentences carry timings, so two failures of one streak rarely say the same words.
    r.summary = ok ? "reachable" : "tcp connect timed out after " + std::to_string(t % 100'000);
    if (!ok || change) r.evidence_json = "{\"success\":" + std::string(ok ? "true" : "false") + "}";
    return r;
  }

  std::filesystem::path dir_;
};

TEST_F(StoreTest, RunsEventsAndBucketsReadBackAsWritten) {
  StoreWorker store(file(), std::chrono::hours(24 * 30));
  ASSERT_FALSE(store.open());
  std::vector<RunRecord> runs;
  runs.push_back(run("00000000000000aa", kT0, true, true));
  for (int i = 1; i <= 5; ++i)
    runs.push_back(run("00000000000000aa", kT0 + i * 10'000, false, i == 1));
  runs.push_back(run("00000000000000aa", kT0 + 60'000, true, true));
  ASSERT_FALSE(store.write({key("00000000000000aa")}, runs));

  // Read before maintain(): the open aggregates are merged from memory.
  auto h = store.key_history("00000000000000aa", kT0 - 1, kT0 + 3'600'000, 100);
  ASSERT_TRUE(h.key);
  EXPECT_EQ(h.key->target, "198.18.0.1:22");
  ASSERT_EQ(h.key->labels.size(), 1u);
  EXPECT_EQ(h.key->labels[0].second, "db");
  ASSERT_EQ(h.runs.size(), 7u);
  EXPECT_TRUE(h.runs.front().success);  // newest first
  EXPECT_EQ(h.runs[1].verdict, "tcp/timeout");
  // up (first run), one streak of five identical failures, up again: three events.
  ASSERT_EQ(h.events.size(), 3u);
  EXPECT_TRUE(h.events[0].state_change);
  EXPECT_TRUE(h.events[0].success);
  EXPECT_EQ(h.events[1].count, 5u);
  EXPECT_EQ(h.events[1].verdict, "tcp/timeout");
  EXPECT_EQ(h.events[1].last_ms, kT0 + 50'000);
  EXPECT_EQ(h.events[1].summary, "tcp connect timed out after 10000");
  EXPECT_EQ(h.events[1].last_summary, "tcp connect timed out after 50000");
  std::uint32_t runs_in_buckets = 0, failures = 0;
  for (const auto& b : h.fine) {
    runs_in_buckets += b.runs;
    failures += b.failures;
  }
  EXPECT_EQ(runs_in_buckets, 7u);
  EXPECT_EQ(failures, 5u);

  ASSERT_FALSE(store.maintain(kT0 + 70'000));
  auto w = store.long_windows({"00000000000000aa"}, kT0 + 70'000);
  ASSERT_TRUE(w["00000000000000aa"].d7);
  EXPECT_NEAR(*w["00000000000000aa"].d7, 2.0 / 7.0, 1e-9);
  ASSERT_TRUE(w["00000000000000aa"].p95_24h);
  // Rank 6.65 of 7 lies in (0.5, 1], which holds the five 1 s failures above two faster runs:
  // 0.5 + 0.5 * (6.65 - 2) / 5, as histogram_quantile interpolates.
  EXPECT_NEAR(*w["00000000000000aa"].p95_24h, 0.965, 1e-9);
}

TEST_F(StoreTest, ARestartFindsStateTimelineAndGoesOnWithTheSameBuckets) {
  {
    StoreWorker store(file(), std::chrono::hours(24));
    ASSERT_FALSE(store.open());
    ASSERT_FALSE(store.write(
        {key("00000000000000bb")},
        {run("00000000000000bb", kT0, false, true), run("00000000000000bb", kT0 + 10'000, false)}));
    ASSERT_FALSE(store.maintain(kT0 + 20'000));
  }
  StoreWorker again(file(), std::chrono::hours(24));
  ASSERT_FALSE(again.open());
  auto snapshot = again.board_snapshot(kT0 + 30'000);
  ASSERT_TRUE(snapshot.contains("00000000000000bb"));
  const auto& s = snapshot["00000000000000bb"];
  ASSERT_TRUE(s.success);
  EXPECT_FALSE(*s.success);
  EXPECT_EQ(s.verdict, "tcp/timeout");
  EXPECT_EQ(s.since_ms, kT0);
  ASSERT_EQ(s.fine.size(), 1u);
  EXPECT_EQ(s.fine[0].runs, 2u);
  // The next run lands in the bucket written before the restart and adds to it.
  ASSERT_FALSE(again.write({}, {run("00000000000000bb", kT0 + 30'000, true, true)}));
  ASSERT_FALSE(again.maintain(kT0 + 40'000));
  auto h = again.key_history("00000000000000bb", kT0 - 1, kT0 + 60'000, 10);
  ASSERT_FALSE(h.fine.empty());
  EXPECT_EQ(h.fine.back().runs, 3u);
  EXPECT_EQ(h.fine.back().failures, 2u);
}

TEST_F(StoreTest, OldDataLeavesByItsTierAndRemovedKeysAtTheRetention) {
  {
    StoreWorker store(file(), std::chrono::hours(24));
    ASSERT_FALSE(store.open());
    ASSERT_FALSE(
        store.write({key("00000000000000cc")}, {run("00000000000000cc", kT0, false, true)}));
    ASSERT_FALSE(store.maintain(kT0 + 1000));
    // Two hours later the raw run is gone, the aggregates and the event stay.
    ASSERT_FALSE(store.maintain(kT0 + 2 * 3'600'000));
    auto h = store.key_history("00000000000000cc", kT0 - 1, kT0 + 3 * 3'600'000, 10);
    EXPECT_TRUE(h.runs.empty());
    EXPECT_FALSE(h.hourly.empty());
    EXPECT_FALSE(h.events.empty());
  }
  // A later process that no longer schedules the key drops it past the retention.
  StoreWorker later(file(), std::chrono::hours(24));
  ASSERT_FALSE(later.open());
  EXPECT_TRUE(later.key_history("00000000000000cc", 0, kT0 * 2, 10).key);
  ASSERT_FALSE(later.maintain(kT0 + 3 * 86'400'000LL));
  EXPECT_FALSE(later.key_history("00000000000000cc", 0, kT0 * 2, 10).key);
}

TEST_F(StoreTest, ASchema1StoreIsUpgradedWithItsRawRuns) {
  {
    // The first schema's runs table and meta row, as reachprobe 0.1.0 wrote them.
    DbError error;
    auto db = Db::open(file(), true, error);
    ASSERT_TRUE(db) << error.message;
    ASSERT_FALSE(db->exec(
        "CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO meta VALUES('schema_version', '1');"
        "CREATE TABLE keys(id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL, target TEXT NOT NULL,"
        " module TEXT NOT NULL, labels TEXT NOT NULL, first_ms INTEGER NOT NULL,"
        " last_ms INTEGER NOT NULL);"
        "INSERT INTO keys VALUES(1, '00000000000000dd', '198.18.0.1:22', 'tcp_connect', '[]', "
        "1780000000000, 1780000000000);"
        "CREATE TABLE runs(t INTEGER NOT NULL, key INTEGER NOT NULL, ok INTEGER NOT NULL,"
        " verdict TEXT, dur REAL NOT NULL);"
        "CREATE INDEX runs_by_key ON runs(key, t);"
        "INSERT INTO runs VALUES(1780000000000, 1, 0, 'tcp/timeout', 1.0);"
        "INSERT INTO runs VALUES(1780000010000, 1, 1, NULL, 0.002);"));
  }
  StoreWorker store(file(), std::chrono::hours(24));
  ASSERT_FALSE(store.open());
  auto h = store.key_history("00000000000000dd", kT0 - 1, kT0 + 60'000, 10);
  ASSERT_EQ(h.runs.size(), 2u);
  EXPECT_EQ(h.runs[0].time_ms, kT0 + 10'000);  // newest first
  EXPECT_TRUE(h.runs[0].success);
  EXPECT_EQ(h.runs[1].verdict, "tcp/timeout");
  // New runs go into the upgraded table beside the old ones.
  ASSERT_FALSE(store.write({}, {run("00000000000000dd", kT0 + 20'000, true)}));
  EXPECT_EQ(store.key_history("00000000000000dd", kT0 - 1, kT0 + 60'000, 10).runs.size(), 3u);
}

TEST_F(StoreTest, RunsAcrossSlicesComeNewestFirstWithinTheRangeAndTheLimit) {
  StoreWorker store(file(), std::chrono::hours(24));
  ASSERT_FALSE(store.open());
  std::vector<RunRecord> runs;
  for (int i = 0; i < 30; ++i) runs.push_back(run("00000000000000ee", kT0 + i * 3'000, true));
  runs.push_back(run("00000000000000ef", kT0 + 1'000, false));  // another key, same slices
  ASSERT_FALSE(store.write({key("00000000000000ee"), key("00000000000000ef")}, runs));
  auto all = store.key_history("00000000000000ee", 0, kT0 * 2, 100).runs;
  ASSERT_EQ(all.size(), 30u);
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i - 1].time_ms, all[i].time_ms);
  auto some = store.key_history("00000000000000ee", kT0 + 10'000, kT0 + 40'000, 5).runs;
  ASSERT_EQ(some.size(), 5u);
  EXPECT_EQ(some.front().time_ms, kT0 + 39'000);
  EXPECT_EQ(some.back().time_ms, kT0 + 27'000);
}

TEST_F(StoreTest, AnOpenHourRowIsReadFromMemoryAndWrittenWhenTheStoreCloses) {
  {
    StoreWorker store(file(), std::chrono::hours(24));
    ASSERT_FALSE(store.open());
    ASSERT_FALSE(
        store.write({key("00000000000000ff")}, {run("00000000000000ff", kT0, true, true)}));
    ASSERT_FALSE(store.maintain(kT0 + 1'000));
    ASSERT_FALSE(store.write({}, {run("00000000000000ff", kT0 + 30'000, true)}));
    // A minute later the hour row is not rewritten yet, but reads merge it from memory.
    ASSERT_FALSE(store.maintain(kT0 + 61'000));
    auto h = store.key_history("00000000000000ff", kT0 - 1, kT0 + 120'000, 10);
    ASSERT_EQ(h.hourly.size(), 1u);
    EXPECT_EQ(h.hourly[0].runs, 2u);
    ASSERT_FALSE(store.maintain(kT0 + 62'000, true));
  }
  StoreWorker again(file(), std::chrono::hours(24));
  ASSERT_FALSE(again.open());
  auto h = again.key_history("00000000000000ff", kT0 - 1, kT0 + 120'000, 10);
  ASSERT_EQ(h.hourly.size(), 1u);
  EXPECT_EQ(h.hourly[0].runs, 2u);
}

TEST_F(StoreTest, ASecondInstanceOnTheSameFileIsRefused) {
  StoreWorker first(file(), std::chrono::hours(24));
  ASSERT_FALSE(first.open());
  StoreWorker second(file(), std::chrono::hours(24));
  auto error = second.open();
  ASSERT_TRUE(error);
  EXPECT_NE(error->message.find("in use by another reachprobe"), std::string::npos)
      << error->message;
  EXPECT_NE(error->message.find(file()), std::string::npos);
}

TEST_F(StoreTest, ACorruptFileIsReportedWithTheWayOutAndLeftUntouched) {
  std::string garbage(4096, '\0');
  for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(i * 7 + 3);
  { std::ofstream(file(), std::ios::binary) << garbage; }
  {
    StoreWorker store(file(), std::chrono::hours(24));
    auto error = store.open();
    ASSERT_TRUE(error);
    EXPECT_NE(error->message.find(file()), std::string::npos) << error->message;
    EXPECT_NE(error->message.find("move it away"), std::string::npos) << error->message;
    EXPECT_TRUE(store.write({key("00000000000000dd")}, {run("00000000000000dd", kT0, true)}));
  }
  std::ifstream in(file(), std::ios::binary);
  std::string after((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(after, garbage);
}

TEST_F(StoreTest, AnUnopenablePathIsAnErrorNotACrash) {
  StoreWorker store("/proc/reachprobe-no-such/history.db", std::chrono::hours(24));
  auto error = store.open();
  ASSERT_TRUE(error);
  EXPECT_NE(error->message.find("/proc/reachprobe-no-such"), std::string::npos) << error->message;
  EXPECT_FALSE(store.is_open());
  EXPECT_TRUE(store.key_history("00000000000000ee", 0, kT0, 10).runs.empty());
}

TEST_F(StoreTest, MemoryStoreWorksAndKeepsNothing) {
  StoreWorker store(":memory:", std::chrono::hours(24));
  ASSERT_FALSE(store.open());
  ASSERT_FALSE(store.write({key("00000000000000ff")}, {run("00000000000000ff", kT0, true, true)}));
  EXPECT_EQ(store.key_history("00000000000000ff", 0, kT0 + 1, 10).runs.size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(":memory:"));
}

TEST(LatencyQuantile, InterpolatesInsideTheBucketHoldingTheRank) {
  LatencyCounts counts{};
  EXPECT_FALSE(latency_quantile(counts, 0.5));
  counts[latency_bucket(0.0015)] = 90;  // (.001, .0025]
  counts[latency_bucket(0.3)] = 10;     // (.25, .5]
  // rank 50 of 100 is 50/90 of the way through (.001, .0025]
  EXPECT_NEAR(*latency_quantile(counts, 0.5), 0.001 + 0.0015 * 50.0 / 90.0, 1e-12);
  // rank 95 is half way through (.25, .5]
  EXPECT_NEAR(*latency_quantile(counts, 0.95), 0.375, 1e-12);
  // the longest run caps the estimate
  EXPECT_NEAR(*latency_quantile(counts, 0.95, 0.3), 0.275, 1e-12);
  EXPECT_NEAR(*latency_quantile(counts, 1.0, 0.3), 0.3, 1e-12);
}

TEST(LatencyQuantile, TheOpenLastBucketEndsAtTheLongestRun) {
  LatencyCounts counts{};
  counts[latency_bucket(1000)] = 10;  // above every bound
  EXPECT_NEAR(*latency_quantile(counts, 0.5, 100), 80, 1e-9);
  EXPECT_DOUBLE_EQ(*latency_quantile(counts, 0.5), 60);  // no maximum known: the last bound
}

}  // namespace
}  // namespace reachprobe::history
