#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/probe_report.hpp"

namespace reachprobe::engine {

// What a scheduled key is to the consumers of its results: its identity and the labels its
// series carry (target, module, vantage, then the key's own, in that order).
struct KeyIdentity {
  std::string id;      // stable: target and module
  std::string prober;  // the module's kind ("http", "tcp", ...), which picks the blackbox names
  std::vector<std::pair<std::string, std::string>> labels;
};

// A finished run's report, shared by every consumer (the status board keeps the latest one
// whole and renders it only when its page is asked for).
using ReportPtr = std::shared_ptr<const ProbeReport>;

// A consumer of scheduled results (STYLE R20): /metrics' persistent families, later the history
// store and the status board. Called on the io_context thread; must not block.
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  virtual void key_added(const KeyIdentity& key) = 0;
  virtual void key_removed(const std::string& id) = 0;
  virtual void run_finished(const std::string& id, const ReportPtr& report) = 0;
  virtual void run_skipped(const std::string& id) = 0;
};

}  // namespace reachprobe::engine
