#pragma once
#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/probe_report.hpp"

namespace reachprobe::exporters {

// The human report: per target a ladder of layers, the hop table, the verdict and its
// sentence; with several targets, a side-by-side table (one column per target, one row per
// layer) so a working node and a failing one can be compared at a glance.
std::string render_text(const std::vector<engine::ProbeReport>& reports);
std::string render_ladder(const engine::ProbeReport& report);
std::string render_side_by_side(const std::vector<engine::ProbeReport>& reports);

// The side-by-side table, built one report at a time. It keeps of each report its target's
// text and, per layer, an index into the few distinct cell texts ("ok", "fail timeout", ...)
// rather than the strings themselves, so that `check` can print each ladder and let its
// report go: a sweep of 10,000 targets keeps about 60 bytes a target for the table.
class SideBySideTable {
 public:
  void add(const engine::ProbeReport& report);
  std::size_t size() const { return columns_.size(); }
  std::string render() const;

 private:
  // A cell: 0 when the report has no such layer, else the text's index + 1, with kMakesRow
  // set when the layer gives the table its row (every layer but one skipped as "not asked
  // for").
  static constexpr std::uint16_t kMakesRow = 0x8000;
  struct Column {
    std::string target;
    std::uint16_t verdict;
    std::array<std::uint16_t, engine::kAllLayers.size()> cells;
  };
  std::uint16_t intern(const std::string& text);
  const std::string& text_of(std::uint16_t cell) const {
    return texts_[static_cast<std::size_t>(cell & 0x7fff) - 1];
  }

  std::vector<std::string> texts_;
  std::unordered_map<std::string, std::uint16_t> index_;
  std::deque<Column> columns_;  // no doubling of a vector's copy at 10,000 columns
};

// render_text() one report at a time: add() returns the text to print now (the report's ladder
// and the blank line before it), finish() the table after the last ladder.
class TextReportStream {
 public:
  std::string add(const engine::ProbeReport& report);
  std::string finish() const;

 private:
  SideBySideTable table_;
};

}  // namespace reachprobe::exporters
