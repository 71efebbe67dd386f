#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "engine/probe_report.hpp"

namespace reachprobe::exporters {

// CONTRACT §4: one RESULT object per target, and the {"results": [...]} document.
nlohmann::ordered_json to_json(const engine::ProbeReport& report);
nlohmann::ordered_json to_json_document(const std::vector<engine::ProbeReport>& reports);

// to_json_document() dumped with an indent of 2, one report at a time, byte for byte: begin(),
// then element() for each report in order, then end(). `check --json` prints each report as
// it is ready and lets it go instead of holding the whole document.
class JsonDocumentStream {
 public:
  std::string begin() const { return "{\n  \"results\": ["; }
  std::string element(const engine::ProbeReport& report);
  // element() appended to `out`, without a copy of its text.
  void append_element(const engine::ProbeReport& report, std::string& out);
  std::string end() const { return count_ == 0 ? "]\n}" : "\n  ]\n}"; }

 private:
  std::size_t count_ = 0;
};

}  // namespace reachprobe::exporters
