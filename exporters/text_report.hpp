#pragma once
#include <optional>
#include <string>
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

// What the side-by-side table keeps of one report: a few short strings instead of the whole
// report, so that `check` can print each ladder and let its report go (10,000 reports kept
// until the end were most of a sweep's memory).
struct SideBySideColumn {
  std::string target;
  std::string verdict;
  // The report's layers in kAllLayers order: the cell text, and whether the layer gives the
  // table its row (every layer but one skipped as "not asked for").
  struct Cell {
    engine::Layer layer;
    std::string text;
    bool makes_row;
  };
  std::vector<Cell> cells;
};
SideBySideColumn side_by_side_column(const engine::ProbeReport& report);
std::string render_side_by_side(const std::vector<SideBySideColumn>& columns);

// render_text() one report at a time: add() returns the text to print now (the report's ladder
// and the blank line before it), finish() the table after the last ladder.
class TextReportStream {
 public:
  std::string add(const engine::ProbeReport& report);
  std::string finish() const;

 private:
  std::vector<SideBySideColumn> columns_;
};

}  // namespace reachprobe::exporters
