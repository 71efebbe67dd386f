#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "history/history_types.hpp"
#include "history/status_board.hpp"

namespace reachprobe::exporters {

struct StatusRow {
  const history::KeyStatus* key = nullptr;
  history::LongWindows windows;  // 7d / 30d and latency, from the store
};

// What the overview shows: one page of matching keys, worst first, and the counts of all.
struct StatusOverview {
  std::vector<StatusRow> rows;
  history::BoardCounts counts;  // every key, not only the matching ones
  std::size_t matched = 0;
  std::size_t page = 1;
  std::size_t pages = 1;
  std::size_t per_page = 100;
  history::BoardFilter filter;
  std::vector<std::string> modules;  // for the filter's choices
  std::vector<std::string> layers;
  std::string banner;       // a storage problem, shown above everything
  std::string link_prefix;  // "/" or "/a/b/"
  std::int64_t now_ms = 0;
};

// Server-rendered HTML with inline SVG and CSS, no scripts and nothing fetched: it works with
// JavaScript off and with no internet. Every text from a config or a target is escaped.
std::string render_status_overview(const StatusOverview& view);

struct KeyPageView {
  const history::KeyStatus* live = nullptr;  // null: not scheduled now (history only)
  history::KeyHistory history;               // the last 7 days
  history::LongWindows windows;
  std::string banner;
  std::string link_prefix;
  std::int64_t now_ms = 0;
};
std::string render_key_page(const KeyPageView& view);

// The page's head and CSS, shared by both pages.
std::string status_head(const std::string& title);

}  // namespace reachprobe::exporters
