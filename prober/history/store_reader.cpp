#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "history/store_worker.hpp"

namespace reachprobe::history {
namespace {

Labels parse_labels(const std::string& text) {
  Labels labels;
  auto array = nlohmann::json::parse(text, nullptr, false);
  if (!array.is_array()) return labels;
  for (const auto& pair : array) {
    if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string())
      labels.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  }
  return labels;
}

Bucket bucket_from(const Statement& row) {
  Bucket b;
  b.start_s = row.int64(0);
  b.runs = static_cast<std::uint32_t>(row.int64(1));
  b.failures = static_cast<std::uint32_t>(row.int64(2));
  b.duration_sum_s = row.real(3);
  b.duration_max_s = row.real(4);
  return b;
}

std::optional<double> availability(std::uint64_t runs, std::uint64_t failures) {
  if (runs == 0) return std::nullopt;
  return 1.0 - static_cast<double>(failures) / static_cast<double>(runs);
}

}  // namespace

void StoreWorker::merge_unwritten(std::int64_t row, std::int64_t resolution,
                                  std::vector<Bucket>& buckets, std::int64_t from_s) const {
  // The open bucket lives in the accumulator until maintain() writes it (about a minute).
  auto id = id_by_row_.find(row);
  if (id == id_by_row_.end()) return;
  const KeyState& key = keys_.at(id->second);
  const Accumulator& acc = resolution == kFineSeconds ? key.fine : key.hour;
  if (!acc.dirty || acc.bucket.runs == 0 || acc.bucket.start_s < from_s) return;
  for (auto& b : buckets) {
    if (b.start_s == acc.bucket.start_s) {
      b = acc.bucket;
      return;
    }
  }
  buckets.push_back(acc.bucket);
}

KeyHistory StoreWorker::key_history(const std::string& id, std::int64_t from_ms, std::int64_t to_ms,
                                    std::size_t max_runs) {
  KeyHistory out;
  if (!db_) return out;
  auto& key = statement("SELECT id, target, module, labels FROM keys WHERE key = ?");
  key.bind(0, id);
  std::int64_t row = 0;
  if (key.step() == SQLITE_ROW) {
    row = key.int64(0);
    out.key = KeyInfo{id, key.text(1), key.text(2), parse_labels(key.text(3))};
  }
  key.reset();
  if (!out.key) return out;

  // Runs are clustered by slice, then key: one seek per slice, newest first, over the slices
  // the table holds (an hour's worth), whatever the range asked for.
  // Two statements: SQLite answers a lone min() or max() from the primary key's ends, but
  // scans the whole table for both in one.
  auto slice_end = [this](const char* sql) -> std::optional<std::int64_t> {
    auto& end = statement(sql);
    std::optional<std::int64_t> found;
    if (end.step() == SQLITE_ROW && !end.is_null(0)) found = end.int64(0);
    end.reset();
    return found;
  };
  std::int64_t first_slice = 0, last_slice = -1;
  const auto oldest = slice_end("SELECT min(b) FROM runs");
  const auto newest = slice_end("SELECT max(b) FROM runs");
  if (oldest && newest) {
    first_slice = std::max(*oldest, from_ms / kRunSliceMs);
    last_slice = std::min(*newest, to_ms / kRunSliceMs);
  }
  auto& runs = statement(
      "SELECT t, ok, verdict, dur FROM runs WHERE b = ? AND key = ? AND t >= ? AND t <= ? "
      "ORDER BY t DESC");
  for (std::int64_t slice = last_slice; slice >= first_slice && out.runs.size() < max_runs;
       --slice) {
    runs.bind(0, slice).bind(1, row).bind(2, from_ms).bind(3, to_ms);
    while (out.runs.size() < max_runs && runs.step() == SQLITE_ROW)
      out.runs.push_back({runs.int64(0), runs.int64(1) != 0, runs.text(2), runs.real(3)});
    runs.reset();
  }

  auto& events = statement(
      "SELECT first_ms, last_ms, count, state_change, ok, verdict, summary, evidence, last_summary "
      "FROM events "
      "WHERE key = ? AND last_ms >= ? AND first_ms <= ? ORDER BY first_ms DESC LIMIT 200");
  events.bind(0, row).bind(1, from_ms).bind(2, to_ms);
  while (events.step() == SQLITE_ROW) {
    Event e;
    e.first_ms = events.int64(0);
    e.last_ms = events.int64(1);
    e.count = static_cast<std::uint32_t>(events.int64(2));
    e.state_change = events.int64(3) != 0;
    e.success = events.int64(4) != 0;
    e.verdict = events.text(5);
    e.summary = events.text(6);
    e.evidence_json = events.text(7);
    e.last_summary = events.text(8);
    out.events.push_back(std::move(e));
  }
  events.reset();
  // The streak still open counts its runs in memory until maintain() writes it.
  if (auto state = keys_.find(id); state != keys_.end() && state->second.streak_dirty) {
    for (auto& e : out.events) {
      if (e.first_ms <= state->second.streak_last_ms && !e.success &&
          e.verdict == state->second.streak_verdict) {
        e.last_ms = state->second.streak_last_ms;
        e.count = state->second.streak_count;
        e.last_summary = state->second.streak_last_summary;
        break;
      }
    }
  }

  auto& buckets = statement(
      "SELECT start, runs, fails, dur_sum, dur_max FROM agg WHERE key = ? AND res = ? AND "
      "start >= ? AND start <= ? ORDER BY start");
  for (auto [list, resolution] :
       {std::pair{&out.fine, kFineSeconds}, {&out.hourly, kHourSeconds}}) {
    const std::int64_t from_s = from_ms / 1000 / resolution * resolution;
    buckets.bind(0, row).bind(1, resolution).bind(2, from_s).bind(3, to_ms / 1000);
    while (buckets.step() == SQLITE_ROW) list->push_back(bucket_from(buckets));
    buckets.reset();
    merge_unwritten(row, resolution, *list, from_s);
  }
  return out;
}

