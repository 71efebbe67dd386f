#pragma once
#include <nlohmann/json.hpp>

#include "exporters/status_page.hpp"

namespace reachprobe::exporters {

// /api/v1/targets: the overview's page of keys, the counts and the storage's health.
nlohmann::ordered_json status_overview_json(const StatusOverview& view);
// /api/v1/targets/{id}: the key's row, its latest run (CONTRACT §4 RESULT) and its recent
// state changes and runs.
nlohmann::ordered_json key_json(const KeyPageView& view);
// /api/v1/targets/{id}/history: runs, events and buckets between `from` and `to`.
nlohmann::ordered_json key_history_json(const history::KeyHistory& history);

}  // namespace reachprobe::exporters