std::map<std::string, LongWindows> StoreWorker::long_windows(const std::vector<std::string>& ids,
                                                             std::int64_t now_ms) {
  std::map<std::string, LongWindows> out;
  if (!db_) return out;
  const std::int64_t now_s = now_ms / 1000;
  auto& hours = statement(
      "SELECT start, runs, fails, dur_sum, dur_max FROM agg WHERE key = ? AND res = ? AND "
      "start >= ?");
  auto& latency =
      statement("SELECT start, lat, dur_max FROM agg WHERE key = ? AND res = ? AND start >= ?");
  for (const auto& id : ids) {
    auto state = keys_.find(id);
    std::optional<std::int64_t> row =
        state != keys_.end() ? std::optional<std::int64_t>(state->second.row) : key_row(id);
    if (!row) continue;
    std::vector<Bucket> list;
    const std::int64_t from_s = (now_s - 30 * 86400) / kHourSeconds * kHourSeconds;
    hours.bind(0, *row).bind(1, kHourSeconds).bind(2, from_s);
    while (hours.step() == SQLITE_ROW) list.push_back(bucket_from(hours));
    hours.reset();
    merge_unwritten(*row, kHourSeconds, list, from_s);
    std::uint64_t runs7 = 0, fails7 = 0, runs30 = 0, fails30 = 0;
    for (const auto& b : list) {
      runs30 += b.runs;
      fails30 += b.failures;
      if (b.start_s >= now_s - 7 * 86400) {
        runs7 += b.runs;
        fails7 += b.failures;
      }
    }
    LongWindows w;
    w.d7 = availability(runs7, fails7);
    w.d30 = availability(runs30, fails30);
    // The open 10-minute bucket is whole in its accumulator (seeded from its row), so it
    // stands in for that row.
    const Accumulator* open = nullptr;
    if (state != keys_.end() && state->second.fine.dirty) open = &state->second.fine;
    LatencyCounts counts{};
    double longest = 0;
    const std::int64_t day_s = now_s - 86400;
    latency.bind(0, *row).bind(1, kFineSeconds).bind(2, day_s);
    while (latency.step() == SQLITE_ROW) {
      auto blob = latency.blob(1);
      if (blob.size() != sizeof(LatencyCounts)) continue;
      if (open != nullptr && latency.int64(0) == open->bucket.start_s) continue;
      LatencyCounts one;
      std::memcpy(one.data(), blob.data(), blob.size());
      longest = std::max(longest, latency.real(2));
      for (std::size_t i = 0; i < counts.size(); ++i) counts[i] += one[i];
    }
    latency.reset();
    if (open != nullptr && open->bucket.start_s >= day_s) {
      for (std::size_t i = 0; i < counts.size(); ++i) counts[i] += open->latency[i];
      longest = std::max(longest, open->bucket.duration_max_s);
    }
    w.p50_24h = latency_quantile(counts, 0.5, longest);
    w.p95_24h = latency_quantile(counts, 0.95, longest);
    out[id] = w;
  }
  return out;
}

BoardSnapshot StoreWorker::board_snapshot(std::int64_t now_ms) {
  BoardSnapshot out;
  if (!db_) return out;
  std::unordered_map<std::int64_t, std::string> ids;
  auto& keys = statement("SELECT id, key, last_ms FROM keys");
  while (keys.step() == SQLITE_ROW) {
    ids[keys.int64(0)] = keys.text(1);
    out[keys.text(1)].last_ms = keys.int64(2);
  }
  keys.reset();
  auto& states = statement("SELECT key, ok, verdict, since_ms, summary FROM state");
  while (states.step() == SQLITE_ROW) {
    auto id = ids.find(states.int64(0));
    if (id == ids.end()) continue;
    auto& s = out[id->second];
    s.success = states.int64(1) != 0;
    s.verdict = states.text(2);
    s.since_ms = states.int64(3);
    s.summary = states.text(4);
  }
  states.reset();
  auto& fine = statement(
      "SELECT start, runs, fails, dur_sum, dur_max, key FROM agg WHERE res = ? AND start >= ? "
      "ORDER BY key, start");
  fine.bind(0, kFineSeconds).bind(1, now_ms / 1000 - 86400);
  while (fine.step() == SQLITE_ROW) {
    auto id = ids.find(fine.int64(5));
    if (id != ids.end()) out[id->second].fine.push_back(bucket_from(fine));
  }
  fine.reset();
  return out;
}

}  // namespace reachprobe::history
